"""The week's figures for one business, from a handful of aggregate queries.

Nothing here loads all reviews: counts, sums and averages are computed by the database,
and only the short lists the report shows (negative, unanswered) are fetched as rows. A
review belongs to the week of its publication date (first-seen date when the platform
gives none), in the business's own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from alerts.message import safe_url
from alerts.report.weeks import IsoWeek
from storage.models import Business, CrawlRun, CrawlStatus, Review, Source

TREND_WEEKS = 12
COMPARE_WEEKS = 4
NEGATIVE_LIMIT = 8
UNANSWERED_LIMIT = 5
UNANSWERED_DAYS = 28
TEXT_LIMIT = 240
SHORT_TEXT_LIMIT = 120
NAME_LIMIT = 150

_FAILED = (CrawlStatus.FAILED.value, CrawlStatus.TIMEOUT.value)


@dataclass(frozen=True, slots=True)
class RatingStats:
    """Reviews counted, how many carried a star rating, and the sum of those stars."""

    count: int = 0
    rated: int = 0
    stars: float = 0.0

    @property
    def average(self) -> float | None:
        return self.stars / self.rated if self.rated else None

    def __add__(self, other: RatingStats) -> RatingStats:
        return RatingStats(
            self.count + other.count, self.rated + other.rated, self.stars + other.stars
        )


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: IsoWeek
    stats: RatingStats


@dataclass(frozen=True, slots=True)
class PlatformLine:
    source_name: str
    source_type: str
    stats: RatingStats


@dataclass(frozen=True, slots=True)
class SentimentSplit:
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unclassified: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative + self.unclassified


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """A review as the report lists it; `text` is shortened, `url` leads to the rest."""

    author: str
    rating: float | None
    when: datetime
    title: str
    text: str
    shortened: bool
    url: str | None
    source_name: str
    source_type: str
    sentiment: str | None


@dataclass(frozen=True, slots=True)
class CrawlProblem:
    source_name: str
    source_type: str
    failed_runs: int
    total_runs: int
    last_error: str | None
    failing_since: datetime | None


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    business_id: int
    business_name: str
    language: str
    timezone: ZoneInfo
    week: IsoWeek
    start: datetime
    end: datetime
    trend: tuple[WeekPoint, ...]
    all_time: RatingStats
    platforms: tuple[PlatformLine, ...]
    sentiment: SentimentSplit
    negative: tuple[ReviewLine, ...]
    negative_total: int
    unanswered: tuple[ReviewLine, ...]
    unanswered_total: int
    crawl_problems: tuple[CrawlProblem, ...]

    @property
    def this_week(self) -> RatingStats:
        return self.trend[-1].stats

    @property
    def previous(self) -> RatingStats:
        """The weeks before this one that the report compares against."""
        total = RatingStats()
        for point in self.trend[-1 - COMPARE_WEEKS : -1]:
            total = total + point.stats
        return total


def _when() -> ColumnElement[Any]:
    return func.coalesce(col(Review.published_at), col(Review.first_seen_at))


def _in_range(business_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    when = _when()
    return and_(col(Review.business_id) == business_id, when >= start, when < end)


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
    when = _when()
    bucket = case(
        *((and_(when >= bounds[i], when < bounds[i + 1]), i) for i in range(len(weeks))),
        else_=-1,
    ).label("bucket")
    query = (
        select(bucket, *_aggregates())
        .where(_in_range(business_id, bounds[0], bounds[-1]))
        .group_by(bucket)
    )
    found = {int(row.bucket): _stats(row) for row in conn.execute(query)}
    return tuple(WeekPoint(w, found.get(i, RatingStats())) for i, w in enumerate(weeks))


def _all_time(conn: Connection, business_id: int, end: datetime) -> RatingStats:
    query = select(*_aggregates()).where(col(Review.business_id) == business_id, _when() < end)
    return _stats(conn.execute(query).one())


def _platforms(
    conn: Connection, business_id: int, start: datetime, end: datetime
) -> tuple[PlatformLine, ...]:
    """Every enabled source, plus disabled ones that still brought reviews this week."""
    counts = {
        row.source_id: _stats(row)
        for row in conn.execute(
            select(col(Review.source_id), *_aggregates())
            .where(_in_range(business_id, start, end))
            .group_by(col(Review.source_id))
        )
    }
    sources = conn.execute(
        select(col(Source.id), col(Source.name), col(Source.type), col(Source.enabled))
        .where(col(Source.business_id) == business_id)
        .order_by(col(Source.name))
    )
    lines = [
        PlatformLine(s.name, s.type, counts.get(s.id, RatingStats()))
        for s in sources
        if s.enabled or s.id in counts
    ]
    return tuple(sorted(lines, key=lambda line: -line.stats.count))


def _sentiment(
    conn: Connection, business_id: int, start: datetime, end: datetime
) -> SentimentSplit:
    label = col(Review.sentiment_label)
    rows = conn.execute(
        select(label, func.count().label("n"))
        .where(_in_range(business_id, start, end))
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


def _is_negative(star_threshold: float) -> ColumnElement[bool]:
    return or_(col(Review.rating) <= star_threshold, col(Review.sentiment_label) == "negative")


def _is_unanswered() -> ColumnElement[bool]:
    reply = col(Review.reply_text)
    return or_(reply.is_(None), func.trim(reply) == "")


def _review_lines(
    conn: Connection,
    where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int,
    text_limit: int,
) -> tuple[tuple[ReviewLine, ...], int]:
    """At most `limit` reviews plus the total matching; texts cut in SQL already."""
    total = conn.execute(select(func.count()).select_from(Review).where(where)).scalar_one()
    query = (
        select(
            func.substr(col(Review.author), 1, NAME_LIMIT).label("author"),
            col(Review.rating),
            _when().label("when"),
            func.substr(col(Review.title), 1, NAME_LIMIT).label("title"),
            func.substr(col(Review.text), 1, 2 * text_limit).label("text"),
            col(Review.url),
            col(Review.sentiment_label),
            col(Source.name).label("source_name"),
            col(Source.type).label("source_type"),
        )
        .join(Source, col(Source.id) == col(Review.source_id))
        .where(where)
        .order_by(*order)
        .limit(limit)
    )
    lines = tuple(_line(row, text_limit) for row in conn.execute(query))
    return lines, int(total)


def _clip(value: str | None) -> str:
    text = " ".join((value or "").split())
    return text if len(text) < NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _line(row: Any, text_limit: int) -> ReviewLine:
    text = " ".join(str(row.text or "").split())
    shortened = len(text) > text_limit
    if shortened:
        text = text[:text_limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"
    return ReviewLine(
        author=_clip(row.author),
        rating=row.rating,
        when=row.when,
        title=_clip(row.title),
        text=text,
        shortened=shortened,
        url=safe_url(row.url),
        source_name=row.source_name,
        source_type=row.source_type,
        sentiment=row.sentiment_label,
    )


def _crawl_problems(
    conn: Connection, business_id: int, start: datetime, end: datetime
) -> tuple[CrawlProblem, ...]:
    """Sources with failed runs this week, or still failing at the week's end."""
    run_counts: dict[int, tuple[int, int]] = {}
    last_error: dict[int, str | None] = {}
    runs = conn.execute(
        select(col(CrawlRun.source_id), col(CrawlRun.status), col(CrawlRun.error))
        .join(Source, col(Source.id) == col(CrawlRun.source_id))
        .where(
            col(Source.business_id) == business_id,
            col(CrawlRun.started_at) >= start,
            col(CrawlRun.started_at) < end,
        )
        .order_by(col(CrawlRun.started_at))
    )
    for run in runs:
        failed, total = run_counts.get(run.source_id, (0, 0))
        is_failed = run.status in _FAILED
        run_counts[run.source_id] = (failed + is_failed, total + 1)
        if is_failed:
            last_error[run.source_id] = run.error
    sources = conn.execute(
        select(Source).where(col(Source.business_id) == business_id).order_by(col(Source.name))
    )
    problems = []
    for s in sources:
        failed, total = run_counts.get(s.id, (0, 0))
        still_failing = s.enabled and s.failing_since is not None and s.failing_since < end
        if failed or still_failing:
            error = last_error.get(s.id) or s.last_error
            problems.append(CrawlProblem(s.name, s.type, failed, total, error, s.failing_since))
    return tuple(problems)


