"""Alerts to Apprise channels, against a real HTTP receiver on 127.0.0.1: what arrives, once."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alerts.channels import idempotency_key
from leumund.jobs.alerts import decide_alerts, send_due
from tests.channel_support import (
    FORM,
    HOOK,
    TOKEN,
    form_body,
    form_url,
    json_body,
    json_url,
    make_parts,
    posted,
)
from tests.httpserver import LocalServer, Reply
from tests.smtp_server import closed_port
from tests.test_alerts_decide import NOW, OWNER, add_review, installation, outbox, seed

HOSTILE = (
    "<script>alert(1)</script> **fett** [klick](javascript:x) \u202eevil\u202c\r\nZweite Zeile "
    + "wort " * 100
)
DASHBOARD = "https://leumund.example.de"


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


@pytest.fixture
def server() -> LocalServer:
    with LocalServer() as running:
        running.script(HOOK, Reply(body="ok"))
        running.script(FORM, Reply(body="ok"))
        yield running


def _one_critical(engine: Engine, **fields: object) -> int:
    source = seed(engine)
    values = {"rating": 1.0, "author": "Max\nMuster <b>x</b>", "text": HOSTILE} | fields
    return add_review(engine, source, **values)


def test_an_alert_reaches_json_and_form_with_stars_author_cut_text_and_dashboard_link(
    engine: Engine, server: LocalServer, tmp_path: Path
) -> None:
    parts = make_parts(
        tmp_path, engine, [json_url(server), form_url(server)], web={"base_url": DASHBOARD}
    )
    review_id = _one_critical(engine)
    assert decide_alerts(parts, NOW) == 3  # the owner's email and one row per channel
    summary = send_due(parts, NOW)
    assert (summary.emails, summary.channel_messages, summary.sent) == (1, 2, 3)
    [hook], [form] = posted(server, HOOK), posted(server, FORM)
    for message in (json_body(hook)["message"], form_body(form)["message"]):
        lines = message.split("\n")
        assert lines[0] == "⚠ Neue 1-Sterne-Bewertung auf Trustpilot – Bäckerei Beispiel"
        assert lines[1] == "Bäckerei Beispiel · Trustpilot"
        assert lines[2] == "★☆☆☆☆ 1 Stern"
        # the author's line break cannot forge a line; the bidi override is gone
        assert lines[3].startswith("Max Muster <b>x</b>: „<script>alert(1)</script> **fett**")
        assert "\u202e" not in message and "evil" in lines[3]
        quoted = message[message.index("„") + 1 : message.index("“")]
        assert len(quoted) <= 302 and quoted.endswith(" …")  # cut to 300 at a word
        assert lines[-1] == f"Zur Bewertung: {DASHBOARD}/r/{review_id}"
    rows = {r.recipient: r for r in outbox(engine)}
    assert {r.status for r in rows.values()} == {"sent"}
    hook_row = next(r for name, r in rows.items() if name != OWNER and r.id == 2)
    key = idempotency_key([hook_row], installation(engine))
    assert hook.headers["idempotency-key"] == json_body(hook)["idempotency_key"] == key


def test_html_and_markdown_channels_get_the_review_escaped_and_the_platform_link(
    engine: Engine, server: LocalServer, tmp_path: Path
) -> None:
    """No dashboard: the link is the review's own page; markup from a review stays text."""
    port = server.httpd.server_address[1]
    server.script("/html", Reply(body="ok"))
    server.script("/md", Reply(body="ok"))
    urls = [
        f"json://127.0.0.1:{port}/html?format=html",
        f"json://127.0.0.1:{port}/md?format=markdown",
    ]
    parts = make_parts(tmp_path, engine, urls, business={"language": "en"})
    _one_critical(engine, url="https://example.test/review/r1?a=1&b=<2>")
    decide_alerts(parts, NOW)
    send_due(parts, NOW)
    html = json_body(posted(server, "/html")[0])["message"]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Max Muster &lt;b&gt;x&lt;/b&gt;" in html and "★☆☆☆☆ 1 star" in html
    link = "https://example.test/review/r1?a=1&amp;b=&lt;2&gt;"
    assert html.endswith(f'View review: <a href="{link}">{link}</a>')
    markdown = json_body(posted(server, "/md")[0])["message"]
    assert r"\[klick\]\(javascript:x\)" in markdown and r"\*\*fett\*\*" in markdown
    assert "[klick](javascript" not in markdown


