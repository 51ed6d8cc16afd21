"""What `leumund status` shows: per business and source, health, counts and next runs.

Next runs are computed from the config schedules and the last attempts stored in the
database, so the command answers the same whether or not the service is running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.timing import after_quiet_hours
from leumund.config import BusinessConfig, Config, SourceConfig, parse_interval
from leumund.service.scheduler import crontab_trigger, health_trigger, is_overdue, report_trigger
from storage.db import session_scope
from storage.figures import count_reviews, reviews_per_model
from storage.models import NotificationStatus, Source
from storage.outbox import counts_by_business, latest_notifications
from storage.registry import get_business, sources_of_business

FAILED_SHOWN = 20


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    type: str
    enabled: bool
    schedule: str
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    reviews: int
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class BusinessStatus:
    name: str
    timezone: str
    sources: list[SourceStatus]
    reviews: int
    notifications: dict[str, int]
    next_report: datetime | None
    mail_held_until: datetime | None = None
    competitor_of: str | None = None


@dataclass(frozen=True, slots=True)
class FailedNotification:
    """A message given up on: who did not get what, and why."""

    business: str | None
    kind: str
    recipient: str
    attempts: int
    last_error: str


@dataclass(frozen=True, slots=True)
class Status:
    businesses: list[BusinessStatus]
    model_configured: str
    models_used: dict[str, int]
    unclassified: int
    operator_notifications: dict[str, int]
    next_health_check: datetime | None
    failed: list[FailedNotification]
    failed_total: int


def next_crawl(
    source: SourceConfig, tz: ZoneInfo, last_attempt: datetime | None, now: datetime
) -> datetime | None:
    """Now when overdue (the service catches up on start), else the next slot."""
    if not source.enabled:
        return None
    if is_overdue(source, tz, last_attempt, now):
        return now
    interval = parse_interval(source.schedule)
    if interval is not None and last_attempt is not None:
        return last_attempt + interval
    fire: datetime | None = crontab_trigger(source.schedule, tz).get_next_fire_time(None, now)
    return fire


def _source_status(
    session: Session, business: BusinessConfig, row: Source | None, sconf: SourceConfig,
    now: datetime,
) -> SourceStatus:  # fmt: skip
    reviews = 0
    if row is not None and row.id is not None:
        reviews = count_reviews(session, source_id=row.id)
    last_attempt = row.last_attempt_at if row else None
    return SourceStatus(
        name=sconf.name,
        type=sconf.type,
        enabled=sconf.enabled,
        schedule=sconf.schedule,
        last_success_at=row.last_success_at if row else None,
        last_attempt_at=last_attempt,
        last_error=row.last_error if row else None,
        consecutive_failures=row.consecutive_failures if row else 0,
        reviews=reviews,
        next_run=next_crawl(sconf, ZoneInfo(business.timezone), last_attempt, now),
    )


def mail_held_until(business: BusinessConfig, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (mail to the owner waits), else None."""
    end = after_quiet_hours(now, business.alerts.quiet_hours, business.timezone)
    return end if end > now else None


def _business_status(
    session: Session, business: BusinessConfig, now: datetime, counts: dict[int, dict[str, int]]
) -> BusinessStatus:
    row = get_business(session, business.name)
    sources: dict[str, Source] = {}
    if row is not None and row.id is not None:
        sources = {s.name: s for s in sources_of_business(session, row.id)}
    statuses = [
        _source_status(session, business, sources.get(s.name), s, now) for s in business.sources
    ]
    report = None
    if business.report.enabled:
        trigger = report_trigger(business.report, ZoneInfo(business.timezone))
        report = trigger.get_next_fire_time(None, now)
    return BusinessStatus(
        name=business.name,
        timezone=business.timezone,
        sources=statuses,
        reviews=sum(s.reviews for s in statuses),
        notifications=counts.get(row.id, {}) if row and row.id else {},
        next_report=report,
        mail_held_until=None if business.competitor_of else mail_held_until(business, now),
        competitor_of=business.competitor_of,
    )


def _models_used(session: Session) -> tuple[dict[str, int], int]:
    rows = reviews_per_model(session)
    used = {model: n for model, n in rows.items() if model is not None}
    unclassified = rows.get(None, 0)
    return used, unclassified


def _failed(session: Session, limit: int) -> list[FailedNotification]:
    """The most recent notifications given up on, newest first."""
    rows = latest_notifications(session, status=NotificationStatus.FAILED.value, limit=limit)
    return [
        FailedNotification(
            business=entry.business_name,
            kind=entry.notification.kind,
            recipient=entry.notification.recipient,
            attempts=entry.notification.attempts,
            last_error=_first_line(entry.notification.last_error),
        )
        for entry in rows
    ]


def _first_line(error: str | None) -> str:
    return (error or "").strip().split("\n", 1)[0] or "no error recorded"


def collect_status(engine: Engine, config: Config, now: datetime) -> Status:
    with session_scope(engine) as session:
        counts = counts_by_business(session)
        named = {business_id: c for business_id, c in counts.items() if business_id is not None}
        businesses = [_business_status(session, b, now, named) for b in config.watched()]
        used, unclassified = _models_used(session)
        return Status(
            businesses=businesses,
            model_configured=config.sentiment.model,
            models_used=used,
            unclassified=unclassified,
            operator_notifications=counts.get(None, {}),
            next_health_check=health_trigger(config.service).get_next_fire_time(None, now),
            failed=_failed(session, FAILED_SHOWN),
            failed_total=sum(c.get(NotificationStatus.FAILED.value, 0) for c in counts.values()),
        )
