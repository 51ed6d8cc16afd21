"""The week's figures for one business, from a handful of aggregate queries.

Nothing here loads all reviews: counts, sums and averages are computed by the database.
A review belongs to the week of its date (see `lists.review_date`) in the business's own
time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from alerts.report.lists import (
    crawl_problems,
    critical_reviews,
    in_range,
    review_date,
    source_alarms,
    unanswered_reviews,
)
from alerts.report.model import (
    TREND_WEEKS,
    PlatformLine,
    RatingStats,
    SentimentSplit,
    WeeklyReport,
    WeekPoint,
)
from alerts.report.sources import SourceState, source_states
from alerts.report.weeks import IsoWeek
from alerts.settings import AlertRules
from storage.models import Business, Review


def _stats(row: Any) -> RatingStats:
    return RatingStats(int(row.n or 0), int(row.rated or 0), float(row.stars or 0.0))


def _aggregates() -> tuple[ColumnElement[Any], ...]:
    return (
        func.count().label("n"),
        func.count(col(Review.rating)).label("rated"),
        func.sum(col(Review.rating)).label("stars"),
    )


def _trend(
    conn: Connection, business_id: int, weeks: Sequence[IsoWeek], tz: ZoneInfo
) -> tuple[WeekPoint, ...]:
    """Count and star sum per week in one query, the week chosen by a CASE over bounds."""
    bounds = [w.start_utc(tz) for w in weeks] + [weeks[-1].end_utc(tz)]
    when = review_date()
    bucket = case(
        *((and_(when >= bounds[i], when < bounds[i + 1]), i) for i in range(len(weeks))),
        else_=-1,
    ).label("bucket")
    query = (
        select(bucket, *_aggregates())
        .where(in_range(business_id, bounds[0], bounds[-1]))
        .group_by(bucket)
    )
    found = {int(row.bucket): _stats(row) for row in conn.execute(query)}
    return tuple(WeekPoint(w, found.get(i, RatingStats())) for i, w in enumerate(weeks))


def _all_time(conn: Connection, business_id: int, end: datetime) -> RatingStats:
    query = select(*_aggregates()).where(
        col(Review.business_id) == business_id, review_date() < end
    )
    return _stats(conn.execute(query).one())


def _platforms(
    conn: Connection,
    business_id: int,
    start: datetime,
    end: datetime,
    sources: Mapping[int, SourceState],
) -> tuple[PlatformLine, ...]:
    """Every enabled source, plus disabled ones that still brought reviews this week."""
    counts = {
        row.source_id: _stats(row)
        for row in conn.execute(
            select(col(Review.source_id), *_aggregates())
            .where(in_range(business_id, start, end))
            .group_by(col(Review.source_id))
        )
    }
    lines = [
        PlatformLine(s.name, s.source_type, counts.get(s.id, RatingStats()), s.display_name)
        for s in sources.values()
        if s.enabled or s.id in counts
    ]
    return tuple(sorted(lines, key=lambda line: -line.stats.count))


def _sentiment(
    conn: Connection, business_id: int, start: datetime, end: datetime
) -> SentimentSplit:
    label = col(Review.sentiment_label)
    rows = conn.execute(
        select(label, func.count().label("n"))
        .where(in_range(business_id, start, end))
        .group_by(label)
    )
    counts = {row.sentiment_label: int(row.n) for row in rows}
    known = ("positive", "neutral", "negative")
    return SentimentSplit(
        positive=counts.get("positive", 0),
        neutral=counts.get("neutral", 0),
        negative=counts.get("negative", 0),
        unclassified=sum(n for k, n in counts.items() if k not in known),
    )


def compute_report(
    conn: Connection,
    business: Business,
    week: IsoWeek,
    rules: AlertRules | None = None,
    as_of: datetime | None = None,
) -> WeeklyReport:
    """All figures of one business's report for `week`, sources' health as of `as_of`.

    A review is critical by the business's alert `rules` (defaults when not given), the
    same decision that sends an alert.
    """
    assert business.id is not None
    tz = ZoneInfo(business.timezone)
    start, end = week.start_utc(tz), week.end_utc(tz)
    weeks = [week.shifted(i - TREND_WEEKS + 1) for i in range(TREND_WEEKS)]
    sources = source_states(conn, business.id)
    negative, negative_total = critical_reviews(
        conn, business.id, start, end, rules or AlertRules(), sources
    )
    unanswered, unanswered_total, replies = unanswered_reviews(conn, business.id, end, sources)
    return WeeklyReport(
        business_id=business.id,
        business_name=business.name,
        language=business.language,
        timezone=tz,
        week=week,
        start=start,
        end=end,
        trend=_trend(conn, business.id, weeks, tz),
        all_time=_all_time(conn, business.id, end),
        platforms=_platforms(conn, business.id, start, end, sources),
        sentiment=_sentiment(conn, business.id, start, end),
        negative=negative,
        negative_total=negative_total,
        unanswered=unanswered,
        unanswered_total=unanswered_total,
        crawl_problems=crawl_problems(conn, business.id, start, end, sources),
        alarms=source_alarms(sources),
        replies=replies,
        readable_sources=sum(1 for s in sources.values() if s.enabled and not s.down),
        as_of=as_of or end,
    )