def test_the_secret_is_in_no_log_line_and_no_database_row(
    engine: Engine, server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Apprise logs whole URLs at debug level, and the failure's socket error too."""
    for name in ("", "apprise", "urllib3"):  # `leumund` sets the last two to WARNING
        caplog.set_level(logging.DEBUG, logger=name)
    server.script(HOOK, Reply(status=503, body=f"down {TOKEN}"), Reply(body="ok"))
    parts = make_parts(tmp_path, engine, [json_url(server)])
    _one_critical(engine)
    decide_alerts(parts, NOW)
    assert send_due(parts, NOW).retrying == 1
    assert send_due(parts, NOW + timedelta(hours=2)).channel_messages == 1
    assert len(posted(server, HOOK)) == 2  # the secret did reach the receiver, in the path
    assert "JSON POST URL" in caplog.text  # Apprise's debug lines were there to leak it
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(parts.channels)  # nor in a traceback's locals
    for row in outbox(engine):
        assert TOKEN not in repr(row.model_dump())
        assert "${HOOK_TOKEN}" not in repr(row.model_dump())


def test_an_outage_of_the_receiver_loses_nothing_and_delivers_once(
    engine: Engine, server: LocalServer, tmp_path: Path
) -> None:
    server.script(HOOK, *[Reply(status=503)] * 5, Reply(body="ok"))
    parts = make_parts(tmp_path, engine, [json_url(server)])
    _one_critical(engine)
    decide_alerts(parts, NOW)
    when = NOW
    for _ in range(40):  # a send every 15 minutes for 10 hours
        send_due(parts, when)
        when += timedelta(minutes=15)
    hits = posted(server, HOOK)
    assert len(hits) == 6  # five refusals with growing pauses, then the one delivery
    assert len({hit.headers["idempotency-key"] for hit in hits}) == 1
    [row] = [r for r in outbox(engine) if r.recipient.startswith("channel:")]
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)


def test_a_failing_channel_holds_back_neither_the_others_nor_the_mail(
    engine: Engine, server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = f"json://127.0.0.1:{closed_port()}/hook"
    parts = make_parts(tmp_path, engine, [down, json_url(server)])
    source = seed(engine)
    for i in range(2):
        add_review(engine, source, platform_id=f"r{i}", rating=1.0, text=f"Schlecht {i}")
    assert decide_alerts(parts, NOW) == 6
    summary = send_due(parts, NOW)
    assert (summary.emails, summary.channel_messages) == (2, 2)
    assert len(posted(server, HOOK)) == 2
    assert summary.retrying == 2  # one tried, the other postponed with it, untried
    waiting = [r for r in outbox(engine) if r.status == "pending"]
    assert len(waiting) == 2 and len({r.last_error for r in waiting}) == 1
    assert re.match(r"json://127\.0\.0\.1:\d+: .*onnection", waiting[0].last_error or "")
    assert "not delivered for now" in caplog.text


def test_a_row_whose_channel_left_the_config_fails_with_the_reason(
    engine: Engine, server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    parts = make_parts(tmp_path, engine, [json_url(server)])
    _one_critical(engine)
    decide_alerts(parts, NOW)
    later = make_parts(tmp_path, engine, [])
    assert send_due(later, NOW).failed == 1
    [row] = [r for r in outbox(engine) if r.recipient.startswith("channel:")]
    assert row.status == "failed" and "no longer in config.yaml" in (row.last_error or "")
    assert "failed for good" in caplog.text and row.recipient in caplog.text
    assert send_due(later, NOW + timedelta(days=1)).sent == 0  # not retried
    assert posted(server, HOOK) == []


def test_a_digest_business_gets_one_channel_message_for_its_alerts(
    engine: Engine, server: LocalServer, tmp_path: Path
) -> None:
    business = {"alerts": {"star_threshold": 2, "mode": "digest", "digest_time": "18:00"}}
    parts = make_parts(tmp_path, engine, [json_url(server)], business=business)
    source = seed(engine)
    for i in range(2):
        add_review(engine, source, platform_id=f"d{i}", rating=1.0, text=f"Digest {i}")
    decide_alerts(parts, NOW)
    assert send_due(parts, NOW).sent == 0  # waits for 18:00
    summary = send_due(parts, NOW + timedelta(hours=8))
    assert summary.channel_messages == 1
    [hit] = posted(server, HOOK)
    message = json_body(hit)["message"]
    assert message.startswith("⚠ 2 neue kritische Bewertungen – Bäckerei Beispiel\n")
    assert len(message) < 1700  # the email's text, cut
    assert "Digest 0" in message and "Digest 1" in message
