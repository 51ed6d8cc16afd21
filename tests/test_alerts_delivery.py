"""Sending the outbox through a real SMTP server: refused, down, crashed — each alert once."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Literal

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.mail import SmtpMailer
from alerts.message import message_id
from alerts.sending import SendPolicy, claim, send_due
from alerts.settings import QuietHours
from storage.db import make_engine, session_scope
from storage.models import Notification
from storage.outbox import counts_by_status
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import (
    BUSINESS,
    NOW,
    OWNER,
    RENDERER,
    add_review,
    classify,
    installation,
    outbox,
    policy,
    seed,
)

POLICY = SendPolicy(max_attempts=4, retry_base=timedelta(seconds=60), lease=timedelta(minutes=5))
URL = "https://de.trustpilot.com/reviews/abc123"


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """Every test here runs on SQLite and, where it is reachable, on PostgreSQL."""
    return any_engine


def mailer(server: SmtpServer) -> SmtpMailer:
    return SmtpMailer(host=server.host, port=server.port, security="none", timeout=5)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.strip():
            self.links.append((data.strip(), self._href))
            self._href = None


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def links(html: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _one_alert(engine: Engine) -> int:
    source = seed(engine)
    review = add_review(
        engine, source, rating=1.0, author="Max Kritisch", text="Brötchen steinhart.", url=URL
    )
    classify(engine, review, "negative", 0.96)
    assert decide_alerts(engine, policy(), NOW).alerts == 1
    return review


def test_refusing_server_retries_with_backoff_then_delivers_once(engine: Engine) -> None:
    review = _one_alert(engine)
    with SmtpServer(refuse_first=2, refuse_code=554) as server:
        first = send_due(engine, mailer(server), RENDERER, NOW, POLICY)
        assert (first.retrying, first.sent) == (1, 0)
        [row] = outbox(engine)
        assert row.attempts == 1 and row.status == "pending"
        assert row.last_error == f"127.0.0.1:{server.port}: 554 5.7.1 Message rejected"
        assert row.next_attempt_at == NOW + timedelta(seconds=60)
        assert (
            send_due(engine, mailer(server), RENDERER, NOW + timedelta(seconds=59), POLICY).sent
            == 0
        )
        second = send_due(engine, mailer(server), RENDERER, NOW + timedelta(seconds=60), POLICY)
        assert second.retrying == 1
        assert outbox(engine)[0].next_attempt_at == NOW + timedelta(seconds=60 + 120)
        third = send_due(engine, mailer(server), RENDERER, NOW + timedelta(seconds=180), POLICY)
        assert (third.sent, third.emails) == (1, 1)
        for hours in (1, 24):
            send_due(engine, mailer(server), RENDERER, NOW + timedelta(hours=hours), POLICY)
        [got] = server.received
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert row.sent_at == NOW + timedelta(seconds=180)
    message = got.message
    assert got.rcpt_tos == [OWNER]
    assert message["Subject"] == f"⚠ Neue 1-Sterne-Bewertung auf Trustpilot – {BUSINESS}"
    key = f"alert:{review}:{OWNER}"
    assert message["Message-ID"] == message_id(key, RENDERER.sender, installation(engine))
    plain, html = parts(message)
    for text in (plain, html):
        assert "Max Kritisch" in text and "Brötchen steinhart." in text and "20.11.2026" in text
        assert "Nur 1 Stern (Grenze: 2 Sterne oder weniger)" in text
        assert "Text als negativ erkannt (96\u202f% sicher, Grenze 45\u202f%)" in text
        assert "Stimmung:" not in text and "★☆☆☆☆" in text  # the rule says it already
    assert f"Bewertung ansehen: {URL}" in plain and ("Bewertung ansehen", URL) in links(html)
    answer = "https://businessapp.b2b.trustpilot.com/reviews/r1"
    assert f"Jetzt antworten: {answer}" in plain
    assert ("Jetzt antworten", answer) in links(html)


def test_server_down_then_back_delivers_every_alert_once(engine: Engine) -> None:
    source = seed(engine)
    for i in range(3):
        add_review(engine, source, platform_id=f"r{i}", rating=1.0, text=f"Schlecht Nr. {i}")
    decide_alerts(engine, policy(), NOW)
    server = SmtpServer()  # port reserved, nothing listening yet: the server is down
    down = send_due(engine, mailer(server), RENDERER, NOW, POLICY)
    assert (down.retrying, down.sent) == (1, 0)  # stops at the first: the rest was not tried
    rows = outbox(engine)
    assert [r.attempts for r in rows] == [0, 0, 0]  # an unreachable server costs no attempt
    assert "onnection refused" in (rows[0].last_error or "")
    assert rows[0].next_attempt_at == NOW + POLICY.retry_base
    later = NOW + timedelta(minutes=5)
    with server:
        assert send_due(engine, mailer(server), RENDERER, later, POLICY).sent == 3
        assert (
            send_due(engine, mailer(server), RENDERER, later + timedelta(hours=1), POLICY).sent == 0
        )
        bodies = sorted(parts(m)[0] for m in server.messages)
    assert [b.count("Schlecht Nr.") for b in bodies] == [1, 1, 1]
    assert all(f"Schlecht Nr. {i}" in bodies[i] for i in range(3))
    assert {r.status for r in outbox(engine)} == {"sent"}


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_temporary_refusal_is_retried_like_an_outage(
    engine: Engine, stage: Literal["rcpt", "data"]
) -> None:
    """451 to RCPT TO (or DATA) costs no attempt, however often; the other rows still go."""
    source = seed(engine)
    for i in range(2):
        add_review(engine, source, platform_id=f"t{i}", rating=1.0, text=f"Später Nr. {i}")
    decide_alerts(engine, policy(), NOW)
    refusals = 2 * (POLICY.max_attempts + 1)  # each row refused more often than max_attempts
    with SmtpServer(refuse_first=refusals, refuse_code=451, refuse_at=stage) as server:
        first = send_due(engine, mailer(server), RENDERER, NOW, POLICY)
        assert (first.retrying, first.sent) == (2, 0)  # both tried: the server is up
        when = NOW
        while server.handler.refused < refusals:
            when = min(r.next_attempt_at for r in outbox(engine) if r.next_attempt_at)
            assert send_due(engine, mailer(server), RENDERER, when, POLICY).failed == 0
        rows = outbox(engine)
        assert {(r.status, r.attempts) for r in rows} - {("sent", 1)} == {("pending", 0)}
        assert all(
            "451 4.3.0 Try again later" in (r.last_error or "") for r in rows if r.attempts == 0
        )
        later = when + POLICY.outage_cap
        send_due(engine, mailer(server), RENDERER, later, POLICY)
        bodies = sorted(parts(m)[0] for m in server.messages)
    assert {(r.status, r.attempts) for r in outbox(engine)} == {("sent", 1)}
    assert [sum(f"Später Nr. {i}" in b for b in bodies) for i in range(2)] == [1, 1]


def test_a_permanent_refusal_of_the_recipient_fails_after_max_attempts(engine: Engine) -> None:
    _one_alert(engine)
    when = NOW
    with SmtpServer(refuse_first=100, refuse_code=550, refuse_at="rcpt") as server:
        for _ in range(POLICY.max_attempts):
            send_due(engine, mailer(server), RENDERER, when, POLICY)
            when += timedelta(days=1)
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("failed", POLICY.max_attempts)
    assert "recipient refused" in (row.last_error or "") and "550" in (row.last_error or "")


def test_gives_up_after_max_attempts_and_tells_the_operator(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _one_alert(engine)
    caplog.set_level(logging.WARNING, logger="alerts.sending")
    when = NOW
    with SmtpServer(refuse_first=100, refuse_code=554) as server:
        for _ in range(POLICY.max_attempts):
            send_due(engine, mailer(server), RENDERER, when, POLICY)
            when += timedelta(days=1)
        assert send_due(engine, mailer(server), RENDERER, when, POLICY).sent == 0
        assert server.handler.refused == POLICY.max_attempts and server.received == []
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 4, None)
    assert row.last_error == f"127.0.0.1:{server.port}: 554 5.7.1 Message rejected"
    with session_scope(engine) as session:
        assert counts_by_status(session) == {"failed": 1}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "failed for good after 4 attempts" in errors[0].getMessage()


def test_crash_after_claim_resends_after_the_lease_with_the_same_message_id(
    engine: Engine,
) -> None:
    review = _one_alert(engine)
    rows = outbox(engine)
    assert claim(engine, rows, NOW, POLICY.lease) == [rows[0].id]  # ... and the process dies
    assert claim(engine, rows, NOW, POLICY.lease) == []  # another sender can't take it now
    with SmtpServer() as server:
        assert (
            send_due(engine, mailer(server), RENDERER, NOW + timedelta(minutes=1), POLICY).skipped
            == 0
        )
        assert server.received == []
        done = send_due(engine, mailer(server), RENDERER, NOW + POLICY.lease, POLICY)
        assert done.sent == 1
        [message] = server.messages
    key = f"alert:{review}:{OWNER}"
    assert message["Message-ID"] == message_id(key, RENDERER.sender, installation(engine))


def test_digest_groups_due_rows_per_recipient_into_one_email(engine: Engine) -> None:
    source = seed(engine)
    rules = policy(mode="digest", digest_time=time(18, 0), recipients=[OWNER, "b@example.test"])
    for i, hour in enumerate((8, 12, 16)):
        add_review(engine, source, platform_id=f"d{i}", rating=1.0 + i % 2, text=f"Ärger Nr. {i}")
        decide_alerts(engine, rules, datetime(2026, 11, 23, hour, tzinfo=UTC) - timedelta(hours=1))
    add_review(engine, source, platform_id="tomorrow", rating=1.0, text="Ärger Nr. 3")
    decide_alerts(engine, rules, datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    with SmtpServer() as server:
        before = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)  # 17:59 Berlin
        assert send_due(engine, mailer(server), RENDERER, before, POLICY).emails == 0
        six = datetime(2026, 11, 23, 17, 0, 30, tzinfo=UTC)
        result = send_due(engine, mailer(server), RENDERER, six, POLICY)
        assert (result.emails, result.sent) == (2, 6)
        assert (
            send_due(engine, mailer(server), RENDERER, six + timedelta(hours=1), POLICY).sent == 0
        )
        next_day = send_due(engine, mailer(server), RENDERER, six + timedelta(days=1), POLICY)
        assert (next_day.emails, next_day.sent) == (2, 2)
        received = server.received
    assert sorted(r.rcpt_tos[0] for r in received) == sorted([OWNER, "b@example.test"] * 2)
    mine = [r.message for r in received if r.rcpt_tos == [OWNER]]
    assert mine[0]["Subject"] == f"⚠ 3 neue kritische Bewertungen – {BUSINESS}"
    assert mine[1]["Subject"] == f"⚠ 1 neue kritische Bewertung – {BUSINESS}"
    plain, html = parts(mine[0])
    for text in (plain, html):
        assert [text.index(f"Ärger Nr. {i}") for i in range(3)] == sorted(
            text.index(f"Ärger Nr. {i}") for i in range(3)
        )
    assert "Ärger Nr. 3" not in plain
    statuses = {r.status for r in outbox(engine)}
    assert statuses == {"sent"}


def test_quiet_hours_delay_delivery_never_drop_it(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0, text="Nachts geschrieben.")
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    decide_alerts(engine, policy(quiet_hours=QuietHours()), late)
    with SmtpServer() as server:
        for minutes in (1, 60, 6 * 60, 7 * 60 + 29):  # until 06:59 Berlin: nothing
            assert (
                send_due(
                    engine, mailer(server), RENDERER, late + timedelta(minutes=minutes), POLICY
                ).emails
                == 0
            )
        morning = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
        assert send_due(engine, mailer(server), RENDERER, morning, POLICY).emails == 1
        [message] = server.messages
    assert "Nachts geschrieben." in parts(message)[0]


def test_nothing_lost_when_the_process_dies_between_deciding_and_sending(engine: Engine) -> None:
    _one_alert(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the deciding process ends here
    sender = make_engine(url)  # a later process, e.g. after a restart
    try:
        with SmtpServer() as server:
            assert (
                send_due(sender, mailer(server), RENDERER, NOW + timedelta(hours=2), POLICY).sent
                == 1
            )
            assert len(server.received) == 1
    finally:
        sender.dispose()


def test_a_row_that_cannot_render_fails_alone(engine: Engine) -> None:
    _one_alert(engine)
    with session_scope(engine) as session:
        broken = Notification(
            kind="alert", dedup_key="alert:broken", recipient=OWNER, payload={}, digest=True,
            send_after=NOW,
        )  # fmt: skip
        session.add(broken)
    with SmtpServer() as server:
        result = send_due(engine, mailer(server), RENDERER, NOW, POLICY)
        assert (result.emails, result.failed) == (1, 1)
        assert len(server.received) == 1
    failed = [r for r in outbox(engine) if r.status == "failed"]
    assert [r.dedup_key for r in failed] == ["alert:broken"]
    assert (failed[0].last_error or "").startswith("cannot render: ")


def test_two_senders_at_once_deliver_each_alert_once(engine: Engine) -> None:
    source = seed(engine)
    for i in range(12):
        add_review(engine, source, platform_id=f"c{i}", rating=1.0, text=f"Parallel {i}")
    decide_alerts(engine, policy(), NOW)
    with SmtpServer() as server, ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(send_due, engine, mailer(server), RENDERER, NOW, POLICY) for _ in "ab"]
        results = [run.result(timeout=60) for run in runs]
        ids = [m["Message-ID"] for m in server.messages]
    assert sum(r.sent for r in results) == 12 and len(ids) == len(set(ids)) == 12


def test_a_retry_never_lands_in_quiet_hours(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0)
    evening = datetime(2026, 11, 23, 20, 59, 30, tzinfo=UTC)  # 21:59:30 in Berlin
    decide_alerts(engine, policy(quiet_hours=QuietHours()), evening)
    with SmtpServer(refuse_first=1) as server:
        assert send_due(engine, mailer(server), RENDERER, evening, POLICY).retrying == 1
        [row] = outbox(engine)
        assert row.next_attempt_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 Berlin
        assert send_due(engine, mailer(server), RENDERER, row.next_attempt_at, POLICY).sent == 1
