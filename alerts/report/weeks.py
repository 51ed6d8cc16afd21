"""ISO weeks in a business's own time zone: what "this week" means for an owner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W47' → IsoWeek; ValueError with the expected form otherwise."""
        match = _WEEK.match(text)
        if match:
            year, week = int(match.group(1)), int(match.group(2))
            try:
                date.fromisocalendar(year, week, 1)
                return cls(year, week)
            except ValueError:
                pass
        raise ValueError(f"expected an ISO week like '2026-W47', got {text!r}")

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday() + timedelta(weeks=weeks))

    def start_utc(self, tz: ZoneInfo) -> datetime:
        """Monday 00:00 local time, as UTC (DST-safe: each boundary converted on its own)."""
        return datetime.combine(self.monday(), time(0, 0), tzinfo=tz).astimezone(UTC)

    def end_utc(self, tz: ZoneInfo) -> datetime:
        return self.shifted(1).start_utc(tz)


def last_complete_week(now: datetime, tz: ZoneInfo) -> IsoWeek:
    """The week before the one `now` falls in locally: a Monday report covers last week."""
    return IsoWeek.of(now.astimezone(tz).date()).shifted(-1)
