"""Model directories of every kind, and the ensemble that averages a transformer and n-grams."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sentiment.base import LABELS, ModelUnavailable
from sentiment.bundled import load_bundled
from sentiment.cascade import CheapFirst, cheap_first
from sentiment.classifier import TransformersClassifier
from sentiment.directories import load_model_dir
from sentiment.ensemble import EnsembleClassifier, save_ensemble
from sentiment.linear import LinearClassifier
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings
from tests.sentiment_tiny import build_tiny_model

TEXTS = ["Sehr gut, gerne wieder!", "Schrecklich, nie wieder.", "", "x" * 5000]


def _linear(out: Path) -> Path:
    pytest.importorskip("sklearn")
    from sentiment.training.linear import fit_linear

    texts = ["super toll", "sehr gut", "schlecht kalt", "nie wieder dreckig", "okay", "geht so"]
    labels = ["positive", "positive", "negative", "negative", "neutral", "neutral"]
    fit_linear(texts, labels, out, "tiny-linear", min_df=1, c=4.0)
    return out


@pytest.fixture
def ensemble_dir(tmp_path: Path) -> Path:
    _linear(tmp_path / "ens" / "linear")
    build_tiny_model(tmp_path / "ens" / "bert", {0: "negative", 1: "neutral", 2: "positive"})
    save_ensemble(tmp_path / "ens", "tiny-ensemble", ["bert", "linear"], [3.0, 1.0])
    return tmp_path / "ens"


def test_ensemble_is_the_weighted_mean_of_its_members(ensemble_dir: Path) -> None:
    settings = SentimentSettings(model=str(ensemble_dir))
    model = load_classifier(settings)
    assert isinstance(model, EnsembleClassifier)
    bert, linear = model.members
    assert isinstance(bert, TransformersClassifier)
    assert isinstance(linear, LinearClassifier)
    results = model.classify(TEXTS)
    parts = zip(bert.classify(TEXTS), linear.classify(TEXTS), strict=True)
    for result, (a, b) in zip(results, parts, strict=True):
        for label in LABELS:
            assert math.isclose(result.probs[label], 0.75 * a.probs[label] + 0.25 * b.probs[label])
        assert result.label == max(LABELS, key=result.probs.__getitem__)
        assert result.model == "tiny-ensemble"
    assert model.classify([]) == []


def test_temperature_spreads_probabilities_and_keeps_every_label(ensemble_dir: Path) -> None:
    plain = load_model_dir(ensemble_dir, SentimentSettings())
    save_ensemble(ensemble_dir, "tiny-ensemble", ["bert", "linear"], [3.0, 1.0], 0.5)
    tempered = load_model_dir(ensemble_dir, SentimentSettings())
    assert isinstance(tempered, EnsembleClassifier) and tempered.temperature == 0.5
    for a, b in zip(plain.classify(TEXTS), tempered.classify(TEXTS), strict=True):
        assert a.label == b.label
        assert math.isclose(sum(b.probs.values()), 1.0)
        total = sum(p**2 for p in a.probs.values())  # p ∝ p_avg ** (1 / 0.5)
        for label in LABELS:
            assert math.isclose(b.probs[label], a.probs[label] ** 2 / total, rel_tol=1e-9)


def test_a_linear_directory_loads_from_config(tmp_path: Path) -> None:
    model = load_classifier(SentimentSettings(model=str(_linear(tmp_path / "lin"))))
    assert [r.label for r in model.classify(["super toll", "nie wieder dreckig"])] == [
        "positive",
        "negative",
    ]


@pytest.mark.parametrize(
    "spec",
    [
        "{not json",
        json.dumps({"weights": [1]}),
        json.dumps({"members": ["a"], "weights": [1, 2]}),
        json.dumps({"members": ["a"], "weights": [-1]}),
        json.dumps({"members": ["a", "b"], "weights": [0, 0]}),
        '{"members": ["a"], "weights": [NaN]}',
        json.dumps({"members": "a", "weights": [1]}),
        json.dumps({"members": ["a"], "weights": "1"}),
        json.dumps({"members": ["."], "weights": [1]}),
        json.dumps({"members": ["a"], "weights": [1], "temperature": 0}),
        json.dumps({"members": ["a"], "weights": [1], "temperature": "warm"}),
    ],
)
def test_broken_ensemble_file_is_one_clear_line(tmp_path: Path, spec: str) -> None:
    for member in ("a", "b"):
        _linear(tmp_path / member)
    (tmp_path / "ensemble.json").write_text(spec, encoding="utf-8")
    with pytest.raises(ModelUnavailable, match=r"ensemble\.json") as info:
        load_model_dir(tmp_path, SentimentSettings())
    assert "\n" not in str(info.value)


def test_missing_member_names_the_directory(tmp_path: Path) -> None:
    save_ensemble(tmp_path, "e", ["gone"], [1.0])
    with pytest.raises(ModelUnavailable, match="gone") as info:
        load_model_dir(tmp_path, SentimentSettings())
    assert "\n" not in str(info.value)


def _quantized_layers(model: TransformersClassifier) -> int:
    modules = model._model.modules()
    return sum(type(m).__module__.startswith("torch.ao.nn.quantized.dynamic") for m in modules)


def test_a_model_that_asks_for_int8_runs_quantized_and_agrees(tmp_path: Path) -> None:
    directory = build_tiny_model(tmp_path / "m", {0: "negative", 1: "neutral", 2: "positive"})
    plain = TransformersClassifier.from_directory(directory, SentimentSettings())
    meta = {"name": "tiny-int8", "quantize": "dynamic-int8"}
    (directory / "leumund.json").write_text(json.dumps(meta), encoding="utf-8")
    quantized = TransformersClassifier.from_directory(directory, SentimentSettings())
    assert _quantized_layers(plain) == 0
    assert _quantized_layers(quantized) == 2 * 6 + 2  # six per layer, the pooler, the head
    for a, b in zip(plain.classify(TEXTS), quantized.classify(TEXTS), strict=True):
        assert max(abs(a.probs[k] - b.probs[k]) for k in LABELS) < 0.1
        assert b.model == "tiny-int8"


def test_cheap_first_asks_the_whole_ensemble_only_where_the_n_gram_member_is_unsure(
    ensemble_dir: Path,
) -> None:
    model = load_model_dir(ensemble_dir, SentimentSettings())
    assert isinstance(model, EnsembleClassifier)
    bert, linear = model.members
    texts = ["Sehr gut, gerne wieder!", "Schrecklich, nie wieder.", "okay", "super toll"]
    first = linear.classify(texts)
    confidence = sorted(s.probs[s.label] for s in first)
    threshold = (confidence[1] + confidence[2]) / 2  # two texts sure, two unsure
    seen: list[str] = []
    inner = bert.classify
    setattr(bert, "classify", lambda xs: seen.extend(xs) or inner(xs))  # noqa: B010
    found = CheapFirst(model, 1, threshold).classify(texts)
    unsure = [t for t, s in zip(texts, first, strict=True) if s.probs[s.label] < threshold]
    assert seen == unsure and len(unsure) == 2
    whole = dict(zip(unsure, model.classify(unsure), strict=True))
    for text, mine, cheap in zip(texts, found, first, strict=True):
        assert mine == whole.get(text, cheap)


def test_cheap_first_applies_to_ensembles_of_an_n_gram_member_and_another_kind(
    ensemble_dir: Path,
) -> None:
    model = load_model_dir(ensemble_dir, SentimentSettings())
    assert isinstance(cheap_first(model), CheapFirst)
    linear = load_model_dir(ensemble_dir / "linear", SentimentSettings())
    assert cheap_first(linear) is linear
    only_linear = EnsembleClassifier("two-linear", [linear, linear], [1, 1])
    assert cheap_first(only_linear) is only_linear
    assert isinstance(cheap_first(load_bundled(SentimentSettings())), CheapFirst)
