"""Topics with the polarity of their own sentence, on the real bundled model; the eval command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from leumund.cli import main
from sentiment.base import Classifier, Sentiment
from sentiment.bundled import load_bundled
from sentiment.settings import SentimentSettings
from sentiment.topics.analyze import TopicAnalyzer
from sentiment.topics.datasets import GERESTAURANT, GERMEVAL_DB, HOTEL, LEUMUND, recognise
from sentiment.topics.evaluate import AspectDataError, Row, read_rows, score
from sentiment.topics.settings import TopicSettings

DATA = Path(__file__).parent / "data" / "aspects_de.tsv"


class Recording:
    """The real model, remembering which texts it was asked to classify."""

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.name = inner.name
        self.seen: list[str] = []

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        self.seen += texts
        return self.inner.classify(texts)


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return load_bundled(SentimentSettings())


@pytest.fixture
def recording(bundled: Classifier) -> Recording:
    return Recording(bundled)


def _topics(analyzer: TopicAnalyzer, text: str) -> dict[str, str]:
    return {m.topic: m.polarity for m in analyzer.analyze([text])[0]}


def test_each_topic_gets_the_polarity_of_its_own_sentence(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    text = (
        "Wir waren am Samstag mit Freunden da. Das Schnitzel war hervorragend, knusprig und "
        "heiß. Die Bedienung war unfreundlich und hat uns ignoriert."
    )
    assert _topics(analyzer, text) == {"Qualität": "positive", "Freundlichkeit": "negative"}
    assert "Wir waren am Samstag mit Freunden da." not in recording.seen


def test_two_topics_in_one_sentence_are_split_at_aber(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    found = _topics(analyzer, "Das Essen war sehr lecker, aber die Preise sind eine Frechheit.")
    assert found == {"Qualität": "positive", "Preis": "negative"}


def test_a_review_without_topic_gets_the_overall_impression(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    [mentions] = analyzer.analyze(["Nie wieder. Einfach furchtbar."])
    assert [(m.topic, m.polarity) for m in mentions] == [("Gesamteindruck", "negative")]
    overall = Sentiment("positive", {"positive": 0.9, "neutral": 0.05, "negative": 0.05}, "x")
    recording.seen.clear()
    [mentions] = analyzer.analyze(["Hm."], overall=[overall])
    assert [(m.topic, m.polarity) for m in mentions] == [("Gesamteindruck", "positive")]
    assert recording.seen == []  # the review's own sentiment was reused, not classified again


def test_mentions_carry_the_sentence_as_quote_and_the_words(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    [[mention]] = analyzer.analyze(["Im Wartezimmer saßen wir zwei Stunden. Schade."])
    assert mention.topic == "Wartezeit"
    assert mention.quote == "Im Wartezimmer saßen wir zwei Stunden."
    assert mention.words == ("wartezimmer",)
    assert mention.as_dict() == {
        "topic": "Wartezeit", "polarity": mention.polarity, "quote": mention.quote,
    }  # fmt: skip


def test_empty_texts_have_no_topics(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    assert analyzer.analyze(["", "  "]) == [[], []]


def test_datasets_are_recognised_by_their_category_names() -> None:
    assert recognise(["food", "service", "general-impression"]) is GERESTAURANT
    assert recognise(["zimmer#sauberkeit", "hotel#haupt"]) is HOTEL
    assert recognise(["zugfahrt#pünktlichkeit", "allgemein#haupt"]) is GERMEVAL_DB
    assert recognise(["Wartezeit", "Preis"]) is LEUMUND
    with pytest.raises(ValueError, match="not recognised"):
        recognise(["colour", "size"])


def test_every_gold_label_counts_and_unmapped_ones_are_misses(recording: Recording) -> None:
    analyzer = TopicAnalyzer(TopicSettings().lexicon(), recording)
    rows = [
        Row("Das Personal war unfreundlich.", (("service", "negative"),)),
        Row("Das Personal war unfreundlich.", (("service", "negative"), ("food", "positive"))),
    ]
    result = score(rows, analyzer)
    per = result["per_category"]
    assert isinstance(per, dict)
    assert per["Freundlichkeit"]["support"] == 2 and per["Freundlichkeit"]["recall"] == 1.0
    assert per["Qualität"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "polarity_accuracy": 0.0,
    }  # fmt: skip
    assert result["detection_micro_f1"] == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3), abs=1e-4)
    assert result["polarity_accuracy"] == 1.0


def test_eval_command_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aspects", "eval", str(DATA), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert list(result) == [
        "n", "detection_micro_f1", "detection_macro_f1", "polarity_accuracy", "per_category",
    ]  # fmt: skip
    assert result["n"] == 12
    assert result["per_category"]["Sicherheit (no topic)"]["support"] == 1
    assert 0.5 < result["detection_micro_f1"] < 1.0
    assert result["polarity_accuracy"] >= 0.8


def test_eval_command_refuses_a_malformed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttext\taspects\n1\tGut.\tservice=positive\n", encoding="utf-8")
    assert main(["aspects", "eval", str(bad)]) == 2
    assert "bad.tsv: line 2: expected category:positive|neutral|negative" in capsys.readouterr().err
    with pytest.raises(AspectDataError, match="columns text and aspects"):
        read_rows(_no_aspects(tmp_path))


def _no_aspects(tmp_path: Path) -> Path:
    path = tmp_path / "plain.tsv"
    path.write_text("label\ttext\npositive\tGut.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "dataset"),
    [("gerestaurant_train.tsv", GERESTAURANT), ("hotel_train_dev.tsv", HOTEL),
     ("germeval2017_db.tsv", GERMEVAL_DB)],
)  # fmt: skip
def test_shared_aspect_files_are_recognised(shared_dir: Path, name: str, dataset: object) -> None:
    rows = read_rows(shared_dir / "data" / "aspects" / name)
    assert recognise([c for row in rows for c, _ in row.labels]) is dataset
