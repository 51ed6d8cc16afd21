"""Review text in mail bodies: NUL and bidi overrides never reach the text or the HTML part."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.message import body_text
from alerts.report.render import render_report
from alerts.sending import send_due
from alerts.templating import make_environment
from storage.db import session_scope
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import NOW, RENDERER, add_review, policy, seed
from tests.test_alerts_delivery import POLICY, mailer, parts
from tests.test_report_data import WEEK_END, Seeded, add_business, report_for, review

# U+202E RIGHT-TO-LEFT OVERRIDE shows the logical "!tug rhes" as "sehr gut!".
REVERSED = "Mein Fazit: \u202e!tug rhes\u202c Ende."
UNSAFE = re.compile(r"[\x00\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def nul(engine: Engine) -> str:
    """A NUL where the database can store one (PostgreSQL text cannot hold it at all)."""
    return "\x00" if engine.dialect.name == "sqlite" else ""


def test_body_text_keeps_line_breaks_and_drops_overrides() -> None:
    text = "Zeile 1\r\nZeile 2\rZeile 3\u2028\x00\u2066isoliert\u2069\tTab \u202dLRO\u202c"
    assert body_text(text) == "Zeile 1\nZeile 2\nZeile 3\nisoliert\tTab LRO"
    assert body_text("الخبز \u200fجيد") == "الخبز \u200fجيد"  # marks and RTL script stay


def test_an_override_cannot_turn_a_complaint_into_praise_in_an_alert(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0, text=f"Kalt{nul(engine)} und teuer. {REVERSED}",
               title="\u2067Titel\u2069", author="Eve\u202e")  # fmt: skip
    decide_alerts(engine, policy(), NOW)
    with SmtpServer() as server:
        assert send_due(engine, mailer(server), RENDERER, NOW, POLICY).sent == 1
        [message] = server.messages
    for part in parts(message):
        assert not UNSAFE.search(part)
        assert "Mein Fazit: !tug rhes Ende." in part and "Kalt und teuer." in part
        assert "sehr gut" not in part


def test_an_override_cannot_turn_a_complaint_into_praise_in_the_report(engine: Engine) -> None:
    with session_scope(engine) as session:
        business, sources = add_business(session, "Café Umkehr", {"tp": "trustpilot"})
        seeded = Seeded(business, sources)
        when = WEEK_END - timedelta(days=2)
        text = f"Nie\u2066 wieder. {REVERSED}"  # (SQLite's substr stops at a NUL: none here)
        session.add(review(seeded, "tp", 1, rating=1.0, text=text, title="Titel\u202e",
                           published_at=when))  # fmt: skip
    report = report_for(engine, seeded)
    [line] = report.negative
    rendered = render_report(make_environment(), report)
    for part in (rendered.text, rendered.html):
        assert not UNSAFE.search(part)
        assert "Nie wieder. Mein Fazit: !tug rhes Ende." in part
    assert line.title == "Titel"
