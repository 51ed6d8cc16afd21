"""What the report says about the competition and about the invitation kit: plain figures.

Kept apart from `alerts.report.model` (which holds them as two optional fields) so the
computing module (`alerts.report.competitors`) may use the model without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MIN_TOPIC_MENTIONS = 10
"""Mentions a topic needs on each side (the business; its competitors together)."""
CLEAR_GAP = 0.15
"""Difference of the negative shares (15 percentage points) that counts as clearly ahead."""
TOPIC_LIMIT = 3
INVITE_BEFORE_WEEKS = 8
"""The invitation kit is compared with the 8 weeks before it was made."""


@dataclass(frozen=True, slots=True)
class Stars:
    """Reviews counted, how many carried a rating, and the sum of those ratings."""

    count: int = 0
    rated: int = 0
    total: float = 0.0

    @property
    def average(self) -> float | None:
        return self.total / self.rated if self.rated else None


@dataclass(frozen=True, slots=True)
class RivalLine:
    """One business in the comparison (the owner's own first): its last weeks' figures."""

    name: str
    own: bool
    recent: Stars
    """The report's week and the weeks before it (`Comparison.weeks` in all)."""
    before: Stars
    """The same number of weeks before those."""
    reply_checked: int = 0
    replied: int = 0

    @property
    def trend(self) -> float | None:
        """Average now minus average before; None when either is unknown."""
        now, then = self.recent.average, self.before.average
        return None if now is None or then is None else now - then

    @property
    def reply_rate(self) -> float | None:
        """Share answered, where the platform shows replies (None: nowhere visible)."""
        return self.replied / self.reply_checked if self.reply_checked else None


@dataclass(frozen=True, slots=True)
class TopicGap:
    """A topic where the business is clearly ahead of (or behind) its competitors."""

    topic: str
    own_mentions: int
    own_negative: int
    rival_mentions: int
    rival_negative: int

    @property
    def own_share(self) -> float:
        return self.own_negative / self.own_mentions

    @property
    def rival_share(self) -> float:
        return self.rival_negative / self.rival_mentions

    @property
    def ahead(self) -> bool:
        return self.own_share < self.rival_share


@dataclass(frozen=True, slots=True)
class Comparison:
    lines: tuple[RivalLine, ...]
    topics: tuple[TopicGap, ...] = ()
    weeks: int = 4
    topic_weeks: int = 12

    @property
    def competitors(self) -> int:
        return sum(1 for line in self.lines if not line.own)

    def per_week(self, line: RivalLine) -> float:
        return line.recent.count / self.weeks


@dataclass(frozen=True, slots=True)
class InviteEffect:
    """Reviews per week and average stars before the invitation kit was made and since."""

    made_at: datetime
    before: Stars
    before_weeks: float
    since: Stars
    since_weeks: float

    @property
    def too_early(self) -> bool:
        """Under two weeks say little: the report says so instead of a number."""
        return self.since_weeks < 2

    @property
    def before_per_week(self) -> float:
        return self.before.count / self.before_weeks if self.before_weeks else 0.0

    @property
    def since_per_week(self) -> float:
        return self.since.count / self.since_weeks if self.since_weeks else 0.0
