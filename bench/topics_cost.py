"""What topics cost per review: `python bench/topics_cost.py [--n 1000] [--reviews DIR]`.

Classifies the same reviews (drawn with a fixed seed from ../shared/data/reviews/*.tsv) twice
with the bundled model: once as the classify step did before topics, once as it does now
(review sentiment, then the lexicon and one batched call for the sentences that name a
topic). Prints numbers, asserts nothing; the last line is machine-readable.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sentiment.base import Classifier, Sentiment
from sentiment.bundled import load_bundled
from sentiment.cleaning import review_text
from sentiment.settings import SentimentSettings
from sentiment.topics.analyze import TopicAnalyzer
from sentiment.topics.sentences import split_sentences
from sentiment.topics.settings import TopicSettings

REPO = Path(__file__).resolve().parent.parent
REVIEWS = REPO.parent / "shared" / "data" / "reviews"


def load_texts(directory: Path, n: int) -> list[str]:
    texts: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = review_text(row.get("title") or "", row.get("text") or "")
                if text:
                    texts.append(text)
    return random.Random(19).sample(texts, min(n, len(texts)))


class Counting:
    """The model, counting the texts the topic step asks it to classify."""

    def __init__(self, inner: Classifier) -> None:
        self.inner, self.name, self.texts = inner, inner.name, 0

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        self.texts += len(texts)
        return self.inner.classify(texts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reviews", type=Path, default=REVIEWS)
    args = parser.parse_args(argv)
    texts = load_texts(args.reviews, args.n)
    classifier = load_bundled(SentimentSettings())
    counting = Counting(classifier)
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), counting)
    classifier.classify(texts[:32])
    start = time.perf_counter()
    classifier.classify(texts)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    overall = classifier.classify(texts)
    mentions = analyzer.analyze(texts, overall=overall)
    with_topics = time.perf_counter() - start
    sentences = sum(len(split_sentences(t)) for t in texts)
    found = sum(len(m) for m in mentions)
    units = counting.texts
    print(f"{len(texts)} reviews, {sentences} sentences, {found} topic mentions")
    print(f"sentences or clauses classified for topics: {units} ({units / len(texts):.2f}/review)")
    print(
        f"classify_rps={len(texts) / plain:.1f} with_topics_rps={len(texts) / with_topics:.1f}"
        f" throughput_ratio={plain / with_topics:.2f}"
        f" topics_ms_per_review={(with_topics - plain) / len(texts) * 1000:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
