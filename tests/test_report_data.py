"""The weekly report's figures against values derived here from the seeded reviews."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.report.data import compute_report
from alerts.report.model import NEGATIVE_LIMIT, WeeklyReport
from alerts.report.weeks import IsoWeek, last_complete_week
from storage.db import session_scope
from storage.models import Business, CrawlRun, Review, Source

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = IsoWeek(2026, 47)  # Monday 16.11.2026 – Sunday 22.11.2026 in Berlin
WEEK_END = datetime(2026, 11, 23, tzinfo=BERLIN)
LABELS = ("positive", "neutral", "negative", None)


@dataclass
class Seeded:
    """What was stored, kept on the Python side to derive expected figures independently."""

    business: Business
    sources: dict[str, Source]
    reviews: list[Review] = field(default_factory=list)

    def when(self, review: Review) -> datetime:
        moment = review.published_at or review.first_seen_at
        return moment.astimezone(BERLIN)

    def in_week(self, review: Review, year: int, week: int) -> bool:
        iso = self.when(review).isocalendar()
        return (iso.year, iso.week) == (year, week)


def add_business(
    session: Session, name: str, source_types: dict[str, str], language: str = "de"
) -> tuple[Business, dict[str, Source]]:
    business = Business(name=name, language=language, timezone="Europe/Berlin")
    session.add(business)
    session.flush()
    assert business.id is not None
    sources = {n: Source(business_id=business.id, name=n, type=t) for n, t in source_types.items()}
    session.add_all(sources.values())
    session.flush()
    return business, sources


def review(seeded: Seeded, source: str, n: int, **fields: object) -> Review:
    src = seeded.sources[source]
    assert src.id is not None and seeded.business.id is not None
    values: dict[str, object] = {
        "source_id": src.id,
        "business_id": seeded.business.id,
        "platform_id": f"{source}-{n}",
        "author": f"Kundin {n}",
        "title": f"Titel {n}",
        "text": f"Bewertungstext Nummer {n}.",
        "url": f"https://reviews.example/{source}/{n}",
        "first_seen_at": WEEK_END + timedelta(days=1),
    }
    values.update(fields)
    row = Review.model_validate(values)
    seeded.reviews.append(row)
    return row


def seed_many(engine: Engine, count: int = 900, weeks: int = 20, seed: int = 7) -> Seeded:
    """`count` reviews on two platforms spread over `weeks` weeks up to WEEK's end, with
    unrated, unclassified, replied and undated ones; plus reviews after the week."""
    rng = random.Random(seed)
    with session_scope(engine) as s:
        business, sources = add_business(
            s, "Bäckerei Beispiel", {"trustpilot": "trustpilot", "website": "schema_org"}
        )
        seeded = Seeded(business, sources)
        span = int(timedelta(weeks=weeks).total_seconds())
        for n in range(count):
            when = WEEK_END - timedelta(seconds=rng.randrange(1, span))
            undated = n % 37 == 0
            s.add(
                review(
                    seeded,
                    rng.choice(["trustpilot", "trustpilot", "website"]),
                    n,
                    rating=None if n % 23 == 0 else float(rng.choice([1, 2, 3, 4, 5, 5, 4])),
                    sentiment_label=rng.choice(LABELS),
                    reply_text=rng.choice([None, "", "Danke für Ihren Besuch!"]),
                    published_at=None if undated else when,
                    first_seen_at=when if undated else when + timedelta(hours=3),
                )
            )
        for n, when in enumerate([WEEK_END, WEEK_END + timedelta(days=3)]):
            s.add(review(seeded, "trustpilot", 10_000 + n, rating=1.0, published_at=when))
    return seeded


def report_for(engine: Engine, seeded: Seeded, week: IsoWeek = WEEK) -> WeeklyReport:
    with Session(engine) as session:
        return compute_report(session, seeded.business, week, star_threshold=2.0)


def test_week_figures_match_the_stored_reviews(any_engine: Engine) -> None:
    engine = any_engine
    seeded = seed_many(engine)
    report = report_for(engine, seeded)
    week = [r for r in seeded.reviews if seeded.in_week(r, 2026, 47)]
    assert len(week) > 20
    assert report.this_week.count == len(week)
    assert report.this_week.average == pytest.approx(
        mean(r.rating for r in week if r.rating is not None)
    )
    before = [r for r in seeded.reviews if seeded.when(r) < WEEK_END]
    assert report.all_time.count == len(before)
    assert report.all_time.average == pytest.approx(
        mean(r.rating for r in before if r.rating is not None)
    )
    previous = [r for r in seeded.reviews if (WEEK_END - timedelta(weeks=5)) <= seeded.when(r)]
    previous = [r for r in previous if seeded.when(r) < WEEK_END - timedelta(weeks=1)]
    assert report.previous.count == len(previous) > 4 * 20
    assert report.previous.average == pytest.approx(
        mean(r.rating for r in previous if r.rating is not None)
    )


def test_trend_has_twelve_weeks_with_their_counts(any_engine: Engine) -> None:
    engine = any_engine
    seeded = seed_many(engine)
    report = report_for(engine, seeded)
    assert [p.week.label for p in report.trend][-3:] == ["2026-W45", "2026-W46", "2026-W47"]
    assert len(report.trend) == 12
    for point in report.trend:
        expected = [
            r for r in seeded.reviews if seeded.in_week(r, point.week.year, point.week.week)
        ]
        assert point.stats.count == len(expected), point.week.label
        ratings = [r.rating for r in expected if r.rating is not None]
        assert point.stats.average == (pytest.approx(mean(ratings)) if ratings else None)


def test_platforms_sentiment_and_lists(any_engine: Engine) -> None:
    engine = any_engine
    seeded = seed_many(engine)
    report = report_for(engine, seeded)
    week = [r for r in seeded.reviews if seeded.in_week(r, 2026, 47)]
    per_source = {p.source_name: p.stats.count for p in report.platforms}
    for name, source in seeded.sources.items():
        assert per_source[name] == sum(1 for r in week if r.source_id == source.id)
    split = report.sentiment
    assert split.positive == sum(1 for r in week if r.sentiment_label == "positive")
    assert split.negative == sum(1 for r in week if r.sentiment_label == "negative")
    assert split.unclassified == sum(1 for r in week if r.sentiment_label is None)
    critical = [
        r
        for r in week
        if (r.rating is not None and r.rating <= 2) or r.sentiment_label == "negative"
    ]
    assert report.negative_total == len(critical) > 10
    assert len(report.negative) == min(NEGATIVE_LIMIT, len(critical))
    shown = [line.rating if line.rating is not None else 6 for line in report.negative]
    assert shown == sorted(shown)
    recent = [r for r in seeded.reviews if WEEK_END - timedelta(days=28) <= seeded.when(r)]
    open_ = [r for r in recent if seeded.when(r) < WEEK_END and not r.reply_text]
    assert report.unanswered_total == len(open_) > 5
    assert [line.when for line in report.unanswered] == sorted(
        (line.when for line in report.unanswered), reverse=True
    )


def test_week_is_cut_at_local_midnight(any_engine: Engine) -> None:
    engine = any_engine
    with session_scope(engine) as s:
        business, sources = add_business(s, "Café Grenze", {"google": "google_places"})
        seeded = Seeded(business, sources)
        monday_local = datetime(2026, 11, 16, 0, 30, tzinfo=BERLIN)  # Sunday 23:30 UTC
        sunday_local = datetime(2026, 11, 15, 23, 30, tzinfo=BERLIN)
        s.add(review(seeded, "google", 1, rating=5.0, published_at=monday_local.astimezone(UTC)))
        s.add(review(seeded, "google", 2, rating=1.0, published_at=sunday_local.astimezone(UTC)))
    report = report_for(engine, seeded)
    assert (report.this_week.count, report.this_week.average) == (1, 5.0)
    assert report.trend[-2].stats.count == 1
    assert report.negative_total == 0


def test_empty_week_and_failed_crawls(any_engine: Engine) -> None:
    engine = any_engine
    with session_scope(engine) as s:
        business, sources = add_business(
            s, "Praxis Ruhig", {"trustpilot": "trustpilot", "google": "google_places"}
        )
        seeded = Seeded(business, sources)
        old = datetime(2026, 9, 1, 10, tzinfo=UTC)
        s.add(review(seeded, "trustpilot", 1, rating=4.0, published_at=old))
        google = sources["google"]
        google.last_error = "HTTP 403 from places.googleapis.com"
        google.failing_since = datetime(2026, 11, 18, 6, tzinfo=UTC)
        s.add(google)
        for day in (17, 18, 19):
            status = "ok" if day == 17 else "failed"
            s.add(
                CrawlRun(
                    source_id=google.id,
                    started_at=datetime(2026, 11, day, 6, tzinfo=UTC),
                    status=status,
                    error=None if status == "ok" else f"HTTP 403 on day {day}",
                )
            )
    report = report_for(engine, seeded)
    assert report.this_week.count == 0 and report.this_week.average is None
    assert (report.all_time.count, report.all_time.average) == (1, 4.0)
    assert [(p.source_name, p.failed_runs, p.total_runs) for p in report.crawl_problems] == [
        ("google", 2, 3)
    ]
    assert report.crawl_problems[0].last_error == "HTTP 403 on day 19"


def test_iso_week_parsing_and_default() -> None:
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert IsoWeek.parse("2026w7").label == "2026-W07"
    for bad in ("2026-47", "2026-W54", "W47", ""):
        with pytest.raises(ValueError, match="ISO week like '2026-W47'"):
            IsoWeek.parse(bad)
    monday_morning = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert last_complete_week(monday_morning, BERLIN) == WEEK
    sunday_late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday in Berlin
    assert last_complete_week(sunday_late_utc, BERLIN) == WEEK
    assert IsoWeek(2026, 1).shifted(-1) == IsoWeek(2025, 52)
