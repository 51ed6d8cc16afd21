"""Source health: ONE operator email when a source breaks, and one when it recovers.

The decision is stored on the source row (`broken_notified`) in the same transaction as the
outbox row, and each row has a dedup key per source and failure streak, so repeated checks,
restarts and concurrent runs never send it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.channel_urls import channel_recipient
from alerts.dedup import dedup_key
from alerts.payloads import SourceStatusPayload, stored
from leumund.config import BusinessConfig, Config, SourceConfig
from storage.crawls import recent_runs
from storage.db import session_scope
from storage.models import Business, CrawlStatus, NotificationKind, Source, utcnow
from storage.outbox import enqueue, new_notification
from storage.registry import sources_with_business

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """A change of a source's health worth one operator email."""

    kind: NotificationKind
    business: BusinessConfig
    source: SourceConfig
    since: datetime
    failures: int
    error: str | None


def operator_recipients(config: Config, business: BusinessConfig) -> list[str]:
    """The operator's emails and channels; without any, the business owner's — but never
    for a competitor's source: its owner does not run Leumund's crawling, so only operators
    hear of it (or the log)."""
    service = config.service
    if business.competitor_of is not None:
        return [*service.operator_emails, *(channel_recipient(url) for url in service.channels)]
    emails = service.operator_emails or business.owner_emails
    operator = bool(service.operator_emails or service.channels)
    channels = service.channels if operator else business.channels
    return [*dict.fromkeys([*emails, *(channel_recipient(url) for url in channels)])]


def _recovered_at(session: Session, source: Source) -> datetime | None:
    """When the source started working again: the first OK run after the last failure."""
    assert source.id is not None
    recovered: datetime | None = None
    for run in recent_runs(session, source.id, limit=200):
        if run.status != CrawlStatus.OK.value:
            break
        recovered = run.finished_at or run.started_at
    return recovered


def _event(session: Session, config: Config, row: Source, business: Business) -> SourceEvent | None:
    try:
        bconf = config.watched_business(business.name)
    except KeyError:
        return None
    sconf = next((s for s in bconf.sources if s.name == row.name), None)
    if sconf is None or not sconf.enabled:
        return None
    broken = row.consecutive_failures >= config.service.failure_threshold
    if broken and not row.broken_notified and row.failing_since is not None:
        kind, since = NotificationKind.SOURCE_BROKEN, row.failing_since
    elif row.broken_notified and row.consecutive_failures == 0:
        kind, recovered = NotificationKind.SOURCE_RECOVERED, _recovered_at(session, row)
        since = recovered or row.last_success_at or row.last_attempt_at or utcnow()
    else:
        return None
    return SourceEvent(kind, bconf, sconf, since, row.consecutive_failures, row.last_error)


def _payload(event: SourceEvent) -> SourceStatusPayload:
    business, source = event.business, event.source
    broken = event.kind is NotificationKind.SOURCE_BROKEN
    return SourceStatusPayload(
        kind="source_broken" if broken else "source_recovered",
        business=business.name, language=business.language, timezone=business.timezone,
        source=source.name, platform=source.type, since=event.since, failures=event.failures,
        error=event.error,
    )  # fmt: skip


def _enqueue_event(
    session: Session, config: Config, row: Source, event: SourceEvent, now: datetime
) -> int:
    assert row.id is not None
    added, payload = 0, stored(_payload(event))
    for recipient in operator_recipients(config, event.business):
        notification = new_notification(
            kind=event.kind.value,
            dedup_key=dedup_key(
                event.kind.value, row.id, event.since.isoformat(), recipient=recipient
            ),
            recipient=recipient,
            business_id=row.business_id,
            source_id=row.id,
            payload=payload,
            send_after=now,
        )
        added += enqueue(session, notification)
    row.broken_notified = event.kind is NotificationKind.SOURCE_BROKEN
    session.add(row)
    return added


def check_sources(
    engine: Engine, config: Config, now: datetime, source_id: int | None = None
) -> int:
    """Enqueue broken/recovered operator emails that are due; returns how many were added."""
    added = 0
    with session_scope(engine) as session:
        for row, business in sources_with_business(session, source_id):
            event = _event(session, config, row, business)
            if event is None:
                continue
            added += _enqueue_event(session, config, row, event, now)
            log.warning(
                "source %s / %s %s (since %s, %d failures)", business.name, row.name,
                "broken" if event.kind is NotificationKind.SOURCE_BROKEN else "recovered",
                event.since.isoformat(timespec="minutes"), event.failures,
            )  # fmt: skip
    return added
