"""Reply drafts take up the review's negative topics, one sentence each, within the rules."""

from __future__ import annotations

import logging
from itertools import combinations
from pathlib import Path

import pytest

from alerts.replies import (
    KINDS,
    MAX_POINTS,
    PRAXIS_PHRASES,
    RULES,
    SECRECY_DE,
    DraftRequest,
    ReplyDrafter,
    complaint_topics,
    draft_problems,
    draft_reply,
    make_reply_environment,
)
from alerts.texts import TOPIC_NAMES
from sentiment.topics.taxonomy import TOPIC_KEYS

ENV = make_reply_environment()
SENTENCE_TOPICS = [key for key in TOPIC_KEYS if key != "Gesamteindruck"]


def test_every_topic_of_the_taxonomy_has_names() -> None:
    assert set(TOPIC_NAMES) == set(TOPIC_KEYS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_topic_sentence_keeps_every_rule(kind: str, lang: str) -> None:
    for pair in combinations(SENTENCE_TOPICS, 2):
        request = DraftRequest("Café Sonne", kind, "Tel. 1", lang, pair)  # type: ignore[arg-type]
        draft = draft_reply(request, ENV)
        assert draft_problems(draft, kind) == [], draft
        lowered = draft.lower()
        for phrases in RULES.values():
            assert not [p for p in phrases if p in lowered and p != "%"], draft


def test_a_negative_topic_gets_its_own_sentence() -> None:
    drafter = ReplyDrafter(DraftRequest("Café Sonne", "gastronomie", "Tel. 1"), ENV)
    plain = drafter.draft()
    waiting = drafter.draft(["Wartezeit"])
    assert "Lange Wartezeiten sind ärgerlich" in waiting
    assert "Lange Wartezeiten" not in plain
    assert "Ihre Hinweise zu Wartezeit nehmen wir ernst" in waiting
    english = ReplyDrafter(DraftRequest("Café Sonne", "hotel", language="en"), ENV)
    assert "your comments on waiting time seriously" in english.draft(["Wartezeit"])
    assert "Long waits are frustrating" in english.draft(["Wartezeit"])
    three = drafter.draft(["Wartezeit", "Preis", "Sauberkeit"])
    sentences = ["Lange Wartezeiten", "Unsere Preise", "Sauberkeit und Hygiene haben"]
    assert [s in three for s in sentences] == [True] * MAX_POINTS + [False]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_practice_draft_on_every_topic_never_confirms_a_patient(lang: str) -> None:
    for topic in SENTENCE_TOPICS:
        request = DraftRequest("Praxis Dr. Muster", "praxis", "Tel. 1", lang, [topic])  # type: ignore[arg-type]
        draft = draft_reply(request, ENV)
        lowered = draft.lower()
        assert not [p for p in PRAXIS_PHRASES if p in lowered], draft
        if lang == "de":
            assert SECRECY_DE in draft
            assert "Es tut uns leid, dass Sie" not in draft
            assert "Ihr" not in draft.replace("Ihre Rückmeldung", "")  # nothing of "your" visit
        else:
            assert "we cannot comment on individual cases" in draft
    wait = draft_reply(DraftRequest("Praxis", "praxis", topics=["Wartezeit"]), ENV)
    assert "Wartezeiten lassen sich in einer Praxis nicht immer vermeiden" in wait


def test_drafts_take_up_the_negative_topics_only() -> None:
    tags = [
        ("Wartezeit", "negative"),
        ("Freundlichkeit", "positive"),
        ("Gesamteindruck", "negative"),
        ("Preis", "neutral"),
        ("Sauberkeit", "negative"),
    ]
    assert complaint_topics(tags) == ["Wartezeit", "Sauberkeit"]


def test_an_operator_overrides_the_topic_sentences(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "_points.de.txt.j2").write_text(
        '{% macro point(topic, kind) %}{% if topic == "Preis" %}Als Entschädigung gibt es'
        " Rabatt.{% endif %}{% endmacro %}\n"
    )
    env = make_reply_environment(tmp_path)
    with caplog.at_level(logging.WARNING, logger="alerts.replies"):
        draft = ReplyDrafter(DraftRequest("Café Sonne", "gastronomie"), env).draft(["Preis"])
    assert "Als Entschädigung gibt es Rabatt." in draft
    assert "Unsere Preise kalkulieren" not in draft
    assert "promises a discount ('rabatt', 'entschädig')" in caplog.text
