"""Loading a model directory of any kind Leumund knows, decided by the files it holds.

`ensemble.json`: members averaged (`sentiment.ensemble`); `linear.json`: the numpy n-gram
model (`sentiment.linear`); `model.onnx`: an int8 ONNX transformer (`sentiment.onnx`, no
torch); `config.json`: a transformers model run by PyTorch. Used for the bundled model
and for any directory `sentiment.model` points at, so both load the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sentiment.backend import transformers_classifier
from sentiment.base import Classifier, ModelUnavailable
from sentiment.ensemble import ENSEMBLE_FILE, EnsembleClassifier, is_ensemble_dir, read_ensemble
from sentiment.linear import LinearClassifier, is_linear_dir
from sentiment.onnx import ONNX_FILE, OnnxClassifier, is_onnx_dir
from sentiment.settings import SentimentSettings

MARKER_FILES = (ENSEMBLE_FILE, "linear.json", ONNX_FILE, "config.json")


def is_model_dir(directory: Path) -> bool:
    """A directory holding one of the files `load_model_dir` decides by."""
    return any((directory / f).is_file() for f in MARKER_FILES)


def load_model_dir(directory: Path, settings: SentimentSettings) -> Classifier:
    """The classifier stored in `directory`; ModelUnavailable names what is missing."""
    if is_ensemble_dir(directory):
        spec = read_ensemble(directory)
        members = [load_model_dir(m, settings) for m in spec.members]
        return EnsembleClassifier(spec.name, members, spec.weights, spec.temperature)
    if is_linear_dir(directory):
        return LinearClassifier(directory)
    if is_onnx_dir(directory):
        return OnnxClassifier(directory, settings)
    if (directory / "config.json").is_file():
        return transformers_classifier().from_directory(directory, settings)
    raise ModelUnavailable(
        f"sentiment model {directory}: no config.json, linear.json or ensemble.json there;"
        " point sentiment.model at a model directory (e.g. one made by"
        " `leumund sentiment download` or `python -m sentiment.training`)"
    )


def load_or_explain(
    directory: Path, settings: SentimentSettings, explain: Callable[[Exception], str]
) -> Classifier:
    """`load_model_dir`, with any other failure (damaged files, a mismatched transformers)
    turned into one ModelUnavailable line written by `explain`: report, don't crash."""
    try:
        return load_model_dir(directory, settings)
    except ModelUnavailable:
        raise
    except Exception as exc:
        raise ModelUnavailable(explain(exc)) from exc
