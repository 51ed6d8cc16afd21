from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import display_url, session_scope
from storage.models import CrawlStatus, Notification, Review, ReviewEdit
from storage.outbox import enqueue, new_notification
from storage.reviews import known_platform_ids, stable_id, upsert_reviews
from tests.factories import make_business_and_source, make_review_data


def test_insert_then_same_review_again_is_noop(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        first = upsert_reviews(s, source, [make_review_data()])
        again = upsert_reviews(s, source, [make_review_data()])
    assert (first.new, again.new, again.updated, again.unchanged) == (1, 0, 0, 1)
    with Session(any_engine) as s:
        rows = s.exec(select(Review)).all()
    assert len(rows) == 1
    assert rows[0].published_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert rows[0].first_seen_at.tzinfo is not None
    assert rows[0].backlog is True


def test_edited_review_is_updated_and_change_remembered(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        upsert_reviews(s, source, [make_review_data()])
        result = upsert_reviews(
            s, source, [make_review_data(rating=1.0, rating_raw=1.0, text="Leider schimmlig.")]
        )
    assert result.updated == 1
    with Session(any_engine) as s:
        review = s.exec(select(Review)).one()
        edits = s.exec(select(ReviewEdit)).all()
    assert (review.rating, review.text, review.version) == (1.0, "Leider schimmlig.", 2)
    assert len(edits) == 1
    assert edits[0].old_rating == 5.0
    assert edits[0].old_text.startswith("Die Brötchen")


def test_review_without_platform_id_gets_stable_hash(any_engine: Engine) -> None:
    item = make_review_data(platform_id="")
    with session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        upsert_reviews(s, source, [item])
        again = upsert_reviews(s, source, [make_review_data(platform_id="")])
    assert again.new == 0
    with Session(any_engine) as s:
        review = s.exec(select(Review)).one()
    assert review.platform_id == stable_id(item.author, item.published_at, item.text)
    assert review.platform_id.startswith("h:")


def test_reviews_after_first_crawl_are_not_backlog(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        source.first_crawl_at = source.last_success_at = datetime(2026, 1, 1, tzinfo=UTC)
        upsert_reviews(s, source, [make_review_data(platform_id="new")])
        assert known_platform_ids(s, source) == set()
    with Session(any_engine) as s:
        assert s.exec(select(Review)).one().backlog is False


def test_outbox_dedup_key_is_unique(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        added = [
            enqueue(s, new_notification(kind="alert", dedup_key="alert:1", recipient="a@b.de"))
            for _ in range(2)
        ]
    assert added == [True, False]
    with Session(any_engine) as s:
        assert len(s.exec(select(Notification)).all()) == 1


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as s:
        _, source = make_business_and_source(s)
        upsert_reviews(s, source, [make_review_data(published_at=datetime(2026, 1, 1))])


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_failed_transaction_leaves_nothing_behind(any_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        upsert_reviews(s, source, [make_review_data()])
        raise RuntimeError("crash mid-transaction")
    with Session(any_engine) as s:
        assert s.exec(select(Review)).all() == []


def test_reply_added_later_is_stored_without_new_version(any_engine: Engine) -> None:
    reply_at = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    with session_scope(any_engine) as s:
        _, source = make_business_and_source(s)
        upsert_reviews(s, source, [make_review_data()])
        upsert_reviews(s, source, [make_review_data(reply="Danke!", reply_at=reply_at)])
    with Session(any_engine) as s:
        review = s.exec(select(Review)).one()
    assert (review.reply_text, review.reply_at, review.version) == ("Danke!", reply_at, 1)


def test_last_attempt_moves_when_a_crawl_finishes_not_when_it_starts(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        _, source = make_business_and_source(session)
        run = start_run(session, source)
        assert source.last_attempt_at is None  # a crawl killed now was never attempted
        finish_run(session, source, run, CrawlOutcome(CrawlStatus.FAILED, 0, 0, 0, 0, 1, "x"))
        assert run.finished_at is not None and source.last_attempt_at == run.finished_at
        assert source.failing_since == run.started_at
    assert (
        display_url("postgresql+psycopg://u:pw@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    )
