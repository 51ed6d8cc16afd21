"""The transformers backend, imported on first use.

torch and transformers take seconds and hundreds of MB to import; commands that load no
transformers model (check-config, status, a crawl) should not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentiment.classifier import TransformersClassifier


def transformers_classifier() -> type[TransformersClassifier]:
    module = importlib.import_module("sentiment.classifier")
    cls: type[TransformersClassifier] = module.TransformersClassifier
    return cls
