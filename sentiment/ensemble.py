"""Several models deciding together by averaging their probabilities.

A directory with `ensemble.json` — {"name": …, "members": ["e5", "linear"], "weights": [1, 1],
"temperature": T} — holds one sub-directory per member, each an ordinary model directory loaded
the usual way (a transformers member through exactly the code path of any transformers model). A
fine-tuned transformer and an n-gram model make different mistakes; MODEL_CARD.md has the
numbers that made the bundled model an ensemble. The optional `temperature` (default 1)
rescales the averaged probabilities without changing the label (`sentiment.calibration`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sentiment.base import LABELS, Classifier, ModelUnavailable, Sentiment
from sentiment.calibration import temper_one

ENSEMBLE_FILE = "ensemble.json"


class EnsembleClassifier:
    """The weighted mean of its members' probabilities; the label is the most probable one."""

    def __init__(
        self,
        name: str,
        members: Sequence[Classifier],
        weights: Sequence[float],
        temperature: float = 1.0,
    ):
        if not members or len(members) != len(weights) or min(weights) < 0 or not sum(weights):
            raise ValueError("an ensemble needs members with as many non-negative weights")
        if not temperature > 0:
            raise ValueError("the temperature must be a number > 0")
        self.name = name
        self.members = list(members)
        total = float(sum(weights))
        self._weights = [w / total for w in weights]
        self.temperature = temperature

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        return self.classify_given(texts, {})

    def classify_given(
        self, texts: Sequence[str], known: Mapping[int, Sequence[Sentiment]]
    ) -> list[Sentiment]:
        """`classify`, with the votes of some members (by position) already at hand."""
        runs = [
            known[i] if i in known else member.classify(texts)
            for i, member in enumerate(self.members)
        ]
        return [self._combine([run[i] for run in runs]) for i in range(len(texts))]

    def _combine(self, votes: list[Sentiment]) -> Sentiment:
        mean = [
            sum(w * v.probs[label] for w, v in zip(self._weights, votes, strict=True))
            for label in LABELS
        ]
        probs = dict(zip(LABELS, temper_one(mean, self.temperature), strict=True))
        return Sentiment(label=max(LABELS, key=probs.__getitem__), probs=probs, model=self.name)


def is_ensemble_dir(directory: Path) -> bool:
    """An ensemble directory is recognised by its `ensemble.json`."""
    return (directory / ENSEMBLE_FILE).is_file()


class EnsembleSpec(NamedTuple):
    name: str
    members: list[Path]
    weights: list[float]
    temperature: float


def read_ensemble(directory: Path) -> EnsembleSpec:
    """What `ensemble.json` says, checked, or one line saying why it cannot be used."""
    try:
        spec: Any = json.loads((directory / ENSEMBLE_FILE).read_text(encoding="utf-8"))
        raw_members, raw_weights = spec["members"], spec.get("weights", [])
        if not isinstance(raw_members, list) or not isinstance(raw_weights, list):
            raise TypeError("members and weights must be lists")
        members = [directory / str(m) for m in raw_members]
        weights = [float(w) for w in raw_weights] or [1.0] * len(members)
        name = str(spec.get("name") or directory.name)
        temperature = float(spec.get("temperature", 1.0))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailable(_bad(directory, f"it is unreadable ({exc})")) from None
    if not members or len(weights) != len(members):
        raise ModelUnavailable(_bad(directory, "it needs one weight per member"))
    if not all(math.isfinite(w) and w >= 0 for w in weights) or not sum(weights):
        raise ModelUnavailable(_bad(directory, "weights must be numbers >= 0, not all 0"))
    if not (math.isfinite(temperature) and temperature > 0):
        raise ModelUnavailable(_bad(directory, "temperature must be a number > 0"))
    for member in members:
        if member.resolve() == directory.resolve() or not member.is_dir():
            raise ModelUnavailable(_bad(directory, f"member {member.name!r} is no sub-directory"))
    return EnsembleSpec(name, members, weights, temperature)


def _bad(directory: Path, why: str) -> str:
    return (
        f"sentiment model {directory}: {ENSEMBLE_FILE}: {why}; it needs"
        ' {"members": [sub-directories], "weights": [one number each]}, optionally'
        ' "temperature": a number > 0'
    )


def save_ensemble(
    directory: Path,
    name: str,
    members: Sequence[str],
    weights: Sequence[float],
    temperature: float = 1.0,
) -> None:
    """Write `ensemble.json`; the members' directories are written by their own trainers."""
    spec: dict[str, Any] = {"name": name, "members": list(members), "weights": list(weights)}
    if temperature != 1.0:
        spec["temperature"] = temperature
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ENSEMBLE_FILE).write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
