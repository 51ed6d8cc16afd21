"""What a weekly report holds: plain figures and short lists, no database, no wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.report.comparison import Comparison, InviteEffect
from alerts.report.topics import TopicLine
from alerts.report.weeks import IsoWeek

TREND_WEEKS = 12
COMPARE_WEEKS = 4
NEGATIVE_LIMIT = 8
UNANSWERED_LIMIT = 5
UNANSWERED_DAYS = 28
TEXT_LIMIT = 240
SHORT_TEXT_LIMIT = 120
NAME_LIMIT = 150


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
    display_name: str


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
    display_name: str
    review_id: int = 0
    reasons: tuple[str, ...] = ()  # beyond the stars: 'negative', 'keyword:Hygiene'


@dataclass(frozen=True, slots=True)
class CrawlProblem:
    source_name: str
    source_type: str
    failed_runs: int
    total_runs: int
    last_error: str | None
    failing_since: datetime | None
    display_name: str


@dataclass(frozen=True, slots=True)
class SourceAlarm:
    """A source that delivers nothing now: it heads the report."""

    display_name: str
    since: datetime
    never_worked: bool
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ReplyCheck:
    """What "still without your reply" could look at.

    `checked` counts the recent reviews of sources that show replies; `blind` holds
    (platform type, display name) of the enabled sources whose replies Leumund cannot see.
    """

    checked: int = 0
    blind: tuple[tuple[str, str], ...] = ()


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
    alarms: tuple[SourceAlarm, ...] = ()
    replies: ReplyCheck = ReplyCheck()
    readable_sources: int = 0
    as_of: datetime | None = None
    burst_weeks: tuple[IsoWeek, ...] = ()
    """Weeks of the trend in which a suspicious burst began (marked in chart and legend)."""
    competitors: Comparison | None = None
    invite: InviteEffect | None = None
    topics: tuple[TopicLine, ...] = ()  # the topic table (alerts.report.topics)

    @property
    def nothing_read(self) -> bool:
        """Every enabled source is down: an empty week says nothing about reviews."""
        return bool(self.alarms) and self.readable_sources == 0

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
