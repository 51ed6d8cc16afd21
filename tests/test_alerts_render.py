"""Rendering: hostile review text stays text, headers stay headers, every email reads right."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.payloads import (
    AlertPayload,
    BacklogPayload,
    PlatformCount,
    ReviewSnapshot,
    SourceStatusPayload,
)
from alerts.policy import AlertPolicy
from alerts.render import Envelope, Renderer
from alerts.sending import send_due
from alerts.settings import AlertRules
from storage.db import session_scope
from storage.models import Source
from tests.factories import make_business_and_source
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import NOW, OWNER, RENDERER, add_review, outbox, rendered
from tests.test_alerts_delivery import POLICY, links, mailer, parts

EVIL_BUSINESS = "Café 😀\r\nBcc: victim@example.test"
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"
ARABIC = "الخبز كان سيئا جدا"
HEBREW = "הלחם היה רע מאוד"


def _seed_evil(engine: Engine) -> int:
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, EVIL_BUSINESS)
        source.first_crawl_at = NOW - timedelta(days=30)
        assert source.id is not None
        return source.id


def _evil_policy() -> dict[str, AlertPolicy]:
    return {EVIL_BUSINESS: AlertPolicy(EVIL_BUSINESS, AlertRules(), (OWNER,))}


def test_hostile_review_renders_safely_end_to_end(engine: Engine) -> None:
    source = _seed_evil(engine)
    long_text = f"{SCRIPT} 😡🍞 {ARABIC} {HEBREW} " + "Sehr schlecht. " * 7000  # ~100 KB
    add_review(
        engine, source, rating=1.0, text=long_text,
        author=f"Eve\r\nBcc: victim@example.test\u202e{SCRIPT}" + "X" * 50_000,
        title="Übel\nX-Injected: yes", url="https://example.test/r/1",
    )  # fmt: skip
    decide_alerts(engine, _evil_policy(), NOW)
    with SmtpServer() as server:
        assert send_due(engine, mailer(server), RENDERER, NOW, POLICY).sent == 1
        [got] = server.received
    header_block = got.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert not re.search(r"(?im)^(bcc|x-injected):", header_block)
    assert got.rcpt_tos == [OWNER]
    message = got.message
    assert message.get_all("To") == [OWNER]
    subject = "⚠ Neue 1-Sterne-Bewertung auf Trustpilot – Café 😀 Bcc: victim@example.test"
    assert message["Subject"] == subject
    plain, html = parts(message)
    assert len(got.raw) < 40_000
    assert "<script" not in html and "<img" not in html
    assert not re.search(r"<[^>]*onerror", html)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    for text in (plain, html):
        assert "😡🍞" in text and ARABIC in text and HEBREW in text
        assert "Sehr schlecht." in text and text.count("Sehr schlecht.") < 200
        assert "\u202e" not in text
    assert "gekürzt" in plain and "https://example.test/r/1" in plain
    assert any(href == "https://example.test/r/1" for _, href in links(html))
    quote = re.search(r'<div dir="auto"[^>]*>(.*?)</div>', html, re.S)
    assert quote is not None and ARABIC in quote.group(1)
    assert re.search(r'<strong dir="auto"[^>]*>Eve Bcc: victim@example.test ?&lt;script', html)
    assert "Bcc: victim@example.test" in plain  # shown as text on one line, harmless


def test_dangerous_links_become_no_links(engine: Engine) -> None:
    source = _seed_evil(engine)
    add_review(engine, source, rating=1.0, url="javascript:alert(document.cookie)")
    with session_scope(engine) as session:
        stored = session.get(Source, source)
        assert stored is not None
        stored.url = "data:text/html,<b>x</b>"
        stored.type = "schema_org"  # answered on the site itself: at its (dangerous) URL
    decide_alerts(engine, _evil_policy(), NOW)
    [row] = outbox(engine)
    _, html = parts(rendered(engine, row))
    assert links(html) == []
    assert "javascript:" not in html and "Jetzt antworten" not in html


def _alert(language: str = "en", **fields: object) -> AlertPayload:
    review: dict[str, object] = {
        "review_id": 1,
        "platform": "google_places",
        "source": "google",
        "author": "Sam",
        "rating": None,
        "text": "Waited two hours, rude staff.",
        "published_at": "2026-11-20T23:30:00+00:00",
        "url": "https://maps.example.test/r/9",
        "rules": [{"rule": "negative", "threshold": 0.8, "value": 0.9}],
        "sentiment": "negative",
        "negative_probability": 0.9,
    }
    return AlertPayload(
        business="Dental Practice",
        language=language,
        review=ReviewSnapshot.model_validate(review | fields),
    )


def envelope(recipient: str = OWNER, key: str = "alert:1:owner") -> Envelope:
    return Envelope(recipient, key, NOW, "0123456789abcdef")


def test_english_alert_without_stars() -> None:
    message = RENDERER.alert(_alert(), envelope())
    assert message["Subject"] == "⚠ New critical review on Google – Dental Practice"
    assert message["Content-Language"] == "en"
    plain, html = parts(message)
    for text in (plain, html):
        assert "no stars" in text and "★" not in text
        assert "21 Nov 2026" in text  # 23:30 UTC is already the 21st in Berlin
        assert "Text classified as negative (90% confident, threshold 80%)" in text
        assert "Sentiment:" not in text  # the rule above says it, with the same number
    assert ("Reply now", "https://maps.example.test/r/9") in links(html)


def test_a_grade_is_shown_as_the_portal_gave_it_beside_the_stars() -> None:
    graded = _alert("de", rating=1.8, rating_raw=5.0, rating_scale="6-1")
    for text in parts(RENDERER.alert(graded, envelope())):
        assert "1,8 Sterne (Note 5)" in text
    starred = _alert("de", rating=2.0, rating_raw=2.0, rating_scale="1-5")
    for text in parts(RENDERER.alert(starred, envelope())):
        assert "2 Sterne" in text and "(Note" not in text and "/5" not in text


def test_edited_and_pending_sentiment_are_shown() -> None:
    payload = _alert("de", review_version=2, sentiment=None, negative_probability=None,
                     rating=2.0, rules=[{"rule": "keyword", "keyword": "Hygiene"}])  # fmt: skip
    plain, html = parts(RENDERER.alert(payload, envelope()))
    for text in (plain, html):
        assert "nachträglich geändert" in text
        assert "Stimmung" not in text  # not classified yet: nothing to tell
        assert "Stichwort „Hygiene“ im Text" in text


def test_backlog_summary_lists_counts_average_and_newest_critical() -> None:
    critical = [_alert("de", rating=1.0, author=f"Kunde {i}").review for i in range(5)]
    payload = BacklogPayload(
        business="Bäckerei Beispiel", count=42, average=4.25, critical_count=7,
        critical=tuple(critical),
        platforms=(
            PlatformCount(platform="trustpilot", source="tp", count=30, average=4.5),
            PlatformCount(platform="google_places", source="g", count=12, average=None),
        ),
    )  # fmt: skip
    message = RENDERER.backlog(payload, envelope(key="backlog:1:1:o"))
    assert message["Subject"] == "Leumund überwacht jetzt Google, Trustpilot – Bäckerei Beispiel"
    plain, html = parts(message)
    for text in (plain, html):
        assert "42 bestehende Bewertungen" in text and "4,3 Sterne" in text
        assert "Davon 7 kritisch" in text and "… und 2 weitere." in text
        assert all(f"Kunde {i}" in text for i in range(5))


def _status(kind: str, error: str | None, failures: int) -> SourceStatusPayload:
    return SourceStatusPayload.model_validate(
        {"kind": kind, "business": "Bäckerei Beispiel", "source": "tp", "platform": "trustpilot",
         "since": datetime(2026, 11, 20, 5, 0, tzinfo=UTC), "failures": failures, "error": error}
    )  # fmt: skip


def test_source_status_emails_for_the_operator() -> None:
    renderer = Renderer("Leumund <ops@example.test>")
    broken_payload = _status("source_broken", "HTTP 403 Forbidden\nat page 1", 3)
    broken = renderer.render(broken_payload, envelope("it@example.test", "source_broken:1:x"))
    assert broken["Subject"] == "Leumund: Quelle „tp“ von Bäckerei Beispiel funktioniert nicht"
    assert broken["To"] == "it@example.test" and broken["From"] == "Leumund <ops@example.test>"
    plain, html = parts(broken)
    for text in (plain, html):
        assert "seit 20.11.2026, 06:00 Uhr fehl (3 Versuche in Folge)" in text
        assert "HTTP 403 Forbidden at page 1" in text
    recovered_payload = _status("source_recovered", None, 0)
    recovered = renderer.render(recovered_payload, envelope("it@example.test", "source_rec:1:x"))
    assert recovered["Subject"] == "Leumund: Quelle „tp“ von Bäckerei Beispiel funktioniert wieder"
    assert recovered["Message-ID"] != broken["Message-ID"]
    assert "Letzter Fehler" not in parts(recovered)[0]


def test_test_email_names_the_backend() -> None:
    message = Renderer("Leumund <l@example.test>").test("me@example.test", "smtp x:587", NOW)
    plain, html = parts(message)
    assert message["Subject"] == "Leumund: Test-E-Mail"
    assert "23.11.2026, 11:00 Uhr" in plain and "„smtp x:587“" in html
