"""Label names of any model map onto positive / neutral / negative."""

from __future__ import annotations

import pytest

from sentiment.base import ModelUnavailable
from sentiment.labels import LabelError, canonical_label, label_map


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("positive", "positive"),
        ("POSITIVE", "positive"),
        ("Negative", "negative"),
        ("neutral", "neutral"),
        ("pos", "positive"),
        ("NEG", "negative"),
        ("Neu", "neutral"),
        ("positiv", "positive"),
        ("Very Negative", "negative"),
        ("very_positive", "positive"),
        ("1 star", "negative"),
        ("2 stars", "negative"),
        ("3 Stars", "neutral"),
        ("4 stars", "positive"),
        ("5 STARS", "positive"),
        (" 5 stars ", "positive"),
        ("label_0", None),
        ("joy", None),
    ],
)
def test_canonical_label(name: str, expected: str | None) -> None:
    assert canonical_label(name) == expected


def test_german_sentiment_bert_order_is_kept() -> None:
    labels = label_map({0: "positive", 1: "negative", 2: "neutral"}, "m")
    assert labels.by_index == ("positive", "negative", "neutral")
    assert labels.matrix() == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_star_model_sums_stars_per_label() -> None:
    stars = {str(i): f"{i + 1} star{'s' if i else ''}" for i in range(5)}
    labels = label_map(stars, "nlptown")
    assert labels.by_index == ("negative", "negative", "neutral", "positive", "positive")
    columns = list(zip(*labels.matrix(), strict=True))
    assert [sum(column) for column in columns] == [2.0, 1.0, 2.0]


def test_binary_model_has_no_neutral_class() -> None:
    labels = label_map({0: "NEGATIVE", 1: "POSITIVE"}, "m")
    assert labels.by_index == ("negative", "positive")
    assert all(row[1] == 0.0 for row in labels.matrix())


@pytest.mark.parametrize(
    ("id2label", "needle"),
    [
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "generic"),
        ({0: "positive", 1: "joy"}, "cannot map labels ['joy']"),
        ({0: "positive", 1: "neutral"}, "needs a positive and a negative"),
        ({0: "positive", 2: "negative"}, "classes 0…n-1"),
    ],
)
def test_unusable_labels_fail_with_one_line(id2label: dict[int, str], needle: str) -> None:
    with pytest.raises(LabelError) as info:
        label_map(id2label, "acme/model")
    message = str(info.value)
    assert needle in message
    assert "acme/model" in message
    assert "\n" not in message
    assert isinstance(info.value, ModelUnavailable)
