"""The classifier interface every model (bundled or from transformers) implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

LABELS: tuple[str, ...] = ("positive", "neutral", "negative")

# Leumund's own metadata beside a model directory's config.json, all keys optional:
# {"name": …, "clean_text": "german-sentiment-bert", "quantize": "dynamic-int8"}.
META_FILE = "leumund.json"


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A label with the probability of every label, and the model that gave it."""

    label: str
    probs: dict[str, float]
    model: str


class Classifier(Protocol):
    name: str

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """One Sentiment per text, in order; batching is the classifier's own business."""
        ...


class ModelUnavailable(Exception):
    """The configured model cannot be loaded; the message is one line for the operator."""


def first_line(exc: BaseException) -> str:
    """An exception's message cut to one line, for errors the operator reads in a log line."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
