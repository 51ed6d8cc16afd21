"""The week's figures for one business, from a handful of aggregate queries.

Nothing here loads all reviews: counts, sums and averages are computed by the database.
A review belongs to the week of its date (see `storage.figures.review_date`) in the business's own
time zone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from alerts.report.competitors import compute_comparison, compute_invite_effect
from alerts.report.lists import (
    crawl_problems,
    critical_reviews,
    source_alarms,
    unanswered_reviews,
)
from alerts.report.model import (
    COMPARE_WEEKS,
    TREND_WEEKS,
    PlatformLine,
    RatingStats,
    SentimentSplit,
    WeeklyReport,
    WeekPoint,
)
from alerts.report.sources import SourceState, source_states
from alerts.report.topics import compute_topics
from alerts.report.weeks import IsoWeek
from alerts.settings import AlertRules
from storage.bursts import burst_starts
from storage.figures import (
    RatingCounts,
    rating_counts,
    rating_counts_per_period,
    rating_counts_per_source,
    sentiment_counts,
)
from storage.models import Business


def _stats(counts: RatingCounts) -> RatingStats:
    return RatingStats(counts.count, counts.rated, counts.star_sum)


def _trend(
    session: Session, business_id: int, weeks: Sequence[IsoWeek], tz: ZoneInfo
) -> tuple[WeekPoint, ...]:
    """Count and star sum per week, in one query."""
    bounds = [w.start_utc(tz) for w in weeks] + [weeks[-1].end_utc(tz)]
    found = rating_counts_per_period(session, business_id, bounds)
    return tuple(WeekPoint(w, _stats(c)) for w, c in zip(weeks, found, strict=True))


def _burst_weeks(
    session: Session, business_id: int, weeks: Sequence[IsoWeek], tz: ZoneInfo
) -> tuple[IsoWeek, ...]:
    """The weeks in which a suspicious burst began, each once."""
    starts = burst_starts(session, business_id, weeks[0].start_utc(tz), weeks[-1].end_utc(tz))
    return tuple(sorted({IsoWeek.of(s.astimezone(tz).date()) for s in starts}))


def _platforms(
    session: Session,
    business_id: int,
    start: datetime,
    end: datetime,
    sources: Mapping[int, SourceState],
) -> tuple[PlatformLine, ...]:
    """Every enabled source, plus disabled ones that still brought reviews this week."""
    counts = rating_counts_per_source(session, business_id, start, end)
    lines = [
        PlatformLine(
            s.name, s.source_type, _stats(counts.get(s.id, RatingCounts())), s.display_name
        )
        for s in sources.values()
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
    session: Session,
    business: Business,
    week: IsoWeek,
    rules: AlertRules | None = None,
    as_of: datetime | None = None,
    competitors: Collection[str] | None = None,
) -> WeeklyReport:
    """All figures of one business's report for `week`, sources' health as of `as_of`.

    A review is critical by the business's alert `rules` (defaults when not given), the
    same decision that sends an alert. The comparison covers the competitors stored under
    the names `competitors` (all of the business's, when not given).
    """
    assert business.id is not None
    tz = ZoneInfo(business.timezone)
    start, end = week.start_utc(tz), week.end_utc(tz)
    weeks = [week.shifted(i - TREND_WEEKS + 1) for i in range(TREND_WEEKS)]
    sources = source_states(session, business.id)
    negative, negative_total = critical_reviews(
        session, business.id, start, end, rules or AlertRules(), sources
    )
    unanswered, unanswered_total, replies = unanswered_reviews(session, business.id, end, sources)
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
        platforms=_platforms(session, business.id, start, end, sources),
        sentiment=_sentiment(session, business.id, start, end),
        negative=negative,
        negative_total=negative_total,
        unanswered=unanswered,
        unanswered_total=unanswered_total,
        crawl_problems=crawl_problems(session, business.id, start, end, sources),
        alarms=source_alarms(sources),
        replies=replies,
        readable_sources=sum(1 for s in sources.values() if s.enabled and not s.down),
        as_of=as_of or end,
        burst_weeks=_burst_weeks(session, business.id, weeks, tz),
        competitors=compute_comparison(session, business, week, competitors),
        invite=compute_invite_effect(session, business.id, min(end, as_of or end)),
        topics=compute_topics(session, business.id, week, tz, COMPARE_WEEKS),
    )
