"""The week's figures for one business, from a handful of aggregate queries.

Nothing here loads all reviews: counts, sums and averages are computed by the database.
A review belongs to the week of its date (see `storage.figures.review_date`) in the business's own
time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from alerts.report.lists import crawl_problems, critical_reviews, unanswered_reviews
from alerts.report.model import (
    TREND_WEEKS,
    PlatformLine,
    RatingStats,
    SentimentSplit,
    WeeklyReport,
    WeekPoint,
)
from alerts.report.weeks import IsoWeek
from storage.figures import (
    RatingCounts,
    rating_counts,
    rating_counts_per_period,
    rating_counts_per_source,
    sentiment_counts,
)
from storage.models import Business
from storage.registry import sources_of_business


def _stats(counts: RatingCounts) -> RatingStats:
    return RatingStats(counts.count, counts.rated, counts.star_sum)


def _trend(
    session: Session, business_id: int, weeks: Sequence[IsoWeek], tz: ZoneInfo
) -> tuple[WeekPoint, ...]:
    """Count and star sum per week, in one query."""
    bounds = [w.start_utc(tz) for w in weeks] + [weeks[-1].end_utc(tz)]
    found = rating_counts_per_period(session, business_id, bounds)
    return tuple(WeekPoint(w, _stats(c)) for w, c in zip(weeks, found, strict=True))


def _platforms(
    session: Session, business_id: int, start: datetime, end: datetime
) -> tuple[PlatformLine, ...]:
    """Every enabled source, plus disabled ones that still brought reviews this week."""
    counts = rating_counts_per_source(session, business_id, start, end)
    lines = [
        PlatformLine(s.name, s.type, _stats(counts.get(s.id or 0, RatingCounts())))
        for s in sources_of_business(session, business_id)
        if s.enabled or s.id in counts
    ]
    return tuple(sorted(lines, key=lambda line: -line.stats.count))


def _sentiment(
    session: Session, business_id: int, start: datetime, end: datetime
) -> SentimentSplit:
    counts = sentiment_counts(session, business_id, start, end)
    known = ("positive", "neutral", "negative")
    return SentimentSplit(
        positive=counts.get("positive", 0),
        neutral=counts.get("neutral", 0),
        negative=counts.get("negative", 0),
        unclassified=sum(n for k, n in counts.items() if k not in known),
    )


def compute_report(
    session: Session, business: Business, week: IsoWeek, star_threshold: float = 2.0
) -> WeeklyReport:
    """All figures of one business's report for `week`.

    Reviews at or below `star_threshold` stars, or classified negative, count as critical.
    """
    assert business.id is not None
    tz = ZoneInfo(business.timezone)
    start, end = week.start_utc(tz), week.end_utc(tz)
    weeks = [week.shifted(i - TREND_WEEKS + 1) for i in range(TREND_WEEKS)]
    negative, negative_total = critical_reviews(session, business.id, start, end, star_threshold)
    unanswered, unanswered_total = unanswered_reviews(session, business.id, end)
    return WeeklyReport(
        business_id=business.id,
        business_name=business.name,
        language=business.language,
        timezone=tz,
        week=week,
        start=start,
        end=end,
        trend=_trend(session, business.id, weeks, tz),
        all_time=_stats(rating_counts(session, business.id, before=end)),
        platforms=_platforms(session, business.id, start, end),
        sentiment=_sentiment(session, business.id, start, end),
        negative=negative,
        negative_total=negative_total,
        unanswered=unanswered,
        unanswered_total=unanswered_total,
        crawl_problems=crawl_problems(session, business.id, start, end),
    )
