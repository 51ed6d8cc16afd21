"""Long outages, give-ups and crashes mid-send against a real SMTP server: nothing is lost."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.mail import SmtpMailer
from alerts.message import message_id
from alerts.sending import SendPolicy, build, claim, send_due
from leumund.cli import main
from storage.db import session_scope
from storage.models import Notification, utcnow
from storage.outbox import counts_by_business, counts_by_status, due
from tests.smtp_server import SmtpServer, closed_port
from tests.test_alerts_cli import smtp_section, write_config
from tests.test_alerts_decide import (
    NOW,
    OWNER,
    RENDERER,
    add_review,
    installation,
    outbox,
    policy,
    seed,
)

DEFAULTS = SendPolicy()  # 6 attempts, backoff from 60 s: the settings that used to lose alerts


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def mailer(server: SmtpServer) -> SmtpMailer:
    return SmtpMailer(host=server.host, port=server.port, security="none", timeout=5)


def _alerts(engine: Engine, count: int, now: datetime = NOW) -> None:
    source = seed(engine)
    for i in range(count):
        add_review(engine, source, platform_id=f"o{i}", rating=1.0, text=f"Ausfall Nr. {i}")
    assert decide_alerts(engine, policy(), now).alerts == count


def test_an_outage_of_six_hours_loses_no_alert_and_sends_each_once(engine: Engine) -> None:
    _alerts(engine, 3)
    server = SmtpServer()  # port reserved, nothing listening: the server is down
    when = NOW
    for _ in range(24):  # a send every 15 minutes for 6 hours
        assert send_due(engine, mailer(server), RENDERER, when, DEFAULTS).sent == 0
        when += timedelta(minutes=15)
    rows = outbox(engine)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}
    assert all("onnection refused" in (r.last_error or "") for r in rows)
    waits = [r.next_attempt_at - when for r in rows if r.next_attempt_at is not None]
    assert len(waits) == 3 and max(waits) <= DEFAULTS.outage_cap  # backoff is capped
    back = when + DEFAULTS.outage_cap
    with server:
        assert send_due(engine, mailer(server), RENDERER, back, DEFAULTS).sent == 3
        for hours in (1, 24):
            later = back + timedelta(hours=hours)
            assert send_due(engine, mailer(server), RENDERER, later, DEFAULTS).sent == 0
        bodies = sorted(m.get_body(("plain",)).get_content() for m in server.messages)  # type: ignore[union-attr]
    assert len(bodies) == 3
    assert all(f"Ausfall Nr. {i}" in bodies[i] for i in range(3))
    assert {(r.status, r.attempts, r.last_error) for r in outbox(engine)} == {("sent", 1, None)}


def test_outage_backoff_doubles_then_stays_at_the_cap(engine: Engine) -> None:
    _alerts(engine, 1)
    down = SmtpMailer(host="127.0.0.1", port=closed_port(), security="none", timeout=5)
    when, waits = NOW, []
    for _ in range(10):
        send_due(engine, down, RENDERER, when, DEFAULTS)
        [row] = outbox(engine)
        assert row.next_attempt_at is not None and row.attempts == 0
        waits.append(int((row.next_attempt_at - when).total_seconds()))
        when = row.next_attempt_at
    assert waits == [60, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_retry_failed_requeues_given_up_rows_and_they_go_out(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    now = utcnow()  # the CLI sends with the real clock
    _alerts(engine, 2, now)
    once = SendPolicy(max_attempts=1)
    with SmtpServer(refuse_first=2, refuse_code=554) as server:
        assert send_due(engine, mailer(server), RENDERER, now, once).failed == 2
        config = write_config(tmp_path, smtp_section(server.port))
        text = config.read_text(encoding="utf-8").replace("sqlite:///leumund.db", url)
        config.write_text(text, encoding="utf-8")
        assert main(["alerts", "retry-failed", "-c", str(config)]) == 0
        assert main(["alerts", "retry-failed", "-c", str(config)]) == 0
        assert {(r.status, r.attempts) for r in outbox(engine)} == {("pending", 0)}
        assert all("554" in (r.last_error or "") for r in outbox(engine))  # reason is kept
        assert main(["alerts", "send", "-c", str(config)]) == 0
        assert len(server.messages) == 2
    assert capsys.readouterr().out.splitlines()[:2] == [
        "2 failed notifications re-queued; they go out with the next send",
        "0 failed notifications re-queued; they go out with the next send",
    ]
    assert {r.status for r in outbox(engine)} == {"sent"}


def test_killed_after_the_server_accepted_resends_with_the_same_message_id(
    engine: Engine,
) -> None:
    """At-least-once: sent, then killed before mark_sent; the lease expires; sent again."""
    _alerts(engine, 1)
    with SmtpServer() as server:
        with session_scope(engine) as session:
            rows = due(session, NOW)
        assert claim(engine, rows, NOW, DEFAULTS.lease) == [rows[0].id]
        accepted = build(RENDERER, rows, NOW, installation(engine))
        mailer(server).send(accepted)  # accepted ... and the process dies
        soon = NOW + timedelta(minutes=1)
        assert send_due(engine, mailer(server), RENDERER, soon, DEFAULTS).sent == 0
        after = NOW + DEFAULTS.lease
        assert send_due(engine, mailer(server), RENDERER, after, DEFAULTS).sent == 1
        assert (
            send_due(engine, mailer(server), RENDERER, after + DEFAULTS.lease, DEFAULTS).sent == 0
        )
        first, second = server.messages
    [row] = outbox(engine)
    key = f"alert:{row.review_id}:{OWNER}"
    expected = message_id(key, RENDERER.sender, installation(engine))
    assert first["Message-ID"] == second["Message-ID"] == expected
    assert (row.status, row.attempts) == ("sent", 1)


def test_due_finds_due_rows_behind_more_than_limit_rows_in_backoff(engine: Engine) -> None:
    with session_scope(engine) as session:
        for i in range(12):
            session.add(
                Notification(
                    kind="alert",
                    dedup_key=f"wait:{i}",
                    recipient=OWNER,
                    payload={},
                    send_after=NOW,
                    next_attempt_at=NOW + timedelta(hours=1),
                )
            )
        for i in range(2):
            session.add(
                Notification(
                    kind="alert",
                    dedup_key=f"due:{i}",
                    recipient=OWNER,
                    payload={},
                    send_after=NOW,
                    next_attempt_at=NOW if i else None,
                )
            )
    with session_scope(engine) as session:
        found = due(session, NOW, limit=5)
        assert [n.dedup_key for n in found] == ["due:0", "due:1"]
        assert len(due(session, NOW + timedelta(hours=1), limit=5)) == 5


def test_counts_per_status_and_per_business_come_from_one_grouped_query(engine: Engine) -> None:
    _alerts(engine, 3)
    with session_scope(engine) as session:
        later = NOW + timedelta(days=1)  # not due yet: stays pending
        session.add(
            Notification(
                kind="health", dedup_key="op", recipient=OWNER, payload={}, send_after=later
            )
        )
    with SmtpServer(refuse_first=1, refuse_code=554) as server:
        send_due(engine, mailer(server), RENDERER, NOW, SendPolicy(max_attempts=1))
    business_id = outbox(engine)[0].business_id
    with session_scope(engine) as session:
        assert counts_by_status(session) == {"failed": 1, "sent": 2, "pending": 1}
        assert counts_by_status(session, business_id) == {"failed": 1, "sent": 2}
        assert counts_by_business(session) == {
            business_id: {"failed": 1, "sent": 2},
            None: {"pending": 1},
        }
