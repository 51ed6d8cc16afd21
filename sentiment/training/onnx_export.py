"""A transformers model directory turned into the int8 ONNX directory `sentiment.onnx` runs.

Export with torch's ONNX exporter, fuse with ONNX Runtime's transformer optimizer, then
quantize the weights to int8 (dynamic: activations are scaled per batch at run time).
Config, tokenizer and leumund.json are copied; the torch weights are not.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification

from sentiment.base import META_FILE
from sentiment.onnx import ONNX_FILE, RUNTIME_ONNX

log = logging.getLogger(__name__)

COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def export_onnx(source: Path, out: Path, quantize: bool = True) -> None:
    """Write `out` (a new directory) from the transformers model directory `source`.

    `quantize=False` keeps float32 weights (to check the export itself, in tests).
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw, fused = Path(tmp, "raw.onnx"), Path(tmp, "fused.onnx")
        _export(source, raw)
        _fuse(raw, fused, source)
        if quantize:
            _quantize(fused, out / ONNX_FILE)
        else:
            shutil.copy2(fused, out / ONNX_FILE)
    for name in COPIED:
        if (source / name).is_file():
            shutil.copy2(source / name, out / name)
    meta_file = source / META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    meta.pop("quantize", None)
    meta["runtime"] = RUNTIME_ONNX
    (out / META_FILE).write_text(json.dumps(meta) + "\n", encoding="utf-8")
    log.info("int8 ONNX model saved to %s", out)


def _export(source: Path, target: Path) -> None:
    model = AutoModelForSequenceClassification.from_pretrained(str(source), dtype=torch.float32)
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids)),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def _fuse(raw: Path, target: Path, source: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    optimized = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
    )
    optimized.save_model_to_file(str(target))


def _quantize(fused: Path, target: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The fused attention op has no shape inference; its outputs are float32.
    extra = {"DefaultTensorType": TensorProto.FLOAT}
    quantize_dynamic(str(fused), str(target), weight_type=QuantType.QInt8, extra_options=extra)
