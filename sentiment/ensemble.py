"""Several models deciding together by averaging their probabilities.

A directory with `ensemble.json` — {"name": …, "members": ["e5", "linear"], "weights": [1, 1]}
— holds one sub-directory per member, each an ordinary model directory loaded the usual way
(a transformers member through exactly the code path of any transformers model). A
fine-tuned transformer and an n-gram model make different mistakes; MODEL_CARD.md has the
numbers that made the bundled model an ensemble.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sentiment.base import LABELS, Classifier, ModelUnavailable, Sentiment

ENSEMBLE_FILE = "ensemble.json"


class EnsembleClassifier:
    """The weighted mean of its members' probabilities; the label is the most probable one."""

    def __init__(self, name: str, members: Sequence[Classifier], weights: Sequence[float]):
        if not members or len(members) != len(weights) or min(weights) < 0 or not sum(weights):
            raise ValueError("an ensemble needs members with as many non-negative weights")
        self.name = name
        self.members = list(members)
        total = float(sum(weights))
        self._weights = [w / total for w in weights]

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        runs = [member.classify(texts) for member in self.members]
        return [self._combine([run[i] for run in runs]) for i in range(len(texts))]

    def _combine(self, votes: list[Sentiment]) -> Sentiment:
        probs = {
            label: sum(w * v.probs[label] for w, v in zip(self._weights, votes, strict=True))
            for label in LABELS
        }
        return Sentiment(label=max(LABELS, key=probs.__getitem__), probs=probs, model=self.name)


def is_ensemble_dir(directory: Path) -> bool:
    """An ensemble directory is recognised by its `ensemble.json`."""
    return (directory / ENSEMBLE_FILE).is_file()


def read_ensemble(directory: Path) -> tuple[str, list[Path], list[float]]:
    """Name, member directories and weights from `ensemble.json`, or one line saying why not."""
    try:
        spec: Any = json.loads((directory / ENSEMBLE_FILE).read_text(encoding="utf-8"))
        raw_members, raw_weights = spec["members"], spec.get("weights", [])
        if not isinstance(raw_members, list) or not isinstance(raw_weights, list):
            raise TypeError("members and weights must be lists")
        members = [directory / str(m) for m in raw_members]
        weights = [float(w) for w in raw_weights] or [1.0] * len(members)
        name = str(spec.get("name") or directory.name)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailable(_bad(directory, f"it is unreadable ({exc})")) from None
    if not members or len(weights) != len(members):
        raise ModelUnavailable(_bad(directory, "it needs one weight per member"))
    if not all(math.isfinite(w) and w >= 0 for w in weights) or not sum(weights):
        raise ModelUnavailable(_bad(directory, "weights must be numbers >= 0, not all 0"))
    for member in members:
        if member.resolve() == directory.resolve() or not member.is_dir():
            raise ModelUnavailable(_bad(directory, f"member {member.name!r} is no sub-directory"))
    return name, members, weights


def _bad(directory: Path, why: str) -> str:
    return (
        f"sentiment model {directory}: {ENSEMBLE_FILE}: {why}; it needs"
        ' {"members": [sub-directories], "weights": [one number each]}'
    )


def save_ensemble(
    directory: Path, name: str, members: Sequence[str], weights: Sequence[float]
) -> None:
    """Write `ensemble.json`; the members' directories are written by their own trainers."""
    spec = {"name": name, "members": list(members), "weights": list(weights)}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ENSEMBLE_FILE).write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
