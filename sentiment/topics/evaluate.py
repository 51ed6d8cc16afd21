"""Scoring topic detection and polarity on a labelled aspect file (`leumund aspects eval`).

The file: tab-separated, header `id, text, aspects`, aspects `category:polarity;…` in the
data set's own names (see `datasets`). Detection is scored on (row, topic) pairs: every gold
label counts, one whose category maps to no topic is a miss; two labels of one row that map to
the same topic are one pair. Polarity accuracy is over correctly detected pairs whose gold
polarity is positive or negative.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sentiment.topics.analyze import Mention, TopicAnalyzer
from sentiment.topics.datasets import Dataset, UnknownDataset, recognise
from sentiment.topics.taxonomy import POLARITIES

NO_TOPIC = "(no topic)"
CLEAR = ("positive", "negative")


class AspectDataError(ValueError):
    """The file is unusable; the message is one line naming file and problem."""


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    labels: tuple[tuple[str, str], ...]
    """(category, polarity) in the data set's own names."""


def read_rows(path: Path) -> list[Row]:
    """Rows of an aspect file; AspectDataError for a missing column or a malformed label."""
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AspectDataError(f"{path}: cannot read: {exc}") from None
    if not records or not {"text", "aspects"} <= set(records[0]):
        raise AspectDataError(f"{path}: expected a header with the columns text and aspects")
    return [_row(path, n, r) for n, r in enumerate(records, start=2)]


def _row(path: Path, line: int, record: dict[str, str]) -> Row:
    labels: list[tuple[str, str]] = []
    for raw in filter(None, (record.get("aspects") or "").split(";")):
        category, _, pol = raw.strip().rpartition(":")
        if not category or pol not in POLARITIES:
            raise AspectDataError(
                f"{path}: line {line}: expected category:positive|neutral|negative, got {raw!r}"
            )
        labels.append((category, pol))
    return Row(record.get("text") or "", tuple(labels))


@dataclass
class _Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    polar: int = 0
    polar_right: int = 0

    def scores(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        acc = self.polar_right / self.polar if self.polar else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": self.tp + self.fn,
            "polarity_accuracy": round(acc, 4),
        }


def gold_pairs(dataset: Dataset, row: Row) -> tuple[dict[str, set[str]], list[str]]:
    """Topic → gold polarities of a row, and the categories that map to no topic."""
    gold: dict[str, set[str]] = {}
    unmapped: list[str] = []
    for category, pol in row.labels:
        topic = dataset.topic(category)
        if topic is None:
            unmapped.append(category)
        else:
            gold.setdefault(topic, set()).add(pol)
    return gold, unmapped


def predicted(dataset: Dataset, mentions: Sequence[Mention]) -> dict[str, str]:
    """Topic (folded to the data set's granularity) → the most confident polarity."""
    best: dict[str, Mention] = {}
    for m in mentions:
        topic = dataset.fold(m.topic)
        if topic not in best or m.confidence > best[topic].confidence:
            best[topic] = m
    return {topic: m.polarity for topic, m in best.items()}


def score(rows: Sequence[Row], analyzer: TopicAnalyzer) -> dict[str, object]:
    """The eval command's JSON object for these rows."""
    try:
        dataset = recognise([c for row in rows for c, _ in row.labels])
    except UnknownDataset as exc:
        raise AspectDataError(str(exc)) from None
    mentions = analyzer.analyze([row.text for row in rows])
    tallies: dict[str, _Tally] = {}
    for row, found in zip(rows, mentions, strict=True):
        _tally_row(tallies, dataset, row, predicted(dataset, found))
    return _summary(len(rows), tallies)


def _tally_row(
    tallies: dict[str, _Tally], dataset: Dataset, row: Row, guess: dict[str, str]
) -> None:
    gold, unmapped = gold_pairs(dataset, row)
    for category in unmapped:
        tallies.setdefault(f"{category} {NO_TOPIC}", _Tally()).fn += 1
    for topic in gold.keys() | guess.keys():
        tally = tallies.setdefault(topic, _Tally())
        if topic not in guess:
            tally.fn += 1
        elif topic not in gold:
            tally.fp += 1
        else:
            tally.tp += 1
            clear = gold[topic] & set(CLEAR)
            if clear:
                tally.polar += 1
                tally.polar_right += guess[topic] in clear


def _summary(n: int, tallies: dict[str, _Tally]) -> dict[str, object]:
    total = _Tally()
    for t in tallies.values():
        total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
        total.polar, total.polar_right = total.polar + t.polar, total.polar_right + t.polar_right
    micro = total.scores()
    per = {name: tallies[name].scores() for name in sorted(tallies)}
    scored = [s["f1"] for name, s in per.items() if tallies[name].tp + tallies[name].fn]
    return {
        "n": n,
        "detection_micro_f1": micro["f1"],
        "detection_macro_f1": round(sum(scored) / len(scored), 4) if scored else 0.0,
        "polarity_accuracy": micro["polarity_accuracy"],
        "per_category": per,
    }


def label_counts(rows: Sequence[Row]) -> Counter[str]:
    return Counter(c for row in rows for c, _ in row.labels)
