"""Storing reviews: dedup per source and platform id, edits updated and remembered."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from storage.models import Business, Review, ReviewData, ReviewEdit, Source, utcnow

log = logging.getLogger(__name__)


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def stable_id(author: str, published_at: datetime | None, text: str) -> str:
    """An id for platforms that give none: the same review always hashes the same."""
    when = published_at.isoformat() if published_at else ""
    raw = "\x1f".join((author.strip(), when, " ".join(text.split())))
    return "h:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def content_hash(item: ReviewData) -> str:
    """What counts as an edit: rating, title or text changed."""
    raw = "\x1f".join((repr(item.rating_raw), item.title.strip(), " ".join(item.text.split())))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def platform_key(item: ReviewData) -> str:
    return item.platform_id or stable_id(item.author, item.published_at, item.text)


def _new_review(source: Source, item: ReviewData, key: str, backlog: bool) -> Review:
    assert source.id is not None
    return Review(
        source_id=source.id,
        business_id=source.business_id,
        platform_id=key,
        author=item.author,
        rating=item.rating,
        rating_raw=item.rating_raw,
        rating_scale=item.rating_scale,
        title=item.title,
        text=item.text,
        language=item.language,
        published_at=item.published_at,
        reply_text=item.reply,
        reply_at=item.reply_at,
        url=item.url,
        content_hash=content_hash(item),
        backlog=backlog,
    )


def _apply_edit(session: Session, review: Review, item: ReviewData, digest: str) -> None:
    assert review.id is not None
    session.add(
        ReviewEdit(
            review_id=review.id,
            old_rating=review.rating,
            old_title=review.title,
            old_text=review.text,
            new_rating=item.rating,
        )
    )
    review.rating, review.rating_raw, review.rating_scale = (
        item.rating,
        item.rating_raw,
        item.rating_scale,
    )
    review.title, review.text, review.content_hash = item.title, item.text, digest
    review.version += 1
    review.updated_at = utcnow()
    review.sentiment_label = review.sentiment_model = None
    review.sentiment_probs = None
    review.classified_at = None


def _refresh_reply(review: Review, item: ReviewData) -> bool:
    if item.reply == review.reply_text:
        return False
    review.reply_text, review.reply_at = item.reply, item.reply_at
    return True


def upsert_reviews(session: Session, source: Source, items: Iterable[ReviewData]) -> UpsertResult:
    """Insert new reviews, update edited ones; re-inserting the same review is a no-op.

    Reviews found before the source's first successful crawl are marked `backlog`, so
    alerting can summarise them instead of flooding the owner.
    """
    result = UpsertResult()
    backlog = source.first_crawl_at is None
    for item in items:
        key = platform_key(item)
        review = session.exec(
            select(Review).where(Review.source_id == source.id, Review.platform_id == key)
        ).first()
        if review is None:
            session.add(_new_review(source, item, key, backlog))
            session.flush()
            result.new += 1
            continue
        digest = content_hash(item)
        if digest != review.content_hash:
            _apply_edit(session, review, item, digest)
            _refresh_reply(review, item)
            result.updated += 1
        else:
            _refresh_reply(review, item)
            result.unchanged += 1
        session.add(review)
    session.flush()
    return result


def known_platform_ids(session: Session, source: Source) -> set[str]:
    """Ids stored by completed crawls: an incremental crawl may stop at any of these.

    Reviews stored by a crawl that never finished are left out, so a crawl killed halfway
    does not make the next one stop before the reviews it missed.
    """
    if source.last_success_at is None:
        return set()
    rows = session.exec(
        select(Review.platform_id).where(
            Review.source_id == source.id,
            col(Review.first_seen_at) <= source.last_success_at,
        )
    )
    return set(rows)


def set_sentiment(
    session: Session, review: Review, label: str, probs: dict[str, float], model: str
) -> None:
    review.sentiment_label = label
    review.sentiment_probs = dict(probs)
    review.sentiment_model = model
    review.classified_at = utcnow()
    session.add(review)


def has_reviews(session: Session, source_id: int) -> bool:
    """Whether any review of the source is stored."""
    found = session.exec(select(Review.id).where(Review.source_id == source_id)).first()
    return found is not None


def unclassified_reviews(session: Session, after_id: int, limit: int) -> list[Review]:
    """Reviews without a sentiment yet, by id, starting after `after_id` (for paging)."""
    return list(
        session.exec(
            select(Review)
            .where(col(Review.sentiment_label).is_(None), col(Review.id) > after_id)
            .order_by(col(Review.id))
            .limit(limit)
        )
    )


def _alert_open() -> ColumnElement[bool]:
    return col(Review.alert_checked_version) < col(Review.version)


def businesses_with_open_reviews(session: Session) -> list[int]:
    """Ids of businesses with reviews whose alert decision is still open, ascending."""
    return sorted(set(session.exec(select(Review.business_id).where(_alert_open()))))


def open_reviews(
    session: Session, business_id: int | None = None
) -> list[tuple[Review, Source, Business]]:
    """Reviews whose alert decision is still open (new or edited), with source and business,
    by business and id."""
    query = (
        select(Review, Source, Business)
        .join(Source, col(Review.source_id) == col(Source.id))
        .join(Business, col(Review.business_id) == col(Business.id))
        .where(_alert_open())
        .order_by(col(Review.business_id), col(Review.id))
    )
    if business_id is not None:
        query = query.where(col(Review.business_id) == business_id)
    return [(review, source, business) for review, source, business in session.exec(query)]
