"""Deciding stays per business and per review; backlog of a never-finished first crawl."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from alerts.decide import BACKLOG_GRACE, decide_alerts
from alerts.dedup import dedup_recipient
from alerts.payloads import BacklogPayload, read_payload
from alerts.policy import AlertPolicy
from alerts.settings import AlertRules
from storage.db import session_scope
from storage.models import Review, Source
from tests.factories import make_business_and_source
from tests.test_alerts_decide import (
    NOW,
    OWNER,
    add_review,
    outbox,
    policy,
    rendered,
    review_row,
    seed,
)


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def business(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, name)
        source.first_crawl_at = NOW - timedelta(days=30)
        assert source.id is not None
        return source.id


def policies(*names: str, **overrides: Any) -> dict[str, AlertPolicy]:
    return {
        n: AlertPolicy(n, AlertRules(), (f"{i}@example.test",), **overrides.get(n, {}))
        for i, n in enumerate(names)
    }


def test_a_failing_business_does_not_stop_the_others(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    names = ("Café Eins", "Café Kaputt", "Café Drei")
    sources = [business(engine, n) for n in names]
    reviews = [add_review(engine, s, rating=1.0, text=f"Schlecht {s}") for s in sources]
    rules = policies(*names, **{"Café Kaputt": {"timezone": "Mars/Olympus_Mons"}})
    caplog.set_level(logging.ERROR, logger="alerts.decide")
    for _ in range(2):  # the next run is not blocked either
        summary = decide_alerts(engine, rules, NOW)
        assert summary.businesses == ["Café Eins", "Café Drei"]
        assert summary.failed_businesses == [review_row(engine, reviews[1]).business_id]
    assert sorted(n.review_id for n in outbox(engine)) == [reviews[0], reviews[2]]
    assert review_row(engine, reviews[1]).alert_checked_version == 0  # open for the next run
    assert len(caplog.records) == 2 and all(r.exc_info for r in caplog.records)
    fixed = policies(*names)
    assert decide_alerts(engine, fixed, NOW).alerts == 1  # fixed config: alerted


def test_a_review_that_cannot_render_is_closed_alone(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    source = seed(engine)
    broken = add_review(engine, source, platform_id="inf", rating=float("-inf"), text="Kaputt")
    fine = add_review(engine, source, platform_id="ok", rating=1.0, text="Schlecht")
    caplog.set_level(logging.ERROR, logger="alerts.decide")
    summary = decide_alerts(engine, policy(), NOW)
    assert (summary.alerts, summary.unrenderable, summary.waiting) == (1, 1, 1)
    [row] = outbox(engine)
    assert row.review_id == fine and "Schlecht" in str(rendered(engine, row))
    assert review_row(engine, broken).alert_checked_version == 1
    [error] = caplog.records
    assert f"review {broken} cannot be alerted" in error.getMessage() and error.exc_info
    assert decide_alerts(engine, policy(), NOW).added == 0


def _first_seen(engine: Engine, review_id: int) -> Any:
    return review_row(engine, review_id).first_seen_at


def test_backlog_of_a_first_crawl_that_never_completes_is_summarised_after_the_grace(
    engine: Engine,
) -> None:
    source = seed(engine, first_crawl_done=False)
    old = add_review(engine, source, platform_id="b1", rating=1.0, text="Alt und schlecht")
    add_review(engine, source, platform_id="b2", rating=5.0, text="Alt und gut")
    with session_scope(engine) as session:
        stored = session.get(Source, source)
        assert stored is not None
        stored.consecutive_failures = 3  # the first crawl keeps failing
    stored_at = _first_seen(engine, old)
    early = decide_alerts(engine, policy(), stored_at + timedelta(days=1))
    assert early.added == 0 and outbox(engine) == []
    assert review_row(engine, old).alert_checked_version == 0
    late = stored_at + BACKLOG_GRACE + timedelta(minutes=1)
    summary = decide_alerts(engine, policy(), late)
    assert (summary.backlog_summaries, summary.alerts) == (1, 0)
    [row] = outbox(engine)
    summary_payload = read_payload(row.payload)
    assert isinstance(summary_payload, BacklogPayload) and summary_payload.count == 2
    assert summary_payload.critical_count == 1 and row.recipient == OWNER
    assert row.dedup_key.endswith(f":{dedup_recipient(OWNER)}")
    with session_scope(engine) as session:
        assert all(r.alert_checked_version == 1 for r in session.exec(select(Review)))
    assert decide_alerts(engine, policy(), late + timedelta(days=1)).added == 0


def test_dedup_recipient_ignores_case_and_spaces() -> None:
    assert dedup_recipient("  Inhaber@Example.TEST ") == "inhaber@example.test"


def test_recipient_case_never_makes_a_second_alert(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0)
    assert decide_alerts(engine, policy(recipients=["Inhaber@Example.test"]), NOW).alerts
    add_review(engine, source, rating=1.0, text="bearbeitet")  # an edit: decided again
    assert decide_alerts(engine, policy(recipients=[OWNER]), NOW).alerts == 0
    assert len(outbox(engine)) == 1
