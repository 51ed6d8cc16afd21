"""Mapping a model's own label names onto positive / neutral / negative.

Models name their classes freely ("POSITIVE", "neg", "4 stars"); Leumund needs the
probability of each of its three labels, so every class index is assigned one of them and
probabilities of classes sharing a label (star ratings) are summed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sentiment.base import LABELS, ModelUnavailable

_SYNONYMS: dict[str, str] = {
    "positive": "positive",
    "pos": "positive",
    "positiv": "positive",
    "very positive": "positive",
    "negative": "negative",
    "neg": "negative",
    "negativ": "negative",
    "very negative": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "neut": "neutral",
}
_STARS = re.compile(r"^([1-5])\s*(?:star|stars|stern|sterne)$")
_GENERIC = re.compile(r"^label[_ -]?\d+$")


class LabelError(ModelUnavailable):
    """The model's label names cannot be mapped onto positive / neutral / negative."""


@dataclass(frozen=True, slots=True)
class LabelMap:
    """Leumund's label for each class index of a model, in index order."""

    by_index: tuple[str, ...]

    def matrix(self) -> list[list[float]]:
        """A (classes × LABELS) 0/1 matrix: class probabilities @ matrix = label probabilities."""
        return [[1.0 if label == target else 0.0 for target in LABELS] for label in self.by_index]


def canonical_label(name: str) -> str | None:
    """Leumund's label for one model label name, case-insensitively; None if unknown."""
    key = " ".join(name.strip().lower().replace("_", " ").split())
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    stars = _STARS.match(key)
    if stars is None:
        return None
    count = int(stars.group(1))
    return "negative" if count <= 2 else "neutral" if count == 3 else "positive"


def label_map(id2label: Mapping[int, str] | Mapping[str, str], model: str) -> LabelMap:
    """Map every class of a model (from config.json `id2label`) or raise LabelError."""
    items = sorted((int(k), str(v)) for k, v in id2label.items())
    if [i for i, _ in items] != list(range(len(items))) or len(items) < 2:
        raise LabelError(f"model {model}: id2label must name classes 0…n-1, got {dict(items)}")
    names = [name for _, name in items]
    if all(_GENERIC.match(name.strip().lower()) for name in names):
        raise LabelError(
            f"model {model}: its labels {names} are generic, so which is positive is unknown;"
            " set id2label in its config.json to names like positive/neutral/negative"
        )
    mapped = [canonical_label(name) for name in names]
    unknown = [name for name, label in zip(names, mapped, strict=True) if label is None]
    if unknown:
        raise LabelError(
            f"model {model}: cannot map labels {unknown} to positive/neutral/negative;"
            " rename them in id2label of its config.json"
        )
    found = [label for label in mapped if label is not None]
    if "positive" not in found or "negative" not in found:
        raise LabelError(f"model {model}: needs a positive and a negative label, has {names}")
    return LabelMap(tuple(found))
