"""Leave-one-set-out scores of the n-gram member: `python bench/sentiment_loso.py`.

A broader out-of-domain check than the four validation sets (MODEL_CARD.md): each review
set of `../shared/data/` is left out in turn, the linear member (the training command's
defaults) is fitted on all the others, and the left-out set is scored positive vs negative
as `leumund sentiment eval --binary` does. Sets with fewer than 20 texts of either label are
skipped. 21 minutes for the 12 sets with `--jobs 2` on 2 cores. Data experiments:
`--drop a,b` never trains on those sets, `--source-weights` gives every training set the same
total weight, `--balanced` weighs the labels equally, `--baseline` fits the issue's char 2-5
reference instead; every fold also prints its score with the training prior divided out
(MODEL_CARD.md has what each scored). Never point it at `../shared/holdout/`. Prints
numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from sentiment.evaluate import BINARY_LABELS, score
from sentiment.training.data import ID2LABEL, Example, read_examples
from sentiment.training.linear import fit_linear

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MIN_PER_LABEL = 20
REVIEWS_ELSEWHERE = {"holidaycheck_china", "filmstarts"}
Probs = dict[str, list[float]]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--sets", default="", help="comma-separated (default: every eligible set)")
    p.add_argument("--min-df", type=int, default=13)
    p.add_argument("--c", type=float, default=0.5)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--drop", default="", help="comma-separated sets never trained on")
    p.add_argument(
        "--source-weights", action="store_true", help="every training set weighs the same in all"
    )
    p.add_argument("--balanced", action="store_true", help="class-balanced weights")
    p.add_argument(
        "--baseline",
        action="store_true",
        help="the issue's baseline instead: char 2-5 TF-IDF (min_df 2) + LR (C = 1)",
    )
    args = p.parse_args(argv)
    if args.baseline and (args.balanced or args.source_weights or args.drop):
        p.error("--baseline is the issue's fixed reference: it takes no other fit options")
    examples = read_examples(args.data, frozenset())
    names = args.sets.split(",") if args.sets else eligible(examples, args.data)
    dropped = frozenset(n.strip() for n in args.drop.split(",")) - {""}
    unknown = sorted(dropped - {e.source for e in examples})
    if unknown:
        p.error(f"--drop names no set under {args.data}: {', '.join(unknown)}")
    fit = Fit(args.min_df, args.c, dropped, args.source_weights, args.balanced, args.baseline)
    jobs = [(examples, name, fit) for name in names]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_left_out_score, *zip(*jobs, strict=True)))
    for _, _, line in results:
        print(line)
    scores = [s for s, _, _ in results]
    uniform = [u for _, u, _ in results]
    print(
        f"sets={len(scores)} mean_macro_f1={statistics.mean(scores):.4f} "
        f"min_macro_f1={min(scores):.4f} uniform_prior_mean={statistics.mean(uniform):.4f} "
        f"uniform_prior_min={min(uniform):.4f} {_settings(fit)}"
    )
    return 0


def _settings(fit: Fit) -> str:
    if fit.baseline:
        return "model=baseline(char 2-5, min_df 2, C 1)"
    return (
        f"min_df={fit.min_df} c={fit.c} drop={','.join(sorted(fit.dropped)) or '-'} "
        f"source_weights={fit.source_weights} balanced={fit.balanced}"
    )


def eligible(examples: Sequence[Example], data: Path) -> list[str]:
    """Review sets (not tweets) with enough positive and negative texts for a binary score."""
    names = {p.stem for p in (data / "reviews").glob("*.tsv")} | REVIEWS_ELSEWHERE
    present = sorted(names & {e.source for e in examples})
    return [n for n in present if min(_counts(examples, n)) >= MIN_PER_LABEL]


def _counts(examples: Sequence[Example], name: str) -> tuple[int, int]:
    labels = [ID2LABEL[e.label] for e in examples if e.source == name]
    return labels.count("positive"), labels.count("negative")


@dataclass(frozen=True)
class Fit:
    """How each fold's linear member is fitted."""

    min_df: int
    c: float
    dropped: frozenset[str]
    source_weights: bool
    balanced: bool = False
    baseline: bool = False


def source_weights(train: Sequence[Example]) -> list[float]:
    """Weights that give every set the same total, averaging 1 per text."""
    sizes = Counter(e.source for e in train)
    return [len(train) / (len(sizes) * sizes[e.source]) for e in train]


def _left_out_score(examples: Sequence[Example], name: str, fit: Fit) -> tuple[float, float, str]:
    train = [e for e in examples if e.source != name and e.source not in fit.dropped]
    test = [e for e in examples if e.source == name and ID2LABEL[e.label] in BINARY_LABELS]
    weights = source_weights(train) if fit.source_weights else None
    prior = _prior(fit, train, weights)
    probs = _fit(fit, train, weights)([e.text for e in test])
    truth = [ID2LABEL[e.label] for e in test]
    as_is = score(truth, _decide(probs, 1.0, 1.0), BINARY_LABELS)
    uniform = score(truth, _decide(probs, prior["positive"], prior["negative"]), BINARY_LABELS)
    _, negatives = _counts(examples, name)
    line = (
        f"{name}: n={as_is.n} negatives={negatives} macro_f1={as_is.macro_f1:.4f} "
        f"uniform_prior_macro_f1={uniform.macro_f1:.4f}"
    )
    return as_is.macro_f1, uniform.macro_f1, line


def _prior(fit: Fit, train: Sequence[Example], weights: Sequence[float] | None) -> Counter[str]:
    """Each label's weight in training: what the fitted probabilities lean towards."""
    if fit.balanced:
        return Counter(dict.fromkeys(BINARY_LABELS, 1))
    prior: Counter[str] = Counter()
    for example, weight in zip(train, weights or [1.0] * len(train), strict=True):
        prior[ID2LABEL[example.label]] += weight
    return prior


def _fit(
    fit: Fit, train: Sequence[Example], weights: Sequence[float] | None
) -> Callable[[Sequence[str]], Probs]:
    texts, labels = [e.text for e in train], [ID2LABEL[e.label] for e in train]
    if fit.baseline:
        return _baseline(texts, labels)
    with tempfile.TemporaryDirectory() as tmp:
        fitted = fit_linear(
            texts, labels, Path(tmp), "loso", fit.min_df, fit.c, fit.balanced, weights
        )
    return fitted.probs


def _baseline(texts: Sequence[str], labels: Sequence[str]) -> Callable[[Sequence[str]], Probs]:
    """The issue's reference: character 2-5-gram TF-IDF + logistic regression."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(max_iter=1000, C=1.0).fit(vec.fit_transform(texts), labels)

    def probs(batch: Sequence[str]) -> Probs:
        table = clf.predict_proba(vec.transform(batch))
        return {str(label): table[:, i].tolist() for i, label in enumerate(clf.classes_)}

    return probs


def _decide(probs: Probs, pos_prior: float, neg_prior: float) -> list[str]:
    """Positive vs negative by the larger probability, each first divided by its prior.

    Priors of 1 give the acceptance command's decision; training shares give the decision of
    a model that expects both labels equally often (macro-F1 weighs them equally).
    """
    return [
        "positive" if pos / pos_prior >= neg / neg_prior else "negative"
        for pos, neg in zip(probs["positive"], probs["negative"], strict=True)
    ]


if __name__ == "__main__":
    sys.exit(main())
