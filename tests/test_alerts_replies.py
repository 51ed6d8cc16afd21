"""Reply drafts: one per business kind and language, and the rules a lawyer insists on."""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.legacy import legacy_alert
from alerts.payloads import AlertPayload
from alerts.render import Envelope, Renderer
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
from leumund.jobs.alerts import alert_policies
from leumund.loading import load_config
from tests.test_alerts_delivery import links, parts

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


NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _old_alert_payload(**fields: object) -> dict[str, object]:
    """An alert payload in the untyped format of 0.x, as still found in an outbox."""
    base: dict[str, object] = {
        "business": "Praxis <Dr.> Muster",
        "language": "de",
        "timezone": "Europe/Berlin",
        "review_id": 42,
        "version": 1,
        "platform": "trustpilot",
        "source": "tp",
        "author": "Erika Mustermann",
        "rating": 1.0,
        "title": "",
        "text": "Nach der Wurzelbehandlung hatte ich Schmerzen.",
        "truncated": False,
        "published_at": "2026-11-20T09:30:00+00:00",
        "url": "https://de.trustpilot.com/reviews/abc",
        "rules": [{"rule": "stars", "threshold": 2.0, "value": 1.0}],
        "sentiment": "negative",
        "negative_probability": 0.9,
    }
    return base | fields


def _alert_payload(review_id: int = 42, **fields: object) -> AlertPayload:
    review = legacy_alert(_old_alert_payload(review_id=review_id)).review
    base: dict[str, object] = {
        "business": "Praxis <Dr.> Muster",
        "review": review,
        "reply_draft": draft_reply(DraftRequest("Praxis <Dr.> Muster", "praxis", "Tel. 1")),
        "answer_url": "https://businessapp.b2b.trustpilot.com/reviews/abc",
    }
    return AlertPayload.model_validate(base | fields)


def _envelope(key: str) -> Envelope:
    return Envelope("praxis@example.test", key, NOW, "0123456789abcdef")


def test_alert_and_digest_show_the_draft_the_answer_link_and_the_id() -> None:
    renderer = Renderer("Leumund <l@example.test>")
    alert = renderer.alert(_alert_payload(), _envelope("alert:42:p"))
    plain, html = parts(alert)
    assert "Antwortvorschlag" in plain and SECRECY_DE in plain
    assert "Bewertungs-Nr. in Leumund: 42" in plain and "Bewertungs-Nr. in Leumund: 42" in html
    assert "Praxis &lt;Dr.&gt; Muster" in html and "Praxis <Dr.> Muster" not in html
    assert ("Jetzt antworten", "https://businessapp.b2b.trustpilot.com/reviews/abc") in links(html)
    assert ("Bewertung ansehen", "https://de.trustpilot.com/reviews/abc") in links(html)
    payloads = [_alert_payload(review_id=42), _alert_payload(review_id=43, reply_draft="")]
    digest = renderer.digest(payloads, _envelope("digest:p"))
    plain, html = parts(digest)
    assert plain.count(SECRECY_DE) == 1 and html.count(SECRECY_DE) == 1
    assert "Bewertungs-Nr. in Leumund: 43" in plain
    old = legacy_alert(_old_alert_payload())  # queued before this release: renders as before
    plain, _ = parts(renderer.alert(old, _envelope("alert:42:p")))
    assert "Antwortvorschlag" not in plain
    assert "Jetzt antworten: https://de.trustpilot.com/reviews/abc" in plain


def test_a_broken_operator_template_costs_the_draft_not_the_alert(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "vorlagen").mkdir()
    (tmp_path / "vorlagen" / "praxis.de.txt.j2").write_text("Hallo {{ author }}\n")
    path = tmp_path / "config.yaml"
    path.write_text(BUSINESS + "    kind: praxis\n    reply_templates: vorlagen\n")
    config = load_config(path, {})
    with caplog.at_level(logging.ERROR, logger="leumund.jobs.alerts"):
        policy = alert_policies(config)["Praxis Dr. Muster"]
    assert policy.reply_draft == ""
    assert [r.getMessage() for r in caplog.records] == [
        "business 'Praxis Dr. Muster': alerts go out without a reply draft: reply template"
        " praxis.de.txt.j2: 'author' is undefined"
    ]
