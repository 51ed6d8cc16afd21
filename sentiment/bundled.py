"""The default model shipped inside the package, so the service works with no download.

It is an ordinary transformers model directory (made by `python -m sentiment.train`, see
MODEL_CARD.md) and is loaded through exactly the code path of any other model.
"""

from __future__ import annotations

from pathlib import Path

from sentiment.base import Classifier, ModelUnavailable
from sentiment.classifier import TransformersClassifier
from sentiment.settings import SentimentSettings

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def load_bundled(settings: SentimentSettings, directory: Path = BUNDLED_DIR) -> Classifier:
    """Load the bundled model; one clear line when the package was built without it."""
    if not (directory / "config.json").is_file():
        raise ModelUnavailable(
            f"bundled sentiment model missing in {directory}: rebuild it with"
            " `python -m sentiment.train` or set sentiment.model to a model directory"
        )
    return TransformersClassifier.from_directory(directory, settings)
