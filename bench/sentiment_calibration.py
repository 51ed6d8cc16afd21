"""Calibration of the bundled model: `python bench/sentiment_calibration.py --work DIR`.

The shipped model was trained on every set, so its probabilities on training text are not
honest. But its transformer member saw only the texts of its 2,000 batches (about two
thirds of the data, reproduced here from the training seed), and the n-gram member refits
in minutes. So: the texts the transformer never saw are split off, the n-gram member is
refitted without them (cached in DIR), and on those texts the ensemble is out of sample for
both members, though in domain (other texts of the same sets were trained on).

- calibration split: unseen texts outside the four validation sets (3 labels) fit the
  temperature of the averaged log-probabilities (negative log-likelihood);
- validation split: unseen texts of the four validation sets, with their stars, give the
  expected calibration error before/after and the rule's threshold: as many ≤ 2-star
  reviews flagged as possible with at most 1 % of 5-star ones.

Never point it at `../shared/holdout/`. Prints numbers, asserts nothing; the last line is
machine-readable.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sentiment.base import LABELS
from sentiment.calibration import (
    expected_calibration_error,
    fit_temperature,
    rule_point,
    rule_threshold,
    temper,
)
from sentiment.directories import load_model_dir
from sentiment.ensemble import read_ensemble, save_ensemble
from sentiment.settings import SentimentSettings
from sentiment.training.data import ID2LABEL, Example, read_examples
from sentiment.training.options import VALIDATION_SETS, TrainOptions

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
BUNDLED = REPO / "sentiment" / "bundled"
Array = npt.NDArray[np.float64]


def unseen_by_e5(examples: Sequence[Example], opts: TrainOptions) -> set[int]:
    """Positions of the examples outside the e5 member's first `stop_at` batches."""
    from transformers import PreTrainedTokenizerFast

    from sentiment.training.e5 import batches

    tokenizer = PreTrainedTokenizerFast.from_pretrained(str(BUNDLED / "e5"))
    plan = batches(examples, tokenizer, opts)
    seen = {i for _, _, rows in plan[: min(opts.stop_at, opts.steps)] for i in rows}
    return set(range(len(examples))) - seen


def refit_linear(
    examples: Sequence[Example], skip: set[int], out: Path, opts: TrainOptions
) -> None:
    from sentiment.training.linear import fit_linear

    if (out / "linear.json").is_file():
        return
    kept = [e for i, e in enumerate(examples) if i not in skip]
    labels = [ID2LABEL[e.label] for e in kept]
    fit_linear([e.text for e in kept], labels, out, "refit", opts.min_df, opts.c, opts.balanced)


def stars_by_text(data: Path, sets: Sequence[str]) -> dict[tuple[str, str], float]:
    """(set, text) → stars of the star-rated review sets."""
    csv.field_size_limit(sys.maxsize)
    found: dict[tuple[str, str], float] = {}
    for name in sets:
        with (data / "reviews" / f"{name}.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row.get("stars"):
                    found[(name, (row.get("text") or "").strip())] = float(row["stars"])
    return found


def log_probs(work: Path, texts: Sequence[str]) -> Array:
    """log of the averaged member probabilities (untempered), columns in LABELS order."""
    ens = work / "ensemble"
    ens.mkdir(exist_ok=True)
    if not (ens / "e5").exists():
        (ens / "e5").symlink_to(BUNDLED / "e5")
        (ens / "linear").symlink_to(work / "linear")
    save_ensemble(ens, "calibration", ["e5", "linear"], [1.0, 1.0])
    classifier = load_model_dir(ens, SentimentSettings())
    probs = np.array([[s.probs[k] for k in LABELS] for s in classifier.classify(texts)])
    return np.log(np.clip(probs, 1e-12, 1.0))


def report(name: str, logp: Array, gold: Sequence[int], temperature: float) -> None:
    before = expected_calibration_error(np.exp(logp), gold)
    after = expected_calibration_error(temper(logp, temperature), gold)
    print(f"{name}: n={len(gold)} ece_before={before:.4f} ece_after={after:.4f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--work", type=Path, required=True, help="cache for the refitted member")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--five-star-share", type=float, default=0.01)
    p.add_argument(
        "--calibration-sample", type=int, default=6000, help="texts to fit T on (seeded)"
    )
    p.add_argument("--write", type=Path, help="store the temperature in this ensemble's json")
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    opts = TrainOptions(data=args.data)
    examples = read_examples(args.data, frozenset())
    unseen = unseen_by_e5(examples, opts)
    print(f"{len(examples)} training texts, {len(unseen)} never seen by the e5 member", flush=True)
    refit_linear(examples, unseen, args.work / "linear", opts)
    validation = set(VALIDATION_SETS)
    calib = [examples[i] for i in sorted(unseen) if examples[i].source not in validation]
    if len(calib) > args.calibration_sample:
        calib = random.Random(3).sample(calib, args.calibration_sample)
    stars = stars_by_text(args.data, sorted(validation))
    valid = [examples[i] for i in sorted(unseen) if examples[i].source in validation]
    valid = [e for e in valid if (e.source, e.text) in stars]
    print(f"calibration split {len(calib)} texts, validation split {len(valid)}", flush=True)
    cache = args.work / f"logp-{len(calib)}-{len(valid)}.npy"
    if cache.is_file():
        logp = np.load(cache)
    else:
        logp = log_probs(args.work, [e.text for e in calib] + [e.text for e in valid])
        np.save(cache, logp)
    calib_logp, valid_logp = logp[: len(calib)], logp[len(calib) :]
    order = [LABELS.index(ID2LABEL[i]) for i in range(3)]
    calib_gold = [order[e.label] for e in calib]
    valid_gold = [order[e.label] for e in valid]
    temperature = fit_temperature(calib_logp, calib_gold)
    print(f"temperature={temperature:.4f} (fitted on {len(calib)} calibration texts)")
    report("calibration split", calib_logp, calib_gold, temperature)
    report("validation split", valid_logp, valid_gold, temperature)
    neg = LABELS.index("negative")
    p_neg = temper(valid_logp, temperature)[:, neg]
    star = np.array([stars[(e.source, e.text)] for e in valid])
    point = rule_threshold(p_neg, star, args.five_star_share)
    print(
        f"validation: {int((star <= 2).sum())} reviews of <= 2 stars, {int((star == 5).sum())}"
        f" of 5 stars; untempered P(neg) >= 0.8 flags"
        f" {float((np.exp(valid_logp)[:, neg][star <= 2] >= 0.8).mean()):.3f} of <= 2 stars"
    )
    old = rule_point(p_neg, star, 0.8)
    print(f"calibrated P(neg) >= 0.8 (the old default): {old.as_dict()}")
    for name in sorted(validation):
        rows = np.array([e.source == name for e in valid])
        low, five = rows & (star <= 2), rows & (star == 5)
        print(
            f"  {name}: flagged_low={float((p_neg[low] >= point.threshold).mean()):.3f}"
            f" flagged_five={float((p_neg[five] >= point.threshold).mean()):.3f}"
        )
    if args.write:
        spec = read_ensemble(args.write)
        members = [m.name for m in spec.members]
        save_ensemble(args.write, spec.name, members, spec.weights, round(temperature, 4))
        print(f"temperature written to {args.write}")
    print(
        f"temperature={temperature:.4f} threshold={point.threshold:.4f}"
        f" flagged_low={point.flagged_low:.4f} flagged_five={point.flagged_five:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
