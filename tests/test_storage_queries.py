"""The read queries in storage/, each on SQLite and PostgreSQL, against a small known world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import figures, review_lists
from storage.crawls import crawl_health, running_runs
from storage.db import session_scope
from storage.models import Business, CrawlRun, CrawlStatus, Notification, Review, Source
from storage.outbox import (
    claim,
    count_notifications,
    dedup_key_exists,
    existing_dedup_keys,
    latest_notifications,
    new_notification,
)
from storage.registry import (
    first_crawl_times,
    last_attempts,
    source_names,
    sources_of_business,
    sources_with_business,
)
from storage.reviews import (
    businesses_with_open_reviews,
    has_reviews,
    open_reviews,
    unclassified_reviews,
)

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)
PREVIOUS_WEEK = WEEK_START - timedelta(days=7)


def day(n: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, n, hour, tzinfo=UTC)


@dataclass
class World:
    a: int
    b: int
    tp: int
    web: int
    empty: int
    b_tp: int
    reviews: dict[str, int]


def _review(source: Source, name: str, **fields: object) -> Review:
    values: dict[str, object] = {
        "source_id": source.id,
        "business_id": source.business_id,
        "platform_id": name,
        "author": f"Autorin {name}",
        "title": f"Titel {name}",
        "text": f"Text der Bewertung {name}",
        "first_seen_at": day(22),
        "alert_checked_version": 1,
    }
    values.update(fields)
    return Review.model_validate(values)


def _sources(s: Session) -> tuple[Business, Business, dict[str, Source]]:
    a, b = Business(name="Praxis A"), Business(name="Laden B")
    s.add_all([a, b])
    s.flush()
    assert a.id is not None and b.id is not None
    found = {
        "tp": Source(business_id=a.id, name="tp", type="trustpilot", first_crawl_at=day(2)),
        "web": Source(business_id=a.id, name="web", type="schema_org", enabled=False),
        "empty": Source(business_id=a.id, name="empty", type="google_places"),
        "b_tp": Source(business_id=b.id, name="tp", type="trustpilot"),
    }
    found["tp"].last_attempt_at = day(18)
    s.add_all(found.values())
    s.flush()
    return a, b, found


def _reviews(src: dict[str, Source]) -> dict[str, Review]:
    tp, web = src["tp"], src["web"]
    return {
        "r1": _review(tp, "r1", rating=1.0, published_at=day(18), sentiment_label="negative",
                      sentiment_model="m1", alert_checked_version=0),
        "r2": _review(tp, "r2", rating=5.0, published_at=day(19), reply_text="Danke!",
                      sentiment_label="positive", sentiment_model="m1"),
        "r3": _review(tp, "r3", first_seen_at=day(20), reply_text="  ", alert_checked_version=0),
        "r4": _review(web, "r4", rating=4.0, published_at=day(10), sentiment_label="negative",
                      sentiment_model="m2"),
        "r5": _review(src["b_tp"], "r5", rating=2.0, published_at=day(18),
                      alert_checked_version=0),
    }  # fmt: skip


@pytest.fixture
def world(any_engine: Engine) -> World:
    with session_scope(any_engine) as s:
        a, b, src = _sources(s)
        reviews = _reviews(src)
        s.add_all(reviews.values())
        s.flush()
        ids = {name: src[name].id for name in src}
        assert a.id and b.id and all(ids.values())
        return World(
            a.id, b.id, ids["tp"] or 0, ids["web"] or 0, ids["empty"] or 0, ids["b_tp"] or 0,
            {name: r.id or 0 for name, r in reviews.items()},
        )  # fmt: skip


def test_rating_counts_of_a_business_before_and_within(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        all_time = figures.rating_counts(s, world.a, before=WEEK_END)
        week = figures.rating_counts(s, world.a, before=WEEK_END, since=WEEK_START)
        none = figures.rating_counts(s, world.a, before=day(1))
    assert all_time == figures.RatingCounts(count=4, rated=3, star_sum=10.0)
    assert week == figures.RatingCounts(count=3, rated=2, star_sum=6.0)
    assert none == figures.RatingCounts()


def test_rating_counts_per_period_and_per_source(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        periods = figures.rating_counts_per_period(
            s, world.a, [PREVIOUS_WEEK, WEEK_START, WEEK_END]
        )
        per_source = figures.rating_counts_per_source(s, world.a, PREVIOUS_WEEK, WEEK_END)
        assert figures.rating_counts_per_period(s, world.a, [WEEK_START]) == []
    assert periods == [figures.RatingCounts(1, 1, 4.0), figures.RatingCounts(3, 2, 6.0)]
    RC = figures.RatingCounts
    assert per_source == {world.tp: RC(3, 2, 6.0), world.web: RC(1, 1, 4.0)}


def test_sentiment_counts_models_and_review_counts(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        split = figures.sentiment_counts(s, world.a, WEEK_START, WEEK_END)
        models = figures.reviews_per_model(s)
        counts = (
            figures.count_reviews(s),
            figures.count_reviews(s, business_id=world.a),
            figures.count_reviews(s, source_id=world.web),
            figures.count_reviews(s, source_id=world.empty),
        )
    assert split == {"negative": 1, "positive": 1, None: 1}
    assert models == {"m1": 2, "m2": 1, None: 2}
    assert counts == (5, 4, 1, 0)


def test_critical_reviews_worst_first_cut_and_filtered(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        first = review_lists.critical_reviews(
            s, world.a, PREVIOUS_WEEK, WEEK_END, 2.0, limit=1, text_chars=8, name_chars=4
        )
        web_only = review_lists.critical_reviews(
            s, world.a, PREVIOUS_WEEK, WEEK_END, 2.0, limit=5, text_chars=99,
            source_ids=[world.web],
        )  # fmt: skip
    assert first.total == 2  # r1 by stars, r4 by its negative text despite 4 stars
    (line,) = first.reviews
    assert (line.id, line.rating, line.when, line.source_name) == (
        world.reviews["r1"],
        1.0,
        day(18),
        "tp",
    )
    assert (line.text, line.author, line.title) == ("Text der", "Auto", "Tite")
    assert [r.id for r in web_only.reviews] == [world.reviews["r4"]]
    assert web_only.reviews[0].source_type == "schema_org"


def test_unanswered_reviews_newest_first(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        found = review_lists.unanswered_reviews(
            s, world.a, PREVIOUS_WEEK, WEEK_END, limit=10, text_chars=100
        )
        week = review_lists.unanswered_reviews(
            s, world.a, WEEK_START, WEEK_END, limit=1, text_chars=100
        )
    ids = world.reviews
    assert [r.id for r in found.reviews] == [ids["r3"], ids["r1"], ids["r4"]]  # blank reply counts
    assert found.reviews[0].when == day(20)  # undated: first seen
    assert (week.total, [r.id for r in week.reviews]) == (2, [ids["r3"]])


def test_review_work_queues(any_engine: Engine, world: World) -> None:
    ids = world.reviews
    with Session(any_engine) as s:
        assert (has_reviews(s, world.tp), has_reviews(s, world.empty)) == (True, False)
        assert [r.id for r in unclassified_reviews(s, 0, 1)] == [ids["r3"]]
        assert [r.id for r in unclassified_reviews(s, ids["r3"], 10)] == [ids["r5"]]
        assert businesses_with_open_reviews(s) == sorted([world.a, world.b])
        of_a = [(r.id, src.name, b.name) for r, src, b in open_reviews(s, world.a)]
        assert of_a == [(ids["r1"], "tp", "Praxis A"), (ids["r3"], "tp", "Praxis A")]
        assert len(open_reviews(s)) == 3


def test_crawl_health_and_running_runs(any_engine: Engine, world: World) -> None:
    with session_scope(any_engine) as s:
        s.add_all([
            CrawlRun(source_id=world.tp, started_at=day(17), status=CrawlStatus.OK.value),
            CrawlRun(source_id=world.tp, started_at=day(18), status=CrawlStatus.FAILED.value,
                     error="HTTP 403"),
            CrawlRun(source_id=world.tp, started_at=day(19), status=CrawlStatus.OK.value),
            CrawlRun(source_id=world.tp, started_at=day(9), status=CrawlStatus.TIMEOUT.value),
            CrawlRun(source_id=world.web, started_at=day(1)),
            CrawlRun(source_id=world.b_tp, started_at=day(18), status=CrawlStatus.FAILED.value),
        ])  # fmt: skip
    with Session(any_engine) as s:
        health = crawl_health(s, world.a, WEEK_START, WEEK_END)
        summary = [
            (h.source.name, h.total_runs, h.failed_runs, h.last_failure_error) for h in health
        ]
        stale = running_runs(s, world.web, started_before=day(2))
        assert running_runs(s, world.web, started_before=day(1)) == []
        assert running_runs(s, world.tp, started_before=WEEK_END) == []
    assert summary == [("empty", 0, 0, None), ("tp", 3, 1, "HTTP 403"), ("web", 0, 0, None)]
    assert [run.started_at for run in stale] == [day(1)]


def test_sources_and_their_names(any_engine: Engine, world: World) -> None:
    with Session(any_engine) as s:
        assert [x.name for x in sources_of_business(s, world.a)] == ["empty", "tp", "web"]
        pairs = [(x.id, b.name) for x, b in sources_with_business(s)]
        assert [(x.name, b.name) for x, b in sources_with_business(s, world.b_tp)] == [
            ("tp", "Laden B")
        ]
        names = source_names(s, [world.tp, world.b_tp])
        attempts = last_attempts(s)
        assert first_crawl_times(s, "Praxis A") == [day(2)]
        assert first_crawl_times(s, "Laden B") == []
    a = "Praxis A"
    assert pairs == sorted(
        [(world.tp, a), (world.web, a), (world.empty, a), (world.b_tp, "Laden B")]
    )
    assert names == {world.tp: ("Praxis A", "tp"), world.b_tp: ("Laden B", "tp")}
    assert attempts[("Praxis A", "tp")] == day(18)
    assert attempts[("Laden B", "tp")] is None and len(attempts) == 4


def _outbox(engine: Engine, world: World) -> list[Notification]:
    rows = [
        new_notification(kind="alert", dedup_key="alert:1:o", recipient="o@a.de",
                         business_id=world.a),
        new_notification(kind="alert", dedup_key="alert:2:o", recipient="o@a.de",
                         business_id=world.a, status="failed", last_error="550 no"),
        new_notification(kind="source_broken", dedup_key="broken:1", recipient="ops@x.de",
                         status="failed", next_attempt_at=day(30)),
        new_notification(kind="report", dedup_key="report:1", recipient="o@b.de",
                         business_id=world.b, next_attempt_at=day(25)),
    ]  # fmt: skip
    with session_scope(engine) as s:
        s.add_all(rows)
    return rows


def test_outbox_lookups_counts_and_latest(any_engine: Engine, world: World) -> None:
    _outbox(any_engine, world)
    with Session(any_engine) as s:
        assert (dedup_key_exists(s, "alert:1:o"), dedup_key_exists(s, "alert:9:o")) == (True, False)
        assert existing_dedup_keys(s, ["report:1", "report:2", "broken:1"]) == {
            "report:1",
            "broken:1",
        }
        assert count_notifications(s) == 4
        assert count_notifications(s, kind="alert") == 2
        assert count_notifications(s, kind="alert", business_id=world.b) == 0
        failed = latest_notifications(s, status="failed", limit=5)
        newest = latest_notifications(s, limit=1)
    assert [(e.notification.dedup_key, e.business_name) for e in failed] == [
        ("broken:1", None), ("alert:2:o", "Praxis A"),
    ]  # fmt: skip
    assert [e.notification.dedup_key for e in newest] == ["report:1"]


def test_claim_takes_a_due_row_once(any_engine: Engine, world: World) -> None:
    rows = _outbox(any_engine, world)
    due, failed, waiting = (r.id or 0 for r in (rows[0], rows[1], rows[3]))
    lease = day(22) + timedelta(minutes=10)
    with session_scope(any_engine) as s:
        results = [claim(s, due, day(22), lease), claim(s, due, day(22), lease)]
        results += [claim(s, failed, day(22), lease), claim(s, waiting, day(22), lease)]
    assert results == [True, False, False, False]  # leased, failed, retry not due yet
    with Session(any_engine) as s:
        row = s.get(Notification, due)
        assert row is not None and (row.status, row.next_attempt_at) == ("sending", lease)


def test_reviews_dated_and_worst_of_chosen_ids(any_engine: Engine, world: World) -> None:
    ids = world.reviews
    with Session(any_engine) as s:
        week = review_lists.reviews_dated(s, world.a, WEEK_START, WEEK_END)
        chosen = review_lists.worst_reviews(
            s, [ids["r2"], ids["r3"], ids["r1"]], limit=2, text_chars=50
        )
    assert [r.id for r in week] == [ids["r1"], ids["r2"], ids["r3"]]  # r3 by its first-seen day
    assert week[1].reply_text == "Danke!"
    assert chosen.total == 3
    assert [r.id for r in chosen.reviews] == [ids["r1"], ids["r2"]]  # unrated r3 last
