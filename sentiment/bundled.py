"""The default model shipped inside the package, so the service works with no download."""

from __future__ import annotations

from pathlib import Path

from sentiment.base import Classifier, ModelUnavailable
from sentiment.settings import SentimentSettings

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def load_bundled(settings: SentimentSettings) -> Classifier:
    """Load the bundled model; raises ModelUnavailable until it has been built."""
    raise ModelUnavailable(
        f"bundled model not built yet in {BUNDLED_DIR}: run `python -m sentiment.train`"
    )
