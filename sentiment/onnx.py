"""The bundled transformer member through ONNX Runtime, int8, without importing torch.

A directory with `model.onnx` (inputs input_ids and attention_mask, output logits), the
model's config.json (labels) and a `tokenizers` tokenizer.json. Made by
`sentiment.training.onnx_export`; any other Hugging Face model keeps the PyTorch path
(`sentiment.classifier`). Texts are length-sorted within windows so batches barely pad.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sentiment.base import LABELS, META_FILE, Sentiment
from sentiment.labels import label_map
from sentiment.settings import SentimentSettings

log = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
RUNTIME_ONNX = "onnx-int8"
WINDOW_BATCHES = 32


def is_onnx_dir(directory: Path) -> bool:
    return (directory / ONNX_FILE).is_file()


class OnnxClassifier:
    """A BERT-style sequence classifier exported to ONNX, classifying German text."""

    def __init__(self, directory: Path, settings: SentimentSettings) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = _read_json(directory / "config.json")
        meta = _read_json(directory / META_FILE)
        self.name = str(meta.get("name") or directory.name)
        self._batch_size = settings.batch_size
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        limit = _token_limit(settings.max_length, directory, config)
        self._tokenizer.enable_truncation(limit)
        self._pad_id = int(config.get("pad_token_id") or 0)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._to_labels = np.asarray(label_map(config["id2label"], self.name).matrix())
        log.info("sentiment model %s loaded (ONNX Runtime, int8)", self.name)

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """One Sentiment per text, in order, for any number of texts."""
        out: list[Sentiment] = []
        step = self._batch_size * WINDOW_BATCHES
        for start in range(0, len(texts), step):
            out.extend(self._classify_window(texts[start : start + step]))
        return out

    def _classify_window(self, texts: Sequence[str]) -> list[Sentiment]:
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        probs = np.zeros((len(ids), len(LABELS)))
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            probs[batch] = self._label_probs([ids[i] for i in batch])
        return [self._sentiment(row) for row in probs.tolist()]

    def _label_probs(self, batch: list[list[int]]) -> npt.NDArray[np.float64]:
        width = max(len(row) for row in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, row in enumerate(batch):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        (logits,) = self._session.run(["logits"], {"input_ids": input_ids, "attention_mask": mask})
        z = logits.astype(np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        result: npt.NDArray[np.float64] = (z / z.sum(axis=1, keepdims=True)) @ self._to_labels
        return result

    def _sentiment(self, row: list[float]) -> Sentiment:
        probs = dict(zip(LABELS, row, strict=True))
        return Sentiment(label=max(LABELS, key=probs.__getitem__), probs=probs, model=self.name)


def _token_limit(wanted: int, directory: Path, config: dict[str, Any]) -> int:
    """The configured max length, capped as the PyTorch path caps it."""
    limits = [wanted]
    model_max = _read_json(directory / "tokenizer_config.json").get("model_max_length")
    if isinstance(model_max, int) and model_max < 1_000_000:
        limits.append(model_max)
    positions = config.get("max_position_embeddings")
    if isinstance(positions, int):
        limits.append(positions)
    return min(limits)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
