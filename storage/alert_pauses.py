"""Recipients who paused a business's alerts (List-Unsubscribe), and switching them on again.

Addresses are kept trimmed and lower-cased, as in the outbox's dedup keys, so case never
decides whether a pause holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.models import AlertPause, Notification, NotificationKind, NotificationStatus

# What a pause holds back: the alert mails (a burst's one message too, which `alerts.decide`
# no longer makes for a paused recipient); weekly reports and operator mails still go.
PAUSED_KINDS = (
    NotificationKind.ALERT.value,
    NotificationKind.BACKLOG_SUMMARY.value,
    NotificationKind.BURST.value,
)


def _address(recipient: str) -> str:
    return recipient.strip().lower()


def pause(session: Session, business_id: int, recipient: str, now: datetime, via: str) -> int:
    """Pause alerts of a business for one recipient (idempotent: the first pause stays).

    Alert rows still waiting in the outbox for that recipient (a digest due tonight) are
    withdrawn, so nothing arrives after the click; returns how many were.
    """
    address = _address(recipient)
    if session.get(AlertPause, (business_id, address)) is None:
        session.add(
            AlertPause(business_id=business_id, recipient=address, paused_at=now, paused_via=via)
        )
    result = session.connection().execute(
        delete(Notification).where(
            col(Notification.business_id) == business_id,
            col(Notification.kind).in_(PAUSED_KINDS),
            col(Notification.status) == NotificationStatus.PENDING.value,
            func.lower(func.trim(col(Notification.recipient))) == address,
        )
    )
    session.flush()
    return int(result.rowcount)


def resume(session: Session, business_id: int, recipient: str) -> bool:
    """Switch a recipient's alerts on again; False when they were not paused."""
    row = session.get(AlertPause, (business_id, _address(recipient)))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def pauses_of(session: Session, business_id: int) -> list[AlertPause]:
    query = select(AlertPause).where(col(AlertPause.business_id) == business_id)
    return list(session.exec(query.order_by(col(AlertPause.paused_at))))


def is_paused(session: Session, business_id: int, recipient: str) -> bool:
    return session.get(AlertPause, (business_id, _address(recipient))) is not None


def paused_recipients(session: Session, business_id: int) -> set[str]:
    """The addresses (lower-cased) that paused this business's alerts."""
    return {p.recipient for p in pauses_of(session, business_id)}
