"""The notification outbox: enqueue once by dedup key, claim, mark sent or failed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Business, Notification, NotificationStatus, utcnow


def enqueue(session: Session, notification: Notification) -> bool:
    """Add the notification unless one with the same dedup key exists; True if added.

    A savepoint keeps the caller's transaction intact when the key already exists.
    """
    if dedup_key_exists(session, notification.dedup_key):
        return False
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return False
    return True


def dedup_key_exists(session: Session, key: str) -> bool:
    found = session.exec(select(Notification.id).where(Notification.dedup_key == key)).first()
    return found is not None


def existing_dedup_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Which of `keys` the outbox holds already (in any status)."""
    query = select(Notification.dedup_key).where(col(Notification.dedup_key).in_(list(keys)))
    return set(session.exec(query))


CHANNEL_PREFIX = "channel:"
"""Recipients of chat channels and webhooks (`alerts.channel_urls`); the others are emails."""


def due(
    session: Session, now: datetime, limit: int = 500, channels: bool | None = None
) -> list[Notification]:
    """Pending notifications whose time has come (send_after and retry backoff passed).

    The backoff condition is in SQL: rows waiting for a retry never crowd out due ones.
    `channels` True/False: only channel rows / only emails, chosen in SQL too, so mail
    left due during a mail outage never crowds out the channels (nor the other way round).
    """
    recipients = col(Notification.recipient).startswith(CHANNEL_PREFIX, autoescape=True)
    kind = [] if channels is None else [recipients if channels else ~recipients]
    rows = session.exec(
        select(Notification)
        .where(
            *kind,
            col(Notification.status).in_(
                [NotificationStatus.PENDING.value, NotificationStatus.SENDING.value]
            ),
            col(Notification.send_after) <= now,
            or_(
                col(Notification.next_attempt_at).is_(None),
                col(Notification.next_attempt_at) <= now,
            ),
        )
        .order_by(col(Notification.id))
        .limit(limit)
    )
    return list(rows)


_OPEN = (NotificationStatus.PENDING.value, NotificationStatus.SENDING.value)


def claim(session: Session, notification_id: int, now: datetime, lease_until: datetime) -> bool:
    """Mark a due row as being sent until `lease_until`; False when another sender won it.

    One conditional UPDATE: of two senders racing for a row exactly one sees a row changed.
    """
    result = session.connection().execute(
        update(Notification)
        .where(
            col(Notification.id) == notification_id,
            col(Notification.status).in_(_OPEN),
            or_(
                col(Notification.next_attempt_at).is_(None),
                col(Notification.next_attempt_at) <= now,
            ),
        )
        .values(status=NotificationStatus.SENDING.value, next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def mark_sent(session: Session, notification: Notification, now: datetime) -> None:
    notification.status = NotificationStatus.SENT.value
    notification.sent_at = now
    notification.attempts += 1
    notification.last_error = None
    session.add(notification)


def mark_attempt_failed(
    session: Session,
    notification: Notification,
    error: str,
    now: datetime,
    max_attempts: int,
    base_delay: timedelta,
) -> None:
    """Record a failed send; back off exponentially, give up after `max_attempts`."""
    notification.attempts += 1
    notification.last_error = error[:2000]
    if notification.attempts >= max_attempts:
        notification.status = NotificationStatus.FAILED.value
        notification.next_attempt_at = None
    else:
        notification.status = NotificationStatus.PENDING.value
        notification.next_attempt_at = now + base_delay * (2 ** (notification.attempts - 1))
    session.add(notification)


def postpone(
    session: Session, notification: Notification, error: str, now: datetime, delay: timedelta
) -> None:
    """The server could not be reached: try again after `delay`; no attempt is counted."""
    notification.status = NotificationStatus.PENDING.value
    notification.last_error = error[:2000]
    notification.next_attempt_at = now + delay
    session.add(notification)


def requeue_failed(session: Session, now: datetime) -> int:
    """Give every FAILED row a fresh set of attempts; how many were re-queued."""
    rows = session.exec(
        select(Notification).where(Notification.status == NotificationStatus.FAILED.value)
    ).all()
    for row in rows:
        row.status = NotificationStatus.PENDING.value
        row.attempts = 0
        row.next_attempt_at = now
        session.add(row)
    return len(rows)


def counts_by_status(session: Session, business_id: int | None = None) -> dict[str, int]:
    """Rows per status, counted by the database."""
    query = select(Notification.status, func.count()).group_by(col(Notification.status))
    if business_id is not None:
        query = query.where(Notification.business_id == business_id)
    return {status: int(count) for status, count in session.exec(query)}


def counts_by_business(session: Session) -> dict[int | None, dict[str, int]]:
    """Rows per business and status in one query (None: rows of no business)."""
    query = select(Notification.business_id, Notification.status, func.count()).group_by(
        col(Notification.business_id), col(Notification.status)
    )
    counts: dict[int | None, dict[str, int]] = {}
    for business_id, status, count in session.exec(query):
        counts.setdefault(business_id, {})[status] = int(count)
    return counts


def new_notification(**fields: Any) -> Notification:
    fields.setdefault("send_after", utcnow())
    return Notification(**fields)


def count_notifications(
    session: Session, *, kind: str | None = None, business_id: int | None = None
) -> int:
    """Outbox rows of any status, optionally of one kind or one business."""
    query = select(func.count()).select_from(Notification)
    if kind is not None:
        query = query.where(col(Notification.kind) == kind)
    if business_id is not None:
        query = query.where(col(Notification.business_id) == business_id)
    return int(session.exec(query).one())


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outbox row with the name of its business (None: operator mail of no business)."""

    notification: Notification
    business_name: str | None


def latest_notifications(
    session: Session, *, status: str | None = None, limit: int = 20
) -> list[OutboxEntry]:
    """The newest outbox rows first, optionally only those in one status."""
    query = select(Notification, Business.name).join(Business, isouter=True)
    if status is not None:
        query = query.where(Notification.status == status)
    rows = session.exec(query.order_by(col(Notification.id).desc()).limit(limit))
    return [OutboxEntry(notification, name) for notification, name in rows]
