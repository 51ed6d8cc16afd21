"""Topic detection and polarity on the restaurant and hotel training data, fold by fold.

The lexicon is written by hand, so "cross-validation" means: its terms were written and tuned
looking only at the rows of the development folds (0–2 of 5, by a hash of the row id), and
the held-out folds (3, 4) were only ever scored. `--errors N` prints missed and wrong pairs,
and refuses to do so for held-out folds.

    python bench/aspects_cv.py [--folds dev|held] [--errors 30] [--no-polarity]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sentiment.base import Sentiment
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings
from sentiment.topics.analyze import TopicAnalyzer
from sentiment.topics.datasets import recognise
from sentiment.topics.evaluate import Row, gold_pairs, predicted, read_rows, score
from sentiment.topics.german import IGNORE, TERMS
from sentiment.topics.lexicon import Lexicon

REPO = Path(__file__).resolve().parent.parent
ASPECTS = REPO.parent / "shared" / "data" / "aspects"
FILES = ("gerestaurant_train.tsv", "hotel_train_dev.tsv")
FOLDS = {"dev": (0, 1, 2), "held": (3, 4)}


class _Positive:
    """Detection only: every sentence 'positive' (polarity numbers are then meaningless)."""

    name = "constant"

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        probs = {"positive": 1.0, "neutral": 0.0, "negative": 0.0}
        return [Sentiment("positive", probs, self.name) for _ in texts]


def fold_of(row_id: str) -> int:
    return int(hashlib.sha1(row_id.encode()).hexdigest(), 16) % 5


def rows_in(path: Path, folds: Sequence[int]) -> list[Row]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        ids = [r["id"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    rows = read_rows(path)
    return [row for row_id, row in zip(ids, rows, strict=True) if fold_of(row_id) in folds]


def show_errors(rows: list[Row], analyzer: TopicAnalyzer, limit: int) -> None:
    dataset = recognise([c for row in rows for c, _ in row.labels])
    shown = 0
    for row, found in zip(rows, analyzer.analyze([r.text for r in rows]), strict=True):
        gold, _ = gold_pairs(dataset, row)
        guess = predicted(dataset, found)
        words = {m.topic: m.words for m in found}
        if set(gold) != set(guess) and shown < limit:
            shown += 1
            print(f"  gold={sorted(gold)} guess={sorted(guess)} {words}\n    {row.text}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", choices=tuple(FOLDS), default="held")
    parser.add_argument("--errors", type=int, default=0)
    parser.add_argument("--no-polarity", action="store_true")
    parser.add_argument("--data", type=Path, default=ASPECTS, help="the aspects folder")
    args = parser.parse_args(argv)
    if args.errors and args.folds != "dev":
        parser.error("--errors only on the development folds")
    classifier = _Positive() if args.no_polarity else load_classifier(SentimentSettings())
    analyzer = TopicAnalyzer(Lexicon(TERMS, IGNORE), classifier)
    for name in FILES:
        rows = rows_in(args.data / name, FOLDS[args.folds])
        result = score(rows, analyzer)
        per = result.pop("per_category")
        print(name, args.folds, json.dumps(result))
        print("   ", {k: (v["precision"], v["recall"]) for k, v in per.items()})  # type: ignore[attr-defined]
        if args.errors:
            show_errors(rows, analyzer, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
