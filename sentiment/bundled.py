"""The default model shipped inside the package, so the service works with no download.

Made by `python -m sentiment.training` (see MODEL_CARD.md): an ensemble of a fine-tuned
transformer, run by ONNX Runtime in int8 (no torch), and a numpy n-gram model; together they
measured better out of domain than either alone. Its `ensemble.json` carries the temperature
that calibrates the averaged probabilities.
"""

from __future__ import annotations

from pathlib import Path

from sentiment.base import Classifier, ModelUnavailable, first_line
from sentiment.directories import is_model_dir, load_or_explain
from sentiment.settings import SentimentSettings

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def load_bundled(settings: SentimentSettings, directory: Path = BUNDLED_DIR) -> Classifier:
    """Load the bundled model; one clear line when the package was built without it."""
    if is_model_dir(directory):
        return load_or_explain(
            directory,
            settings,
            lambda exc: (
                f"bundled sentiment model in {directory} cannot be loaded"
                f" ({type(exc).__name__}: {first_line(exc)}); reinstall Leumund or set"
                " sentiment.model to a model directory"
            ),
        )
    raise ModelUnavailable(
        f"bundled sentiment model missing in {directory}: rebuild it with"
        " `python -m sentiment.training` or set sentiment.model to a model directory"
    )
