"""The notification outbox: enqueue once by dedup key, claim, mark sent or failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Notification, NotificationStatus, utcnow


def enqueue(session: Session, notification: Notification) -> bool:
    """Add the notification unless one with the same dedup key exists; True if added.

    A savepoint keeps the caller's transaction intact when the key already exists.
    """
    exists = session.exec(
        select(Notification.id).where(Notification.dedup_key == notification.dedup_key)
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return False
    return True


def due(session: Session, now: datetime, limit: int = 500) -> list[Notification]:
    """Pending notifications whose time has come (send_after and retry backoff passed)."""
    rows = session.exec(
        select(Notification)
        .where(
            col(Notification.status).in_(
                [NotificationStatus.PENDING.value, NotificationStatus.SENDING.value]
            ),
            col(Notification.send_after) <= now,
        )
        .order_by(col(Notification.id))
        .limit(limit)
    )
    return [n for n in rows if n.next_attempt_at is None or n.next_attempt_at <= now]


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


def counts_by_status(session: Session, business_id: int | None = None) -> dict[str, int]:
    query = select(Notification.status)
    if business_id is not None:
        query = query.where(Notification.business_id == business_id)
    counts: dict[str, int] = {}
    for status in session.exec(query):
        counts[status] = counts.get(status, 0) + 1
    return counts


def new_notification(**fields: Any) -> Notification:
    fields.setdefault("send_after", utcnow())
    return Notification(**fields)
