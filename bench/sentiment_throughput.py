"""Sentiment throughput on real review lengths: `python bench/sentiment_throughput.py`.

1. The bundled model on 1,000 reviews drawn from ../shared/data/reviews/*.tsv, with peak RSS.
2. A BERT-base architecture (12 layers, hidden 768, WordPiece vocabulary 30,000, random
   weights: speed does not depend on them) through our classifier, against the
   `germansentiment` 1.1.0 package's `SentimentModel.predict_sentiment` on the same model
   directory and the same reviews, called in chunks of 32. germansentiment 1.1.0 calls
   `batch_encode_plus`, which transformers 5 removed, so it runs in a separate venv with
   transformers 4.x (created once under ~/.cache/leumund-bench/venv) as a subprocess.

Prints numbers, asserts nothing; the last line is machine-readable. The two models run one
after the other, never at the same time, with torch's default thread count in both. torch is
imported only for part 2, so the peak RSS printed after part 1 is the bundled model's alone
(its transformer member runs on ONNX Runtime).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sentiment.base import Classifier, ModelUnavailable
from sentiment.cleaning import clean_text, review_text
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings

REPO = Path(__file__).resolve().parent.parent
REVIEWS = REPO.parent / "shared" / "data" / "reviews"
CACHE = Path.home() / ".cache" / "leumund-bench"
VENV = CACHE / "venv"
BASE_DIR = CACHE / "bert-base-random-v2"
VENV_REQUIREMENTS = ["torch==2.13.0", "transformers<5", "germansentiment==1.1.0"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CHUNK = 32

CHILD = """
import json, resource, sys, time
import torch
from germansentiment import SentimentModel

model_dir, texts_file, out_file, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
texts = json.load(open(texts_file, encoding="utf-8"))
model = SentimentModel(model_name=model_dir)
model.predict_sentiment(texts[:chunk])
start = time.perf_counter()
labels = []
for i in range(0, len(texts), chunk):
    labels += model.predict_sentiment(texts[i:i + chunk])
