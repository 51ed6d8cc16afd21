"""Storing reviews: dedup per source and platform id, edits updated and remembered."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete
from sqlalchemy.exc import DataError, IntegrityError, InternalError
from sqlmodel import Session, col, select

from storage.cleaning import clean_line, clean_review, clean_text
from storage.models import (
    Business,
    Review,
    ReviewData,
    ReviewEdit,
    ReviewTopic,
    Source,
    utcnow,
)

log = logging.getLogger(__name__)


REFUSED = (DataError, IntegrityError, InternalError)
"""What a database says about one row's data (NUL, too long, a constraint, a trigger); a
lost connection or a lock (OperationalError) fails the whole store instead."""
MAX_ID_LENGTH = 255
"""`Review.platform_id` is VARCHAR(255); longer ids are stored as a stable hash."""


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    duplicates: int = 0
    skip_reasons: list[str] = field(default_factory=list)


def stable_id(author: str, published_at: datetime | None, text: str) -> str:
    """An id for platforms that give none: the same review always hashes the same."""
    when = published_at.isoformat() if published_at else ""
    raw = "\x1f".join((author.strip(), when, " ".join(text.split())))
    return "h:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def _words(value: str) -> str:
    """Text with all whitespace gone: a parser that drops line breaks changes nothing."""
    return "".join(value.split())


def content_hash(item: ReviewData) -> str:
    """What counts as an edit: the raw rating, or the words of title or text."""
    raw = "\x1f".join((repr(item.rating_raw), _words(item.title), _words(item.text)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _stored_hash(review: Review) -> str:
    """The stored review hashed like new data, cleaned: cleaning alone is never an edit."""
    stored = ReviewData(
        platform_id=review.platform_id,
        author=review.author,
        rating=review.rating,
        rating_raw=review.rating_raw,
        rating_scale=review.rating_scale,
        title=clean_line(review.title),
        text=clean_text(review.text),
        language=None,
        published_at=None,
    )
    return content_hash(stored)


def raw_key(item: ReviewData) -> str:
    return item.platform_id or stable_id(item.author, item.published_at, item.text)


def platform_key(item: ReviewData) -> str:
    """The id a review is stored under: the platform's, hashed when longer than 255."""
    key = raw_key(item)
    if len(key) <= MAX_ID_LENGTH:
        return key
    return "l:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


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
        reply_text=item.reply if item.sees_reply else None,
        reply_at=item.reply_at if item.sees_reply else None,
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
    review.topics = None
    _index_topics(session, review.id, [])


def _refresh_quietly(review: Review, item: ReviewData) -> None:
    """What changes without being an edit: the reply, the link, the rating's normalisation."""
    if item.sees_reply and item.reply != review.reply_text:
        review.reply_text, review.reply_at = item.reply, item.reply_at
    if item.sees_link and item.url and item.url != review.url:
        review.url = item.url
    if (item.rating, item.rating_scale) != (review.rating, review.rating_scale):
        review.rating, review.rating_scale = item.rating, item.rating_scale


def _find(session: Session, source: Source, item: ReviewData) -> Review | None:
    """The stored row: a long id may be stored raw (older SQLite installs) or hashed."""
    keys = {raw_key(item), platform_key(item)}
    return session.exec(
        select(Review).where(Review.source_id == source.id, col(Review.platform_id).in_(keys))
    ).first()


def _upsert_one(
    session: Session, source: Source, item: ReviewData, backlog: bool, result: UpsertResult
) -> None:
    review = _find(session, source, item)
    if review is None:
        session.add(_new_review(source, item, platform_key(item), backlog))
        session.flush()
        result.new += 1
        return
    digest = content_hash(item)
    if digest != review.content_hash and digest != _stored_hash(review):
        _apply_edit(session, review, item, digest)
        result.updated += 1
    else:
        review.content_hash = digest
        review.author, review.title = clean_line(review.author), clean_line(review.title)
        review.text = clean_text(review.text)
        result.unchanged += 1
    _refresh_quietly(review, item)
    session.add(review)
    session.flush()


def upsert_reviews(session: Session, source: Source, items: Iterable[ReviewData]) -> UpsertResult:
    """Insert new reviews, update edited ones; re-inserting the same review is a no-op.

    Each review is stored in its own savepoint: one the database refuses is skipped, logged
    and counted, the others are stored. Of two reviews with the same id in one crawl the
    first wins. Reviews found before the source's first successful crawl are marked
    `backlog`, so alerting can summarise them instead of flooding the owner.
    """
    result = UpsertResult()
    backlog = source.first_crawl_at is None
    _open_transaction(session)
    seen: set[str] = set()
    for raw in items:
        item = clean_review(raw)
        key = platform_key(item)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        try:
            with session.begin_nested():
                _upsert_one(session, source, item, backlog, result)
        except REFUSED as exc:
            reason = f"{key[:40]}: {type(getattr(exc, 'orig', None) or exc).__name__}"
            log.warning("review %s of source %s not stored: %s", key[:80], source.name, exc)
            result.skipped += 1
            result.skip_reasons.append(reason)
    return result


def rescale_ratings(
    session: Session, source_id: int, convert: Callable[[float], tuple[float | None, str]]
) -> int:
    """Every rated review of a source re-normalised by `convert(raw) → (stars, scale)`,
    without an edit record or a new version. Returns how many reviews it touched."""
    rows = session.exec(
        select(Review).where(Review.source_id == source_id, col(Review.rating_raw).is_not(None))
    )
    changed = 0
    for review in rows:
        assert review.rating_raw is not None
        review.rating, review.rating_scale = convert(review.rating_raw)
        session.add(review)
        changed += 1
    return changed


def _open_transaction(session: Session) -> None:
    """SQLite: pysqlite begins a transaction only at the first write, and a SAVEPOINT
    outside one commits on RELEASE. BEGIN IMMEDIATE keeps all reviews in one transaction
    and takes the write lock now (waiting for it), as the first INSERT would have."""
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not getattr(dbapi, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def describe_skips(result: UpsertResult) -> str | None:
    """'2 skipped: id1: DataError, id2: …' for the crawl record, or None."""
    if not result.skipped:
        return None
    shown = ", ".join(result.skip_reasons[:3])
    more = f" and {result.skipped - 3} more" if result.skipped > 3 else ""
    return f"{result.skipped} skipped: {shown}{more}"


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


def set_topics(session: Session, review: Review, topics: list[dict[str, str]]) -> None:
    """The review's topics with their polarity and quote, as found by the classify step,
    and their copy in `review_topic` (what the dashboard filters on)."""
    review.topics = [dict(t) for t in topics]
    session.add(review)
    assert review.id is not None
    _index_topics(session, review.id, review.topics)


def topic_rows(review_id: int, topics: Iterable[Mapping[str, object]]) -> list[ReviewTopic]:
    """`review_topic` rows of one review's stored topics, each topic once (the first)."""
    rows: dict[str, ReviewTopic] = {}
    for item in topics:
        topic, polarity = str(item.get("topic", ""))[:64], str(item.get("polarity", ""))[:16]
        if topic and topic not in rows:
            rows[topic] = ReviewTopic(review_id=review_id, topic=topic, polarity=polarity)
    return list(rows.values())


def _index_topics(session: Session, review_id: int, topics: Iterable[Mapping[str, object]]) -> None:
    session.exec(delete(ReviewTopic).where(col(ReviewTopic.review_id) == review_id))
    session.add_all(topic_rows(review_id, topics))


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