def _negative(
    conn: Connection, business_id: int, start: datetime, end: datetime, star_threshold: float
) -> tuple[tuple[ReviewLine, ...], int]:
    """The week's critical reviews, worst first (unrated ones after the rated)."""
    return _review_lines(
        conn,
        and_(_in_range(business_id, start, end), _is_negative(star_threshold)),
        (func.coalesce(col(Review.rating), 6.0), _when().desc(), col(Review.id)),
        NEGATIVE_LIMIT,
        TEXT_LIMIT,
    )


def _unanswered(
    conn: Connection, business_id: int, end: datetime
) -> tuple[tuple[ReviewLine, ...], int]:
    """Recent reviews the owner has not replied to yet, newest first."""
    recent = _in_range(business_id, end - timedelta(days=UNANSWERED_DAYS), end)
    return _review_lines(
        conn,
        and_(recent, _is_unanswered()),
        (_when().desc(), col(Review.id)),
        UNANSWERED_LIMIT,
        SHORT_TEXT_LIMIT,
    )


def compute_report(
    conn: Connection, business: Business, week: IsoWeek, star_threshold: float = 2.0
) -> WeeklyReport:
    """All figures of one business's report for `week`.

    Reviews at or below `star_threshold` stars, or classified negative, count as critical.
    """
    assert business.id is not None
    tz = ZoneInfo(business.timezone)
    start, end = week.start_utc(tz), week.end_utc(tz)
    weeks = [week.shifted(i - TREND_WEEKS + 1) for i in range(TREND_WEEKS)]
    negative, negative_total = _negative(conn, business.id, start, end, star_threshold)
    unanswered, unanswered_total = _unanswered(conn, business.id, end)
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
        platforms=_platforms(conn, business.id, start, end),
        sentiment=_sentiment(conn, business.id, start, end),
        negative=negative,
        negative_total=negative_total,
        unanswered=unanswered,
        unanswered_total=unanswered_total,
        crawl_problems=_crawl_problems(conn, business.id, start, end),
    )