seconds = time.perf_counter() - start
json.dump({
    "labels": labels,
    "seconds": seconds,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "cleaned": [model.clean_text(t) for t in texts],
    "threads": torch.get_num_threads(),
}, open(out_file, "w", encoding="utf-8"))
"""


def read_reviews(reviews: Path = REVIEWS) -> list[str]:
    """Every review text (title joined to body) of the shared review sets."""
    texts: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for path in sorted(reviews.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = review_text(row.get("title") or "", row.get("text") or "")
                if text:
                    texts.append(text)
    return texts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(classifier: Classifier, texts: list[str]) -> tuple[float, list[str]]:
    """Reviews per second over all texts, after one warm-up batch."""
    classifier.classify(texts[:CHUNK])
    start = time.perf_counter()
    labels = [s.label for s in classifier.classify(texts)]
    return len(texts) / (time.perf_counter() - start), labels


def bench_bundled(texts: list[str]) -> tuple[float | None, list[str]]:
    try:
        classifier = load_classifier(SentimentSettings())
    except ModelUnavailable as exc:
        print(f"bundled model: unavailable: {exc}")
        return None, []
    rps, labels = timed(classifier, texts)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"bundled model {classifier.name}: {rps:.1f} reviews/s, labels {counts}")
    return rps, labels


def compare(model: Path, texts: list[str], labels: list[str]) -> None:
    """Label agreement of the bundled model with another model directory (e.g. a release's)."""
    other = [s.label for s in load_classifier(SentimentSettings(model=str(model))).classify(texts)]
    agree = sum(a == b for a, b in zip(labels, other, strict=True)) / len(texts)
    print(f"label agreement with {model}: {agree:.2%} of {len(texts)} reviews")


def build_base_model(corpus: list[str]) -> Path:
    """BERT base with random weights and a 30,000 WordPiece vocabulary learnt on reviews."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    if (BASE_DIR / "config.json").is_file():
        return BASE_DIR
    core = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.train_from_iterator(
        (clean_text(t) for t in corpus),
        trainers.WordPieceTrainer(vocab_size=30_000, special_tokens=SPECIAL),
    )
    # A BertTokenizer (like german-sentiment-bert's) loads under transformers 4 and 5 alike.
    tokenizer = BertTokenizer(vocab=core.get_vocab(), do_lower_case=False, model_max_length=512)
    torch.manual_seed(0)
    labels = {0: "positive", 1: "negative", 2: "neutral"}
    config = BertConfig(
        vocab_size=30_000, id2label=labels, label2id={v: k for k, v in labels.items()}
    )
    tmp = Path(tempfile.mkdtemp(dir=CACHE))
    BertForSequenceClassification(config).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(BASE_DIR)
    return BASE_DIR


def ensure_venv() -> Path:
    """The transformers 4.x venv for germansentiment, created once and reused."""
    python = VENV / "bin" / "python"
    marker = VENV / ".leumund-requirements"
    wanted = "\n".join(VENV_REQUIREMENTS)
    if python.exists() and marker.is_file() and marker.read_text() == wanted:
        return python
    print(f"creating {VENV} with {', '.join(VENV_REQUIREMENTS)} (once)")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *VENV_REQUIREMENTS], check=True)
    marker.write_text(wanted)
    return python


def padded_tokens(model_dir: Path, texts: list[str]) -> str:
    """Token positions each side computes (padding included): a load-independent comparison."""
    from transformers import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(model_dir)
    encoded = tokenizer([clean_text(t) for t in texts], truncation=True, max_length=512)
    lengths = [len(ids) for ids in encoded["input_ids"]]

    def padded(order: list[int]) -> int:
        chunks = [order[i : i + CHUNK] for i in range(0, len(order), CHUNK)]
        return sum(len(c) * max(lengths[i] for i in c) for c in chunks)

    ours = padded(sorted(range(len(texts)), key=lambda i: lengths[i]))
    theirs = padded(list(range(len(texts))))
    return f"token positions: real {sum(lengths)}, ours {ours}, germansentiment {theirs}"


def run_germansentiment(model_dir: Path, texts: list[str]) -> dict[str, object]:
    python = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        texts_file, out_file, child = Path(tmp, "t.json"), Path(tmp, "o.json"), Path(tmp, "c.py")
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        child.write_text(CHILD, encoding="utf-8")
        command = [str(python), str(child), str(model_dir), str(texts_file), str(out_file)]
        subprocess.run([*command, str(CHUNK)], check=True)
        result: dict[str, object] = json.loads(out_file.read_text(encoding="utf-8"))
    return result


def bench_base(texts: list[str], corpus: list[str]) -> tuple[float, float]:
    from sentiment.classifier import TransformersClassifier

    model_dir = build_base_model(corpus)
    settings = SentimentSettings(model=str(model_dir), batch_size=CHUNK, max_length=512)
    ours = TransformersClassifier.from_directory(model_dir, settings, clean=True)
    ours_rps, our_labels = timed(ours, texts)
    print(f"BERT base, our classifier: {ours_rps:.2f} reviews/s (batch {CHUNK}, length-sorted)")
    theirs = run_germansentiment(model_dir, texts)
    seconds = float(theirs["seconds"])  # type: ignore[arg-type]
    their_rps = len(texts) / seconds
    their_labels: list[str] = theirs["labels"]  # type: ignore[assignment]
    cleaned: list[str] = theirs["cleaned"]  # type: ignore[assignment]
    agree = sum(a == b for a, b in zip(our_labels, their_labels, strict=True)) / len(texts)
    same_clean = sum(clean_text(t) == c for t, c in zip(texts, cleaned, strict=True))
    print(
        f"BERT base, germansentiment 1.1.0 (transformers 4.x venv, chunks of {CHUNK}):"
        f" {their_rps:.2f} reviews/s, peak RSS {theirs['peak_rss_mb']:.0f} MB,"
        f" torch threads {theirs['threads']}"
    )
    print(f"speedup {ours_rps / their_rps:.2f}x; label agreement {agree:.2%}")
    print(f"identical cleaned text: {same_clean}/{len(texts)} reviews")
    print(padded_tokens(model_dir, texts))
    counts = {label: our_labels.count(label) for label in sorted(set(our_labels))}
    print(f"labels of the random-weight model (ours): {counts}")
    return ours_rps, their_rps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="reviews to classify")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reviews", type=Path, default=REVIEWS, help="directory of *.tsv sets")
    parser.add_argument("--compare", type=Path, help="model directory to compare labels with")
    parser.add_argument(
        "--parts", choices=("all", "bundled", "base"), default="all", help="what to measure"
    )
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    corpus = read_reviews(args.reviews)
    texts = random.Random(args.seed).sample(corpus, args.n)
    chars = sorted(len(t) for t in texts)
    print(
        f"{len(texts)} reviews from {args.reviews}: median {chars[len(chars) // 2]} chars,"
        f" 90th percentile {chars[int(len(chars) * 0.9)]}, max {chars[-1]};"
        f" {os.cpu_count()} CPUs on this machine"
    )
    nan = float("nan")
    bundled, labels = bench_bundled(texts) if args.parts != "base" else (None, [])
    peak = peak_rss_mb()
    print(f"peak RSS after the bundled model: {peak:.0f} MB")
    if args.compare and labels:
        compare(args.compare, texts, labels)
    ours, theirs = bench_base(texts, corpus) if args.parts != "bundled" else (nan, nan)
    print(
        f"bundled_rps={bundled if bundled is not None else nan:.1f} base_ours_rps={ours:.2f}"
        f" base_germansentiment_rps={theirs:.2f} speedup={ours / theirs:.2f}"
        f" peak_rss_mb={peak:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
