"""Any transformers sequence-classification model behind the `Classifier` interface.

Speed on a small CPU comes from three things: texts are processed in windows (memory stays
bounded however many texts arrive), sorted by token length inside a window so each batch pads
to nearly nothing, and the forward pass runs under `torch.inference_mode`.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from sentiment.base import LABELS, META_FILE, Sentiment
from sentiment.cleaning import clean_text, wants_guhr_cleaning
from sentiment.labels import LabelMap, label_map
from sentiment.settings import SentimentSettings

log = logging.getLogger(__name__)

QUANTIZE_INT8 = "dynamic-int8"
"""leumund.json `quantize` value: run the Linear layers in int8 on the CPU (see `_quantized`)."""

WINDOW_BATCHES = 32
"""Batches per window: texts are tokenized and length-sorted this many batches at a time."""


class TransformersClassifier:
    """A transformers model classifying German text as positive / neutral / negative.

    Build one with `TransformersClassifier.from_directory(path, settings)` (a local model
    directory: config.json, weights, tokenizer files) or `from_pretrained(ref, settings)`
    (a directory or a Hugging Face id). Optional keywords of both: `name` (reported in each
    Sentiment; default: the directory's leumund.json name, else the reference) and `clean`
    (apply german-sentiment-bert's text cleaning; default: only for that model).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        settings: SentimentSettings,
        name: str,
        clean: bool = False,
    ) -> None:
        self.name = name
        self._model = model.eval().to(settings.device)
        self._tokenizer = tokenizer
        self._device = settings.device
        self._batch_size = settings.batch_size
        self._max_length = _token_limit(settings.max_length, tokenizer, model.config)
        self._prepare: Callable[[str], str] = clean_text if clean else _as_is
        self._labels: LabelMap = label_map(model.config.id2label, name)
        self._to_labels = torch.tensor(self._labels.matrix(), dtype=torch.float32)

    @classmethod
    def from_directory(
        cls,
        path: Path,
        settings: SentimentSettings,
        *,
        name: str | None = None,
        clean: bool | None = None,
    ) -> TransformersClassifier:
        """Load a model directory saved by `save_pretrained` (model and tokenizer)."""
        return cls.from_pretrained(str(path), settings, name=name, clean=clean)

    @classmethod
    def from_pretrained(
        cls,
        ref: str,
        settings: SentimentSettings,
        *,
        name: str | None = None,
        clean: bool | None = None,
        local_files_only: bool = True,
    ) -> TransformersClassifier:
        """Load from a directory or a Hugging Face id (cached, or downloaded if allowed)."""
        meta = _read_meta(Path(ref))
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        model = AutoModelForSequenceClassification.from_pretrained(
            ref, local_files_only=local_files_only, dtype=_dtype(settings.device)
        )
        tokenizer = AutoTokenizer.from_pretrained(ref, local_files_only=local_files_only)
        if meta.get("quantize") == QUANTIZE_INT8 and settings.device == "cpu":
            model = _quantized(model)
        shown = name or str(meta.get("name") or ref)
        if clean is None:
            clean = meta.get("clean_text") == "german-sentiment-bert" or wants_guhr_cleaning(
                f"{ref} {shown}", model.config.to_dict()
            )
        log.info("sentiment model %s loaded (text cleaning %s)", shown, "on" if clean else "off")
        return cls(model, tokenizer, settings, shown, clean)

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        """One Sentiment per text, in order, for any number of texts."""
        out: list[Sentiment] = []
        step = self._batch_size * WINDOW_BATCHES
        for start in range(0, len(texts), step):
            out.extend(self._classify_window(texts[start : start + step]))
        return out

    def _classify_window(self, texts: Sequence[str]) -> list[Sentiment]:
        encoded = self._tokenizer(
            [self._prepare(text) for text in texts],
            truncation=True,
            max_length=self._max_length,
        )
        ids: list[list[int]] = encoded["input_ids"]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        results: list[Sentiment | None] = [None] * len(ids)
        for batch in _chunks(order, self._batch_size):
            probs = self._label_probs([ids[i] for i in batch])
            for i, row in zip(batch, probs, strict=True):
                results[i] = self._sentiment(row)
        return [r for r in results if r is not None]

    @torch.inference_mode()
    def _label_probs(self, batch: list[list[int]]) -> list[list[float]]:
        inputs = pad_batch(batch, self._tokenizer.pad_token_id or 0, self._tokenizer.padding_side)
        inputs = {key: value.to(self._device) for key, value in inputs.items()}
        logits = self._model(**inputs).logits.float().cpu()
        probs: list[list[float]] = (logits.softmax(dim=-1) @ self._to_labels).tolist()
        return probs

    def _sentiment(self, row: list[float]) -> Sentiment:
        probs = dict(zip(LABELS, row, strict=True))
        best = max(LABELS, key=lambda label: probs[label])
        return Sentiment(label=best, probs=probs, model=self.name)


def pad_batch(batch: list[list[int]], pad_id: int, side: str = "right") -> dict[str, torch.Tensor]:
    """Input ids and attention mask for one batch, padded to its longest text only."""
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        cols = slice(width - len(ids), width) if side == "left" else slice(0, len(ids))
        input_ids[row, cols] = torch.tensor(ids, dtype=torch.long)
        mask[row, cols] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _token_limit(wanted: int, tokenizer: Any, config: Any) -> int:
    """The configured max length, capped by what the model's position embeddings allow."""
    limits = [wanted]
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and model_max < 1_000_000:
        limits.append(model_max)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int):
        limits.append(positions)
    return min(limits)


def _quantized(model: Any) -> Any:
    """Linear layers in int8 with dynamic activation scales: 2.4× faster on this CPU.

    Only for models whose leumund.json asks for it, i.e. that were measured this way.
    torch marks `torch.ao.quantization` deprecated in favour of torchao; torch is pinned, and
    should the call ever go away the model runs unquantized rather than not at all.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", UserWarning)
            return torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                model, {torch.nn.Linear}, dtype=torch.qint8
            )
    except (AttributeError, RuntimeError) as exc:
        log.warning("int8 quantization unavailable (%s); running the model in float32", exc)
        return model


def _dtype(device: str) -> torch.dtype | str:
    """float32 on the CPU, whatever the weights were saved in: half precision is slow there."""
    return torch.float32 if device == "cpu" else "auto"


def _read_meta(path: Path) -> dict[str, Any]:
    file = path / META_FILE
    if not file.is_file():
        return {}
    data = json.loads(file.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _as_is(text: str) -> str:
    return text
