"""Out-of-domain quality: `python bench/sentiment_domains.py --model DIR [--sets a,b]`.

Scores a model on whole review sets of `../shared/data/reviews/` as positive vs negative,
exactly as `leumund sentiment eval --binary` does (the larger of the two probabilities
decides). Meant for models trained with those sets left out (`python -m sentiment.training
--holdout validation`), which is how MODEL_CARD.md's out-of-domain tables were made; the
bundled model was trained on them, so its scores here are in-domain. `--probs FILE`
saves every row's probabilities (npz) so ensembles can be scored without re-running models.
Never point it at `../shared/holdout/`. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

from sentiment.base import LABELS
from sentiment.evaluate import BINARY_LABELS, read_examples, score
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings

REVIEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "reviews"
DEFAULT_SETS = "jameda_doctors,tripadvisor_restaurants,zoesche_hotels,bestande_courses"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True, help="'bundled', a model directory or hub id")
    p.add_argument("--sets", default=DEFAULT_SETS)
    p.add_argument("--reviews", type=Path, default=REVIEWS, help="directory of the sets")
    p.add_argument("--sample", type=float, default=1.0, help="fraction of each set, seeded")
    p.add_argument("--probs", type=Path, help="save probabilities to this .npz file")
    p.add_argument("--max-length", type=int, default=256, help="sentiment.max_length")
    args = p.parse_args(argv)
    classifier = load_classifier(SentimentSettings(model=args.model, max_length=args.max_length))
    saved: dict[str, np.ndarray] = {}
    scores = []
    for name in args.sets.split(","):
        rows = [e for e in read_examples(args.reviews / f"{name}.tsv") if e.label in BINARY_LABELS]
        if args.sample < 1.0:
            rows = random.Random(7).sample(rows, int(len(rows) * args.sample))
        started = time.monotonic()
        results = classifier.classify([e.text for e in rows])
        rate = len(rows) / (time.monotonic() - started)
        probs = np.array([[r.probs[label] for label in LABELS] for r in results])
        pos, neg = LABELS.index("positive"), LABELS.index("negative")
        predicted = ["positive" if row[pos] >= row[neg] else "negative" for row in probs]
        metrics = score([e.label for e in rows], predicted, BINARY_LABELS)
        scores.append(metrics.macro_f1)
        saved[name] = probs
        saved[f"{name}_gold"] = np.array([e.label == "positive" for e in rows])
        print(f"{name}: n={metrics.n} macro_f1={metrics.macro_f1:.4f} rps={rate:.0f}")
    print(f"model={classifier.name} mean_macro_f1={sum(scores) / len(scores):.4f}")
    if args.probs:
        np.savez(args.probs, allow_pickle=False, **saved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
