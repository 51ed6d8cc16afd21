"""Deciding alerts on a real database: once per review and recipient, whatever happens."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from alerts.decide import decide_alerts
from alerts.payloads import AlertPayload, BacklogPayload, read_payload
from alerts.policy import AlertPolicy
from alerts.render import Renderer
from alerts.sending import build
from alerts.settings import AlertRules, QuietHours
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import init_schema, make_engine, session_scope
from storage.installation import installation_id
from storage.models import CrawlStatus, Notification, Review, Source
from storage.reviews import set_sentiment, upsert_reviews
from tests.factories import make_business_and_source, make_review_data

BUSINESS = "Bäckerei Beispiel"
OWNER = "inhaber@example.test"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
RENDERER = Renderer("Leumund <leumund@example.test>")


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """Every test here runs on SQLite and, where it is reachable, on PostgreSQL."""
    return any_engine


def policy(**rules: Any) -> dict[str, AlertPolicy]:
    base: dict[str, Any] = {"keywords": ["Hygiene"]}
    recipients = tuple(rules.pop("recipients", (OWNER,)))
    language = rules.pop("language", "de")
    return {BUSINESS: AlertPolicy(BUSINESS, AlertRules(**(base | rules)), recipients, language)}


def seed(engine: Engine, first_crawl_done: bool = True, source_type: str = "trustpilot") -> int:
    """A business with one source; its first crawl completed unless told otherwise."""
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, BUSINESS, source_type)
        if first_crawl_done:
            _complete_crawl(session, source)
        assert source.id is not None
        return source.id


def _complete_crawl(session: Any, source: Source) -> None:
    run = start_run(session, source)
    finish_run(session, source, run, CrawlOutcome(CrawlStatus.OK, 1, 0, 0, 0, 0, None))


def complete_first_crawl(engine: Engine, source_id: int) -> None:
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        _complete_crawl(session, source)


def add_review(engine: Engine, source_id: int, **fields: Any) -> int:
    """Store (or edit, with the same platform_id) a review the way the crawler does."""
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        item = make_review_data(**fields)
        upsert_reviews(session, source, [item])
        review = session.exec(
            select(Review).where(
                Review.source_id == source_id, Review.platform_id == item.platform_id
            )
        ).one()
        assert review.id is not None
        return review.id


def classify(engine: Engine, review_id: int, label: str, negative: float) -> None:
    rest = (1 - negative) / 2
    probs = {"negative": negative, "positive": rest, "neutral": rest}
    with session_scope(engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        set_sentiment(session, review, label, probs, "test-model")


def outbox(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


def installation(engine: Engine) -> str:
    with session_scope(engine) as session:
        return installation_id(session)


def rendered(engine: Engine, row: Notification, now: datetime = NOW) -> EmailMessage:
    """The email the sender would make of `row` at `now`."""
    return build(RENDERER, [row], now, installation(engine))


def alert_of(row: Notification) -> AlertPayload:
    payload = read_payload(row.payload)
    assert isinstance(payload, AlertPayload)
    return payload


def review_row(engine: Engine, review_id: int) -> Review:
    with session_scope(engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        return review


def test_alert_once_across_runs_and_restarts(engine: Engine) -> None:
    source = seed(engine)
    bad = add_review(engine, source, platform_id="bad", rating=1.0, text="Altes Brot.")
    good = add_review(engine, source, platform_id="good", rating=5.0)
    classify(engine, bad, "negative", 0.97)
    classify(engine, good, "positive", 0.01)
    first = decide_alerts(engine, policy(), NOW)
    assert (first.alerts, first.closed, first.waiting) == (1, 2, 0)
    assert decide_alerts(engine, policy(), NOW + timedelta(hours=1)).added == 0
    restarted = make_engine(engine.url.render_as_string(hide_password=False))  # a new process
    init_schema(restarted)
    assert decide_alerts(restarted, policy(), NOW + timedelta(days=1)).added == 0
    restarted.dispose()
    [row] = outbox(engine)
    assert (row.kind, row.dedup_key, row.recipient) == ("alert", f"alert:{bad}:{OWNER}", OWNER)
    assert row.review_id == bad and row.status == "pending" and row.send_after == NOW
    assert [hit.rule for hit in alert_of(row).review.rules] == ["stars", "negative"]
    assert row.message is None  # rendered when sent
    parsed = rendered(engine, row)
    assert parsed["Subject"] == f"⚠ Neue 1-Sterne-Bewertung auf Trustpilot – {BUSINESS}"
    assert review_row(engine, bad).alert_checked_version == 1


def test_each_recipient_gets_its_own_row(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0)
    decide_alerts(engine, policy(recipients=[OWNER, "filiale@example.test"]), NOW)
    assert sorted(r.recipient for r in outbox(engine)) == ["filiale@example.test", OWNER]


def test_missing_sentiment_stars_and_keywords_now_text_rule_after_classification(
    engine: Engine,
) -> None:
    source = seed(engine)
    keyword = add_review(engine, source, platform_id="k", rating=3.0, text="Hygiene naja.")
    quiet = add_review(engine, source, platform_id="q", rating=4.0, text="Nie wieder, furchtbar.")
    summary = decide_alerts(engine, policy(), NOW)
    assert (summary.alerts, summary.waiting, summary.closed) == (1, 2, 0)
    [row] = outbox(engine)
    assert row.review_id == keyword and alert_of(row).review.sentiment is None
    assert review_row(engine, quiet).alert_checked_version == 0  # still open
    classify(engine, keyword, "negative", 0.95)
    classify(engine, quiet, "negative", 0.91)
    summary = decide_alerts(engine, policy(), NOW)
    assert (summary.alerts, summary.closed, summary.waiting) == (1, 2, 0)
    rows = outbox(engine)
    assert [r.review_id for r in rows] == [keyword, quiet]  # the keyword review: still once
    assert [hit.rule for hit in alert_of(rows[1]).review.rules] == ["negative"]
    assert alert_of(rows[1]).review.negative_probability == 0.91


def test_edited_review_that_turns_negative_alerts_once(engine: Engine) -> None:
    source = seed(engine)
    review = add_review(engine, source, rating=5.0, text="Super Brötchen.")
    classify(engine, review, "positive", 0.02)
    assert decide_alerts(engine, policy(), NOW).added == 0
    add_review(engine, source, rating=1.0, rating_raw=1.0, text="Seit heute ungenießbar.")
    edited = review_row(engine, review)
    assert (edited.version, edited.alert_checked_version) == (2, 1)
    classify(engine, review, "negative", 0.96)
    assert decide_alerts(engine, policy(), NOW).alerts == 1
    add_review(engine, source, rating=1.0, rating_raw=1.0, text="Ungenießbar, und frech.")
    classify(engine, review, "negative", 0.99)
    assert decide_alerts(engine, policy(), NOW).alerts == 0
    [row] = outbox(engine)
    snapshot = alert_of(row).review
    assert snapshot.review_version == 2 and snapshot.rating == 1.0
    assert review_row(engine, review).alert_checked_version == 3


def test_backlog_becomes_one_summary_after_the_first_crawl(engine: Engine) -> None:
    source = seed(engine, first_crawl_done=False)
    for i in range(30):
        add_review(engine, source, platform_id=f"old{i}", rating=1.0 if i % 10 == 0 else 5.0)
    recipients = [OWNER, "filiale@example.test"]
    assert decide_alerts(engine, policy(recipients=recipients), NOW).added == 0
    complete_first_crawl(engine, source)
    summary = decide_alerts(engine, policy(recipients=recipients), NOW)
    assert (summary.alerts, summary.backlog_summaries, summary.closed) == (0, 2, 0)
    assert decide_alerts(engine, policy(recipients=recipients), NOW).added == 0
    rows = outbox(engine)
    assert {r.kind for r in rows} == {"backlog_summary"}
    summary_payload = read_payload(rows[0].payload)
    assert isinstance(summary_payload, BacklogPayload)
    assert (summary_payload.count, summary_payload.critical_count) == (30, 3)
    subject = rendered(engine, rows[0])["Subject"]
    assert subject == f"Leumund überwacht jetzt Trustpilot – {BUSINESS}"
    fresh = add_review(engine, source, platform_id="new", rating=2.0)  # after the first crawl
    assert decide_alerts(engine, policy(recipients=recipients), NOW).alerts == 2
    assert {r.review_id for r in outbox(engine) if r.kind == "alert"} == {fresh}


def test_digest_rows_wait_for_the_digest_time(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, platform_id="a", rating=1.0)
    rules = policy(mode="digest", digest_time=time(18, 0))
    decide_alerts(engine, rules, NOW)  # 11:00 Berlin
    add_review(engine, source, platform_id="b", rating=2.0)
    decide_alerts(engine, rules, datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    first, second = outbox(engine)
    assert first.digest and first.message is None
    assert first.send_after == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 18:00 Berlin
    assert second.send_after == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_quiet_hours_delay_instant_alerts_and_backlog(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0)
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 Berlin
    decide_alerts(engine, policy(quiet_hours=QuietHours()), late)
    [row] = outbox(engine)
    assert row.send_after == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 Berlin
    assert alert_of(row).quiet_hours == QuietHours()  # kept for retries


def test_english_business_and_unconfigured_business(engine: Engine) -> None:
    source = seed(engine, source_type="google_places")
    review = add_review(engine, source, rating=1.0)
    decide_alerts(engine, policy(language="en"), NOW)
    [row] = outbox(engine)
    assert rendered(engine, row)["Subject"] == f"⚠ New 1-star review on Google – {BUSINESS}"
    other = add_review(engine, source, platform_id="z", rating=1.0)
    summary = decide_alerts(engine, {}, NOW)  # both open: one waited for sentiment
    assert (summary.unconfigured, summary.added) == (2, 0)
    assert review_row(engine, other).alert_checked_version == 1
    assert review_row(engine, review).alert_checked_version == 1


def test_decision_and_outbox_row_commit_together(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while deciding rolls back both: the review stays open, no row is left."""
    source = seed(engine)
    review = add_review(engine, source, rating=1.0)
    classify(engine, review, "negative", 0.95)  # decidable at once: closed after the row

    def crash(session: object, review: Review) -> None:
        raise RuntimeError("database went away while closing the review")

    monkeypatch.setattr("alerts.decide._close", crash)  # after the row was enqueued
    caplog.set_level(logging.ERROR, logger="alerts.decide")
    summary = decide_alerts(engine, policy(), NOW)
    assert summary.failed_businesses == [review_row(engine, review).business_id]
    [error] = caplog.records
    assert error.exc_info is not None and "database went away" in str(error.exc_info[1])
    assert outbox(engine) == []
    assert review_row(engine, review).alert_checked_version == 0
    monkeypatch.undo()
    assert decide_alerts(engine, policy(), NOW).alerts == 1
