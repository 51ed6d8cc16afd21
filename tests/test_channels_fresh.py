"""A channel row whose payload grew between the sender listing it and claiming it (a burst's
pending message that a joining review extended) is sent as stored after the claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import alerts.channel_outbox
from alerts.payloads import AlertPayload, read_payload, stored
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
