"""The transformers classifier and its loader, on tiny real models saved to disk."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from sentiment.base import LABELS, ModelUnavailable, Sentiment
from sentiment.classifier import TransformersClassifier
from sentiment.cleaning import clean_text
from sentiment.labels import LabelError
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings
from tests.sentiment_tiny import GUHR_LABELS, STAR_LABELS, build_tiny_model

TEXTS = [
    "Das Essen war sehr gut und das Personal freundlich.",
    "Schrecklich! Kalt, dreckig, nie wieder.",
    "",
    "ok",
    "Der Arzt hatte lange Wartezeit, aber der Termin war kurz und gut.",
    "Wir haben im Hotel ein sauberes Zimmer gehabt, Preis ok, Service super, gerne wieder.",
    "Hello, this is English text.",
    "这是中文评论",
    "😀😀😀",
    "Brötchen frisch, Verkäuferin freundlich",
]


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sentiment-models")
    return {
        "three": build_tiny_model(root / "three", GUHR_LABELS),
        "binary": build_tiny_model(root / "binary", {0: "NEGATIVE", 1: "POSITIVE"}),
        "stars": build_tiny_model(root / "stars", STAR_LABELS),
        "generic": build_tiny_model(root / "generic", {0: "LABEL_0", 1: "LABEL_1"}),
    }


def load(path: Path, **settings: object) -> TransformersClassifier:
    classifier = load_classifier(SentimentSettings(model=str(path), **settings))  # type: ignore[arg-type]
    assert isinstance(classifier, TransformersClassifier)
    return classifier


def same(a: list[Sentiment], b: list[Sentiment]) -> None:
    assert [x.label for x in a] == [y.label for y in b]
    for x, y in zip(a, b, strict=True):
        assert x.probs == pytest.approx(y.probs, abs=1e-5)


def test_every_result_carries_label_all_probabilities_and_model(models: dict[str, Path]) -> None:
    results = load(models["three"]).classify(TEXTS)
    assert len(results) == len(TEXTS)
    for result in results:
        assert set(result.probs) == set(LABELS)
        assert sum(result.probs.values()) == pytest.approx(1.0, abs=1e-5)
        assert result.label == max(result.probs, key=lambda k: result.probs[k])
        assert result.model == str(models["three"])
    assert len({round(r.probs["positive"], 6) for r in results}) > 1


def test_zero_and_one_text(models: dict[str, Path]) -> None:
    classifier = load(models["three"])
    assert classifier.classify([]) == []
    [one] = classifier.classify([TEXTS[0]])
    same([one], classifier.classify(TEXTS)[:1])


def test_results_do_not_depend_on_batch_size_or_order(models: dict[str, Path]) -> None:
    many = TEXTS * 4
    reference = load(models["three"], batch_size=2).classify(many)
    for batch_size in (7, 1024):
        same(load(models["three"], batch_size=batch_size).classify(many), reference)
    reverse = load(models["three"], batch_size=4).classify(many[::-1])
    same(reverse[::-1], reference)


def test_probabilities_match_the_model_run_directly(models: dict[str, Path]) -> None:
    tokenizer = AutoTokenizer.from_pretrained(models["three"])
    model = AutoModelForSequenceClassification.from_pretrained(models["three"]).eval()
    with torch.no_grad():
        logits = model(**tokenizer([TEXTS[1]], return_tensors="pt")).logits
    direct = logits.softmax(-1)[0].tolist()
    [ours] = load(models["three"]).classify([TEXTS[1]])
    expected = {GUHR_LABELS[i]: p for i, p in enumerate(direct)}
    assert ours.probs == pytest.approx(expected, abs=1e-5)


def test_star_model_sums_star_probabilities(models: dict[str, Path]) -> None:
    tokenizer = AutoTokenizer.from_pretrained(models["stars"])
    model = AutoModelForSequenceClassification.from_pretrained(models["stars"]).eval()
    with torch.no_grad():
        stars = model(**tokenizer([TEXTS[0]], return_tensors="pt")).logits.softmax(-1)[0].tolist()
    [ours] = load(models["stars"]).classify([TEXTS[0]])
    assert ours.probs["negative"] == pytest.approx(stars[0] + stars[1], abs=1e-5)
    assert ours.probs["neutral"] == pytest.approx(stars[2], abs=1e-5)
    assert ours.probs["positive"] == pytest.approx(stars[3] + stars[4], abs=1e-5)


def test_binary_model_gives_neutral_zero(models: dict[str, Path]) -> None:
    for result in load(models["binary"]).classify(TEXTS):
        assert result.probs["neutral"] == 0.0
        assert result.label in ("positive", "negative")
        assert result.probs["positive"] + result.probs["negative"] == pytest.approx(1.0)


def test_very_long_text_is_truncated(models: dict[str, Path]) -> None:
    classifier = load(models["three"], max_length=16)
    long = "sehr gut " * 20_000
    longer = long + "schrecklich kalt dreckig " * 5_000
    first_words = " ".join(long.split()[:14])
    results = classifier.classify([long, longer, first_words, "gut"])
    same(results[:1], results[1:2])
    same(results[:1], results[2:3])


def test_default_length_handles_a_novel(models: dict[str, Path]) -> None:
    novel = "Das Essen war gut. " * 10_000
    [result] = load(models["three"]).classify([novel])
    assert set(result.probs) == set(LABELS)


def test_guhr_cleaning_applies_to_that_model_only(models: dict[str, Path], tmp_path: Path) -> None:
    guhr = tmp_path / "oliverguhr--german-sentiment-bert"
    shutil.copytree(models["three"], guhr)
    raw = ["Toll!!! 5 Sterne, siehe https://x.de @hotel", "Zimmer 12 war KALT."]
    cleaned = [clean_text(t) for t in raw]
    plain = load(models["three"])
    same(load(guhr).classify(raw), plain.classify(cleaned))


def test_model_name_and_cleaning_from_leumund_json(models: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "m"
    shutil.copytree(models["three"], target)
    meta = {"name": "oliverguhr/german-sentiment-bert", "clean_text": "german-sentiment-bert"}
    (target / "leumund.json").write_text(json.dumps(meta))
    classifier = load(target)
    assert classifier.name == "oliverguhr/german-sentiment-bert"
    same(classifier.classify(["5 Sterne!"]), load(models["three"]).classify(["fünf sterne"]))


def test_from_directory_with_explicit_name_and_cleaning(models: dict[str, Path]) -> None:
    settings = SentimentSettings(batch_size=2)
    classifier = TransformersClassifier.from_directory(
        models["three"], settings, name="bundled-test", clean=True
    )
    [result] = classifier.classify(["Super!!"])
    assert result.model == "bundled-test"
    same([result], load(models["three"]).classify(["super"]))


def test_relative_directory_resolves_against_config_dir(models: dict[str, Path]) -> None:
    settings = SentimentSettings(model="three")
    classifier = load_classifier(settings, base_dir=models["three"].parent)
    assert classifier.name == str(models["three"])


def test_unavailable_hub_model_is_one_clear_line_and_fast() -> None:
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as info:
        load_classifier(SentimentSettings(model="oliverguhr/german-sentiment-bert"))
    assert time.monotonic() - started < 15
    message = str(info.value)
    assert "\n" not in message
    assert "oliverguhr/german-sentiment-bert" in message
    assert "leumund sentiment download oliverguhr/german-sentiment-bert" in message
    assert "sentiment.model" in message


@pytest.mark.parametrize("model", ["/nonexistent/model", "./models/missing", "a/b/c"])
def test_missing_directory_is_one_line(model: str, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="directory not found") as info:
        load_classifier(SentimentSettings(model=model), base_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_directory_without_model_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"no config\.json") as info:
        load_classifier(SentimentSettings(model=str(tmp_path)))
    assert "\n" not in str(info.value)


def test_broken_weights_are_one_line(models: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "broken"
    shutil.copytree(models["three"], target)
    (target / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelUnavailable, match="cannot load it") as info:
        load_classifier(SentimentSettings(model=str(target)))
    assert "\n" not in str(info.value)


def test_generic_label_names_are_refused(models: dict[str, Path]) -> None:
    with pytest.raises(LabelError, match="generic"):
        load_classifier(SentimentSettings(model=str(models["generic"])))
