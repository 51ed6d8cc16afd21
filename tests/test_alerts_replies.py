"""Reply drafts: one per business kind and language, and the rules a lawyer insists on."""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from pathlib import Path

import pytest

from alerts.replies import (
    KINDS,
    PRAXIS_PHRASES,
    RULES,
    SECRECY_DE,
    DraftRequest,
    ReplyTemplateError,
    draft_problems,
    draft_reply,
    make_reply_environment,
)
from leumund.errors import ConfigError
from leumund.loading import load_config

TOPIC_CASES: list[list[str]] = [[], ["Wartezeit"], ["Wartezeit", "Sauberkeit", "Preis", "Lärm"]]
LANGS = ("de", "en")


def every_builtin_draft() -> list[tuple[DraftRequest, str]]:
    env = make_reply_environment()
    out = []
    for kind in KINDS:
        for lang in LANGS:
            for topics in TOPIC_CASES:
                request = DraftRequest("Café Sonne", kind, "Tel. 030 123456", lang, topics)
                out.append((request, draft_reply(request, env)))
    return out


def test_every_builtin_draft_keeps_every_rule() -> None:
    drafts = every_builtin_draft()
    assert len(drafts) == len(KINDS) * 2 * 3
    for request, draft in drafts:
        assert draft_problems(draft, request.kind) == [], (request, draft)
        lowered = draft.lower()
        for phrases in RULES.values():
            assert not [p for p in phrases if p in lowered and p != "%"], (request, draft)


def test_draft_thanks_offers_a_talk_and_is_signed() -> None:
    for request, draft in every_builtin_draft():
        thanks = "vielen dank" if request.language == "de" else "thank you"
        assert thanks in draft.lower()
        assert draft.rstrip().endswith("Café Sonne\nTel. 030 123456"), draft
        offer = "direkt" if request.language == "de" else "directly"
        assert offer in draft


def test_german_drafts_use_the_sie_form() -> None:
    du = re.compile(r"\b(du|dich|dir|dein\w*|euch|euer|eure\w*)\b", re.IGNORECASE)
    for request, draft in every_builtin_draft():
        if request.language == "de":
            assert "Sie" in draft and "Ihre" in draft
            assert not du.search(draft), draft


def test_topics_are_taken_up_by_name_at_most_three() -> None:
    de = draft_reply(DraftRequest("Café Sonne", "gastronomie", topics=["Wartezeit", "Preis"]))
    assert "Ihre Hinweise zu Wartezeit und Preis nehmen wir ernst" in de
    en = draft_reply(DraftRequest("Café Sonne", "hotel", language="en", topics=["noise"]))
    assert "your comments on noise seriously" in en
    many = draft_reply(DraftRequest("X", "handel", topics=["A", "B", "C", "Lärm", "A"]))
    assert "zu A, B und C nehmen" in many and "Lärm" not in many
    none = draft_reply(DraftRequest("X", "handel"))
    assert "Ihre Hinweise nehmen wir ernst" in none


def test_a_practice_never_confirms_a_patient() -> None:
    for request, draft in every_builtin_draft():
        if request.kind != "praxis":
            continue
        if request.language == "de":
            assert SECRECY_DE in draft
        else:
            assert "medical confidentiality we cannot comment on individual cases" in draft
        assert not [p for p in PRAXIS_PHRASES if p in draft.lower()], draft
        assert "Es tut uns leid, dass Sie" not in draft  # would imply the reviewer was there


def test_the_checks_catch_a_draft_that_breaks_the_rules() -> None:
    bad = (
        "Das war unser Fehler, als Entschuldigung erhalten Sie 10% Rabatt bei Ihrem nächsten"
        " Besuch. Ihre Behandlung war korrekt."
    )
    problems = draft_problems(bad, "praxis")
    assert [p.split(" (")[0] for p in problems] == [
        "admits liability",
        "promises a discount",
        "confirms a patient",
    ]
    assert "'ihre behandlung'" in problems[2]
    assert draft_problems("We offer a full refund and apologise, it was our fault.", "hotel")
    assert draft_problems("Reliable, careful work.", "handwerk") == []


def test_the_draft_never_gets_the_reviewers_name_or_words() -> None:
    """The template context has no review: nothing of the reviewer can be echoed."""
    assert {f.name for f in fields(DraftRequest)} == {
        "business",
        "kind",
        "contact",
        "language",
        "topics",
    }


@pytest.mark.parametrize("expression", ["author", "review.text", "text", "reviewer"])
def test_an_operator_template_cannot_reach_the_review(tmp_path: Path, expression: str) -> None:
    (tmp_path / "praxis.de.txt.j2").write_text(f"Guten Tag {{{{ {expression} }}}},\n")
    env = make_reply_environment(tmp_path)
    with pytest.raises(ReplyTemplateError, match=r"template praxis\.de\.txt\.j2: .*undefined"):
        draft_reply(DraftRequest("Praxis Dr. Muster", "praxis"), env)


def test_operator_templates_override_per_kind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "gastronomie.de.txt.j2").write_text(
        '{% extends "base.de.txt.j2" %}\n'
        "{% block offer %}Rufen Sie uns an, wir laden Sie auf ein kostenloses Essen ein."
        "{% endblock %}\n"
    )
    env = make_reply_environment(tmp_path)
    with caplog.at_level(logging.WARNING, logger="alerts.replies"):
        own = draft_reply(DraftRequest("Café Sonne", "gastronomie", "Tel. 1"), env)
        builtin = draft_reply(DraftRequest("Café Sonne", "hotel", "Tel. 1"), env)
    assert "Rufen Sie uns an" in own and own.rstrip().endswith("Café Sonne\nTel. 1")
    assert "Team im Haus" in builtin
    assert [r.getMessage() for r in caplog.records] == [
        "reply template gastronomie.de.txt.j2: the draft promises a discount ('kostenlos')"
    ]


def test_without_a_contact_line_the_signature_is_the_name() -> None:
    draft = draft_reply(DraftRequest("Malerbetrieb Kunz", "handwerk"))
    assert draft.endswith("Mit freundlichen Grüßen\nMalerbetrieb Kunz\n")


BUSINESS = """
businesses:
  - name: Praxis Dr. Muster
    owner_emails: [praxis@example.de]
"""


def test_config_kind_contact_and_template_dir(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BUSINESS + "    kind: arztpraxis\n    reply_templates: vorlagen\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert info.value.problems == [
        f"{path}: businesses[0].kind: expected 'praxis', 'gastronomie', 'hotel', 'handwerk',"
        " 'handel' or 'dienstleistung', got 'arztpraxis'"
    ]
    path.write_text(BUSINESS + "    kind: praxis\n    reply_templates: vorlagen\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert info.value.problems == [
        f"{path}: businesses[0].reply_templates: directory {tmp_path / 'vorlagen'} not found;"
        " create it or remove the key to use the built-in reply templates"
    ]
    (tmp_path / "vorlagen").mkdir()
    config = load_config(path, {})
    business = config.businesses[0]
    assert (business.kind, business.contact) == ("praxis", "")
    assert config.reply_template_dir(business) == tmp_path / "vorlagen"
