"""Suspicious bursts: a source's recent reviews for the detector, bursts, their outbox rows.

A burst (`ReviewBurst`) groups the negative reviews reported in one message; `Review.burst_id`
marks its members, so they count neither again nor towards the source's history.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Review,
    ReviewBurst,
)


def source_history(session: Session, source_id: int, since: datetime) -> list[Review]:
    """The source's reviews first seen (or, for its backlog, published) since `since`."""
    query = (
        select(Review)
        .where(
            col(Review.source_id) == source_id,
            or_(col(Review.first_seen_at) >= since, col(Review.published_at) >= since),
        )
        .order_by(col(Review.id))
    )
    return list(session.exec(query))


def latest_burst(session: Session, source_id: int) -> ReviewBurst | None:
    """The source's burst whose last review arrived most recently, if any."""
    query = (
        select(ReviewBurst)
        .where(col(ReviewBurst.source_id) == source_id)
        .order_by(col(ReviewBurst.last_at).desc(), col(ReviewBurst.id).desc())
    )
    return session.exec(query).first()


def add_burst(session: Session, burst: ReviewBurst, members: Collection[Review]) -> int:
    """Store the burst and mark its members; the burst's id."""
    session.add(burst)
    session.flush()
    assert burst.id is not None
    for review in members:
        review.burst_id = burst.id
        session.add(review)
    return burst.id


def burst_notifications(session: Session, burst_id: int) -> list[Notification]:
    """Every outbox row of one burst (its first message and follow-ups), oldest first."""
    query = (
        select(Notification)
        .where(
            col(Notification.kind) == NotificationKind.BURST.value,
            col(Notification.dedup_key).like(f"burst:{int(burst_id)}:%"),
        )
        .order_by(col(Notification.id))
    )
    return list(session.exec(query))


def replace_pending_payload(
    session: Session, notification_id: int, payload: dict[str, Any]
) -> bool:
    """Give a row not yet taken by a sender a new payload; False when it is sent or sending.

    One conditional UPDATE, so a sender claiming the row at the same time either sees the
    new payload or makes this return False.
    """
    session.flush()
    result = session.connection().execute(
        update(Notification)
        .where(
            col(Notification.id) == notification_id,
            col(Notification.status) == NotificationStatus.PENDING.value,
        )
        .values(payload=payload)
    )
    stored = session.get(Notification, notification_id)
    if stored is not None:
        session.expire(stored)  # the ORM's copy still holds the old payload
    return result.rowcount == 1


def burst_starts(
    session: Session, business_id: int, start: datetime, end: datetime
) -> list[datetime]:
    """When the business's bursts in [start, end) began, oldest first."""
    query = (
        select(ReviewBurst.started_at)
        .where(
            col(ReviewBurst.business_id) == business_id,
            col(ReviewBurst.started_at) >= start,
            col(ReviewBurst.started_at) < end,
        )
        .order_by(col(ReviewBurst.started_at))
    )
    return list(session.exec(query))
