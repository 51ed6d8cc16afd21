"""german-sentiment-bert's cleaning, checked on the sentences of its published tests.

The sentences come from oliverguhr/german-sentiment-lib `germansentiment/sentimentmodel_test.py`;
the expected strings follow its `SentimentModel.clean_text` step by step.
"""

from __future__ import annotations

import pytest

from sentiment.cleaning import clean_text, replace_numbers, review_text, wants_guhr_cleaning

PUBLISHED = [
    ("Mit keinem guten Ergebniss", "mit keinem guten ergebniss"),
    ("Das war unfair", "das war unfair"),
    ("Das ist gar nicht mal so gut", "das ist gar nicht mal so gut"),
    ("Total awesome!", "total awesome"),
    ("nicht so schlecht wie erwartet", "nicht so schlecht wie erwartet"),
    ("Das ist gar nicht mal so schlecht", "das ist gar nicht mal so schlecht"),
    ("Der Test verlief positiv.", "der test verlief positiv"),
    ("Sie fährt ein grünes Auto.", "sie fährt ein grünes auto"),
    ("Der Fall wurde an die Polzei übergeben.", "der fall wurde an die polzei übergeben"),
    ("das ist super", "das ist super"),
    ("Das ist toll", "das ist toll"),
]


@pytest.mark.parametrize(("text", "expected"), PUBLISHED)
def test_published_examples(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_published_long_document_runs_words_together() -> None:
    # The published long test repeats the sentence with no separator.
    cleaned = clean_text("Mit keinem guten Ergebniss" * 100)
    assert cleaned == "mit keinem guten " + "ergebnissmit keinem guten " * 99 + "ergebniss"


def test_digits_are_spelled_out_with_a_space_before_each() -> None:
    assert replace_numbers("Zimmer 204") == "Zimmer  zwei null vier"
    assert clean_text("5 Sterne, 10/10!") == "fünf sterne eins null eins null"


def test_urls_and_mentions_are_removed() -> None:
    text = "Danke @anna_b! Mehr auf https://example.com/x?y=1 und http://a.de."
    assert clean_text(text) == "danke mehr auf und"


def test_only_letters_survive_and_whitespace_collapses() -> None:
    assert clean_text("ÄÖÜ ß bleiben, é und 😀 nicht") == "äöü ß bleiben und nicht"
    assert clean_text("Zeile eins\nZeile zwei\tTab") == "zeile eins zeile zweitab"
    assert clean_text("   ") == ""
    assert clean_text("") == ""


@pytest.mark.parametrize(
    ("name", "config", "expected"),
    [
        ("oliverguhr/german-sentiment-bert", {}, True),
        ("/srv/models/oliverguhr--German-Sentiment-BERT", {}, True),
        ("/srv/models/m", {"_name_or_path": "oliverguhr/german-sentiment-bert"}, True),
        ("/srv/models/m", {"_name_or_path": "bert-base-german-cased"}, False),
        ("nlptown/bert-base-multilingual-uncased-sentiment", {}, False),
    ],
)
def test_cleaning_applies_to_german_sentiment_bert_only(
    name: str, config: dict[str, str], expected: bool
) -> None:
    assert wants_guhr_cleaning(name, config) is expected


def test_review_text_joins_title_and_body() -> None:
    assert review_text("Sehr lecker", "Frische Brötchen.") == "Sehr lecker. Frische Brötchen."
    assert review_text("Nie wieder!", "Kalt.") == "Nie wieder! Kalt."
    assert review_text("  ", "Nur Text") == "Nur Text"
    assert review_text("Nur Titel", "") == "Nur Titel"
