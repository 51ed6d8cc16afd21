"""Scoring a classifier on a labelled TSV file: accuracy, macro-F1 and F1 per label.

`binary` mode answers the question acceptance asks of review platforms (1–2 vs 4–5 stars):
only positive and negative rows count, and the prediction is whichever of those two labels
the model finds more probable, so a model's neutral class cannot swallow clear reviews.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sentiment.base import LABELS, Classifier, Sentiment

BINARY_LABELS: tuple[str, ...] = ("positive", "negative")


class EvalDataError(ValueError):
    """The evaluation file is unusable; the message is one line naming file and problem."""


@dataclass(frozen=True, slots=True)
class Example:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Metrics:
    n: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_label": self.per_label,
        }


def read_examples(path: Path) -> list[Example]:
    """Rows of a tab-separated file with a header naming at least `label` and `text`."""
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalDataError(f"{path}: cannot read: {exc}") from None
    if not rows:
        raise EvalDataError(f"{path}: empty file; expected a header row with label and text")
    header = [name.strip().lower() for name in rows[0]]
    if "label" not in header or "text" not in header:
        raise EvalDataError(f"{path}: header must name the columns label and text, got {header}")
    at_label, at_text = header.index("label"), header.index("text")
    examples = [_example(path, n, row, at_label, at_text) for n, row in enumerate(rows[1:], 2)]
    if not examples:
        raise EvalDataError(f"{path}: no rows after the header")
    return examples


def _example(path: Path, line: int, row: list[str], at_label: int, at_text: int) -> Example:
    if len(row) <= max(at_label, at_text):
        raise EvalDataError(f"{path}: line {line}: expected a label and a text column")
    label = row[at_label].strip().lower()
    if label not in LABELS:
        raise EvalDataError(
            f"{path}: line {line}: label {row[at_label]!r} is not one of {', '.join(LABELS)}"
        )
    return Example(label, row[at_text])


def evaluate(classifier: Classifier, examples: Sequence[Example], binary: bool) -> Metrics:
    """Classify every kept example and score the predictions."""
    kept = [e for e in examples if e.label in BINARY_LABELS] if binary else list(examples)
    if not kept:
        raise EvalDataError("no positive or negative rows to evaluate in binary mode")
    results = classifier.classify([e.text for e in kept])
    predicted = [_binary_label(r) if binary else r.label for r in results]
    gold = [e.label for e in kept]
    labels = BINARY_LABELS if binary else tuple(x for x in LABELS if x in {*gold, *predicted})
    return score(gold, predicted, labels)


def _binary_label(result: Sentiment) -> str:
    positive, negative = result.probs.get("positive", 0.0), result.probs.get("negative", 0.0)
    return "positive" if positive >= negative else "negative"


def score(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Metrics:
    """Accuracy, per-label F1 and their unweighted mean; F1 is 0 where it is undefined."""
    pairs = list(zip(gold, predicted, strict=True))
    per_label = {label: _f1(pairs, label) for label in labels}
    correct = sum(g == p for g, p in pairs)
    return Metrics(
        n=len(pairs),
        accuracy=correct / len(pairs) if pairs else 0.0,
        macro_f1=sum(per_label.values()) / len(per_label) if per_label else 0.0,
        per_label=per_label,
    )


def _f1(pairs: list[tuple[str, str]], label: str) -> float:
    tp = sum(g == label and p == label for g, p in pairs)
    fp = sum(g != label and p == label for g, p in pairs)
    fn = sum(g == label and p != label for g, p in pairs)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
