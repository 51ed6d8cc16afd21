"""When a notification may go out: quiet hours and the daily digest, in the business's zone.

Times are computed from an explicit `now`, so tests need no clock and no sleeping.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts.settings import QuietHours


def _at(day: datetime, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` on the local day of `day`, as an aware datetime (DST handled by zoneinfo)."""
    return datetime.combine(day.date(), clock, tzinfo=tz)


def in_quiet_hours(local: time, quiet: QuietHours) -> bool:
    """Inside [start, end); a window with start > end spans midnight; start == end is empty."""
    if quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def after_quiet_hours(when: datetime, quiet: QuietHours | None, timezone: str) -> datetime:
    """`when`, or the end of the quiet window it falls in; never earlier, never dropped."""
    if quiet is None:
        return when
    tz = ZoneInfo(timezone)
    local = when.astimezone(tz)
    if not in_quiet_hours(local.time(), quiet):
        return when
    end = _at(local, quiet.end, tz)
    if end <= local:
        end = _at(local + timedelta(days=1), quiet.end, tz)
    return end.astimezone(when.tzinfo)


def next_digest_time(now: datetime, digest_time: time, timezone: str) -> datetime:
    """Today's digest time if it has not passed yet, otherwise tomorrow's."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    slot = _at(local, digest_time, tz)
    if slot < local:
        slot = _at(local + timedelta(days=1), digest_time, tz)
    return slot.astimezone(now.tzinfo)


def send_after(
    now: datetime,
    timezone: str,
    quiet: QuietHours | None,
    digest_time: time | None = None,
) -> datetime:
    """Instant: now; digest: the next digest time; both pushed past quiet hours."""
    when = now if digest_time is None else next_digest_time(now, digest_time, timezone)
    return after_quiet_hours(when, quiet, timezone)
