"""What topics cost per review: `python bench/topics_cost.py [--n 1000] [--repeat 5] [--chunk 0]`.

Classifies the same reviews (drawn with a fixed seed from ../shared/data/reviews/*.tsv) with
the bundled model: as the classify step did before topics, and as it does now (review
sentiment, then the lexicon, fresh for each run, and one batched call for the sentences that
name a topic). Both are run `--repeat` times in turn; the machine is shared, so the rates
are of the fastest runs (the least slowed by others) and the ratio is the median of each
pair's ratio (a pair runs back to back, under much the same load). `--chunk N`
classifies N reviews per call as the classify step does (its batch is `sentiment.batch_size`);
0 = the whole sample in one call. Prints numbers, asserts nothing; the last line is
machine-readable.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sentiment.base import Classifier, Sentiment
from sentiment.bundled import load_bundled
from sentiment.cleaning import review_text
from sentiment.ensemble import EnsembleClassifier
from sentiment.settings import SentimentSettings
from sentiment.topics.analyze import Mention, TopicAnalyzer
from sentiment.topics.sentences import split_sentences
from sentiment.topics.settings import TopicSettings

REPO = Path(__file__).resolve().parent.parent
REVIEWS = next(
    (
        d / "shared" / "data" / "reviews"
        for d in (REPO.parent, REPO.parent.parent)  # a clone, or a worktree in wt/
        if (d / "shared" / "data" / "reviews").is_dir()
    ),
    REPO.parent / "shared" / "data" / "reviews",
)


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


def count_texts(model: Classifier) -> list[int]:
    """A counter of the texts `model` is asked to classify; its type stays what it was."""
    counter = [0]
    inner = model.classify

    def classify(texts: Sequence[str]) -> list[Sentiment]:
        counter[0] += len(texts)
        return inner(texts)

    setattr(model, "classify", classify)  # noqa: B010 (an instance attribute, on purpose)
    return counter


def in_chunks(model: Classifier, texts: Sequence[str], chunk: int) -> list[Sentiment]:
    size = chunk or len(texts) or 1
    return [s for at in range(0, len(texts), size) for s in model.classify(texts[at : at + size])]


def with_topics(
    model: Classifier, settings: TopicSettings, texts: Sequence[str], chunk: int
) -> tuple[float, list[list[Mention]]]:
    """Seconds for sentiment and topics, as the classify step does it, and the mentions."""
    analyzer = TopicAnalyzer(settings.lexicon(), model)
    size = chunk or len(texts) or 1
    mentions: list[list[Mention]] = []
    start = time.perf_counter()
    for at in range(0, len(texts), size):
        part = texts[at : at + size]
        mentions += analyzer.analyze(part, overall=model.classify(part))
    return time.perf_counter() - start, mentions


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reviews", type=Path, default=REVIEWS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=0, help="reviews per call (0: all)")
    args = parser.parse_args(argv)
    texts = load_texts(args.reviews, args.n)
    if not texts:
        parser.error(f"no reviews in {args.reviews}/*.tsv")
    model, settings = load_bundled(SentimentSettings()), TopicSettings()
    model.classify(texts[:32])
    plains: list[float] = []
    topics: list[float] = []
    mentions: list[list[Mention]] = []
    for _ in range(max(1, args.repeat)):
        plains.append(timed(lambda: in_chunks(model, texts, args.chunk)))
        seconds, mentions = with_topics(model, settings, texts, args.chunk)
        topics.append(seconds)
    report(model, settings, texts, mentions, args.chunk)
    ratios = [p / t for p, t in zip(plains, topics, strict=True)]
    n = len(texts)
    print("each pair's ratio: " + " ".join(f"{r:.2f}" for r in ratios))
    print(
        f"classify_rps={n / min(plains):.1f} with_topics_rps={n / min(topics):.1f}"
        f" throughput_ratio={statistics.median(ratios):.2f}"
        f" topics_ms_per_review={(min(topics) - min(plains)) / n * 1000:.2f}"
    )
    return 0


def report(
    model: Classifier,
    settings: TopicSettings,
    texts: Sequence[str],
    mentions: Sequence[Sequence[Mention]],
    chunk: int,
) -> None:
    """What the topic step found and how many texts each model member was asked about."""
    members = model.members if isinstance(model, EnsembleClassifier) else [model]
    counters = [count_texts(m) for m in members]
    with_topics(model, settings, texts, chunk)
    n = len(texts)
    sentences = sum(len(split_sentences(t)) for t in texts)
    found = sum(len(m) for m in mentions)
    print(f"{n} reviews, {sentences} sentences, {found} topic mentions")
    print(f"load average {os.getloadavg()[0]:.2f}")
    for member, counter in zip(members, counters, strict=True):
        units = counter[0] - n  # every review went to every member once for its sentiment
        print(f"topic sentences or clauses for {member.name}: {units} ({units / n:.2f}/review)")


if __name__ == "__main__":
    sys.exit(main())
