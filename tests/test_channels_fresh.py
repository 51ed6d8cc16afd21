"""The channels' sender against a busy outbox: a row whose payload grew between listing and
claiming it (a burst's pending message that a joining review extended) is sent as stored
after the claim; due mail rows never crowd the channel rows out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import alerts.channel_outbox
from alerts.channel_outbox import send_channels
from alerts.payloads import AlertPayload, read_payload, stored
from alerts.sending import SendPolicy
from leumund.jobs.alerts import decide_alerts, send_due
from storage.bursts import replace_pending_payload
from storage.db import session_scope
from storage.models import Notification
from tests.channel_support import HOOK, json_body, json_url, make_parts, posted
from tests.httpserver import LocalServer, Reply
from tests.test_alerts_decide import NOW, add_review, outbox, seed


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def test_a_payload_changed_before_the_claim_is_the_one_sent(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer() as server:
        server.script(HOOK, Reply(body="ok"))
        parts = make_parts(tmp_path, engine, [json_url(server)])
        add_review(engine, seed(engine), rating=1.0, author="Erste Autorin", text="Schlecht")
        decide_alerts(parts, NOW)
        [row] = [r for r in outbox(engine) if r.recipient.startswith("channel:")]
        first = read_payload(row.payload)
        assert isinstance(first, AlertPayload)
        review = first.review.model_copy(update={"author": "Nachgetragen"})
        grown = first.model_copy(update={"review": review})
        real_claim = alerts.channel_outbox.claim

        def claim_after_decide(
            engine: Engine, rows: list[Notification], now: datetime, lease: timedelta
        ) -> list[int]:
            with session_scope(engine) as session:  # the decision commits first
                assert row.id is not None
                assert replace_pending_payload(session, row.id, stored(grown))
            return real_claim(engine, rows, now, lease)

        monkeypatch.setattr(alerts.channel_outbox, "claim", claim_after_decide)
        send_due(parts, NOW)
        [hook] = posted(server, HOOK)
    assert "Nachgetragen" in json_body(hook)["message"]


def test_a_pile_of_due_mail_does_not_hold_back_the_channels(engine: Engine, tmp_path: Path) -> None:
    """During a mail outage every mail row stays due; the channels still get their turn."""
    with LocalServer() as server:
        server.script(HOOK, Reply(body="ok"))
        parts = make_parts(tmp_path, engine, [json_url(server)])
        source = seed(engine)
        with session_scope(engine) as session:
            session.add_all(
                Notification(
                    kind="alert",
                    dedup_key=f"alert:waiting:{i}",
                    recipient="inhaber@example.test",
                    payload={},
                    created_at=NOW,
                    send_after=NOW - timedelta(hours=1),
                )
                for i in range(501)
            )
        add_review(engine, source, rating=1.0, author="Kundin", text="Schlecht")
        decide_alerts(parts, NOW)
        summary = send_channels(engine, parts.channels, parts.renderer, NOW, SendPolicy())
        assert summary.channel_messages == 1
        assert len(posted(server, HOOK)) == 1
