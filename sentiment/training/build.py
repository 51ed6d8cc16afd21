"""From options to a model directory, swapped in whole once complete."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch

from sentiment.directories import is_model_dir
from sentiment.ensemble import save_ensemble
from sentiment.training.data import ID2LABEL, Example, read_examples
from sentiment.training.e5 import train_e5
from sentiment.training.options import VALIDATION_SETS, TrainOptions

log = logging.getLogger(__name__)

LINEAR_NAME = "leumund-bundled-tfidf-lr"
ENSEMBLE_NAME = "leumund-bundled-e5-tfidf"


def run(opts: TrainOptions) -> int:
    """Train what `opts` asks for into `opts.out`; 2 with one logged line when it cannot."""
    torch.manual_seed(opts.seed)
    torch.set_num_threads(opts.threads)
    if opts.out.is_dir() and any(opts.out.iterdir()) and not is_model_dir(opts.out):
        log.error("%s holds files that are not a model; choose an empty --out", opts.out)
        return 2
    known = {p.stem for p in opts.data.glob("*/*.tsv")} | set(VALIDATION_SETS)
    unknown = sorted(opts.holdout - known)
    if unknown:
        log.error("--holdout names no set under %s: %s", opts.data, ", ".join(unknown))
        return 2
    per_file = -(-opts.max_rows // 16) if opts.max_rows else 0
    examples = read_examples(opts.data, opts.holdout, per_file)
    if not examples:
        log.error("no labelled texts under %s", opts.data)
        return 2
    log.info("%d training texts from %d sets", len(examples), len({e.source for e in examples}))
    staging = opts.out.with_name(f"{opts.out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    build(examples, opts, staging)
    shutil.rmtree(opts.out, ignore_errors=True)
    staging.rename(opts.out)
    log.info("saved to %s", opts.out)
    return 0


def build(examples: Sequence[Example], opts: TrainOptions, out: Path) -> None:
    """Write the model into `out`, which the caller then swaps in whole (no stale files)."""
    ensemble = opts.kind == "ensemble"
    if opts.kind in ("linear", "ensemble"):
        train_linear(examples, opts, out / "linear" if ensemble else out)
    if opts.kind in ("e5", "ensemble"):
        checkpoint = opts.out.with_name(f"{opts.out.name}-checkpoint")
        train_e5(examples, opts, out / "e5" if ensemble else out, checkpoint)
    if ensemble:
        save_ensemble(out, ENSEMBLE_NAME, ["e5", "linear"], [1.0, 1.0])


def train_linear(examples: Sequence[Example], opts: TrainOptions, out: Path) -> None:
    """The n-gram member (scikit-learn, imported only here: the `train` extra)."""
    from sentiment.training.linear import fit_linear

    labels = [ID2LABEL[e.label] for e in examples]
    texts = [e.text for e in examples]
    fit_linear(texts, labels, out, LINEAR_NAME, opts.min_df, opts.c, opts.balanced)
