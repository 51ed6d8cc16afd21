"""Owner replies posted through Leumund and invite kits: small session-taking functions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import InviteKit, OwnerReply, Review


def record_owner_reply(
    session: Session, review: Review, text: str, replied_by: str, via: str, at: datetime
) -> OwnerReply:
    """Store who replied and when; the review counts as answered from now on."""
    assert review.id is not None
    reply = OwnerReply(
        review_id=review.id, text=text, replied_by=replied_by, via=via, replied_at=at
    )
    review.reply_text, review.reply_at = text, at
    session.add(reply)
    session.add(review)
    session.flush()
    return reply


def owner_replies(session: Session, review_id: int) -> list[OwnerReply]:
    query = select(OwnerReply).where(OwnerReply.review_id == review_id)
    return list(session.exec(query.order_by(col(OwnerReply.replied_at))))


def record_invite_kit(session: Session, business_id: int, review_url: str, at: datetime) -> None:
    session.add(InviteKit(business_id=business_id, review_url=review_url, made_at=at))
    session.flush()


def first_invite_kit_at(session: Session, business_id: int) -> datetime | None:
    """When the business's first kit was made: the 'before/after' line of the report."""
    query = select(InviteKit.made_at).where(InviteKit.business_id == business_id)
    return session.exec(query.order_by(col(InviteKit.made_at))).first()
