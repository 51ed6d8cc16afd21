"""The bundled transformer member through ONNX Runtime (int8), and the export that makes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentiment.base import LABELS
from sentiment.bundled import BUNDLED_DIR
from sentiment.classifier import TransformersClassifier
from sentiment.directories import load_model_dir
from sentiment.ensemble import EnsembleClassifier
from sentiment.onnx import OnnxClassifier
from sentiment.settings import SentimentSettings
from tests.sentiment_tiny import build_tiny_model

TEXTS = ["Sehr gut, gerne wieder!", "Schrecklich, nie wieder.", "", "essen kalt " * 400]


@pytest.mark.parametrize(("quantize", "tolerance"), [(False, 1e-4), (True, 0.1)])
def test_exported_model_gives_the_torch_models_probabilities(
    tmp_path: Path, quantize: bool, tolerance: float
) -> None:
    """float32: the same numbers as PyTorch; int8 weights: close (a random 32-wide model)."""
    pytest.importorskip("onnx", reason="the `train` extra (onnx) is not installed")
    from sentiment.training.onnx_export import export_onnx

    source = build_tiny_model(tmp_path / "torch", {0: "negative", 1: "neutral", 2: "positive"})
    export_onnx(source, tmp_path / "onnx", quantize=quantize)
    assert not list((tmp_path / "onnx").glob("*.safetensors"))
    settings = SentimentSettings(max_length=64)
    onnx = load_model_dir(tmp_path / "onnx", settings)
    assert isinstance(onnx, OnnxClassifier)
    torch_model = TransformersClassifier.from_directory(source, settings)
    for ours, ref in zip(onnx.classify(TEXTS), torch_model.classify(TEXTS), strict=True):
        assert set(ours.probs) == set(LABELS)
        for label in LABELS:
            assert ours.probs[label] == pytest.approx(ref.probs[label], abs=tolerance)
    assert onnx.classify([]) == []


def test_bundled_transformer_member_runs_on_onnx_runtime() -> None:
    model = load_model_dir(BUNDLED_DIR, SentimentSettings())
    assert isinstance(model, EnsembleClassifier)
    assert isinstance(model.members[0], OnnxClassifier)
    assert (BUNDLED_DIR / "e5" / "model.onnx").is_file()
    assert not list(BUNDLED_DIR.rglob("model.safetensors"))


def test_bundled_model_classifies_without_importing_torch() -> None:
    code = (
        "import sys\n"
        "from sentiment.loading import load_classifier\n"
        "from sentiment.settings import SentimentSettings\n"
        "model = load_classifier(SentimentSettings())\n"
        "print(model.classify(['Sehr freundlich, gerne wieder!'])[0].label)\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    repo = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["positive", "False", "False"]
