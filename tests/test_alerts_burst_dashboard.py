"""The dashboard and pausing treat a burst's reviews as alerted: told of in its one message."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from storage import alert_pauses, dashboard
from storage.db import session_scope
from storage.models import Source
from tests.test_alerts_burst_decide import NOW, OWNERS, attack, outbox, policies, seed


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def test_burst_reviews_count_as_critical_and_not_yet_handled(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    assert len(outbox(engine, "burst")) == 2
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        overview = dashboard.overview(session, source.business_id, NOW)
        rows, total = dashboard.review_page(
            session, source.business_id, dashboard.ReviewFilter(alerted=True), offset=0, limit=50
        )
    assert overview.critical_open == len(ids)
    assert total == len(ids) and {r.id for r, _ in rows} == set(ids)


def test_a_burst_review_page_lists_the_burst_message(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    with session_scope(engine) as session:
        detail = dashboard.review_detail(session, ids[0])
    assert detail is not None
    assert [(n.kind, n.recipient) for n in detail.notifications] == [
        ("burst", owner) for owner in OWNERS
    ]


def test_pausing_withdraws_a_burst_message_not_yet_sent(engine: Engine) -> None:
    """'Nothing arrives after the click': a pending burst message is an alert mail too."""
    source_id = seed(engine)
    attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        alert_pauses.pause(session, source.business_id, OWNERS[0], NOW, "mail")
    assert [r.recipient for r in outbox(engine, "burst")] == [OWNERS[1]]
