"""Short lists of reviews for reports and dashboards: critical and unanswered ones.

Each list is at most `limit` rows plus the total that matched, with long texts cut by the
database, so a business with thousands of reviews still costs two small queries.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, true
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.figures import dated_between, review_date
from storage.models import Notification, NotificationKind, Review, Source

# The rules an alert can name (`alerts.rules.RuleName`); a mention is a keyword hit.
FIRED_RULES = ("stars", "negative", "keyword")


@dataclass(frozen=True, slots=True)
class ReviewExcerpt:
    """A review as a list shows it; texts cut to the asked length by the database."""

    id: int
    author: str
    rating: float | None
    when: datetime
    title: str
    text: str
    url: str | None
    sentiment_label: str | None
    source_name: str
    source_type: str
    source_id: int = 0


@dataclass(frozen=True, slots=True)
class ReviewList:
    """The first rows of a list and how many matched in all."""

    reviews: tuple[ReviewExcerpt, ...]
    total: int


def _excerpts(
    session: Session,
    where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int,
    text_chars: int,
    name_chars: int,
) -> ReviewList:
    total = session.execute(core_select(func.count()).select_from(Review).where(where)).scalar_one()
    query = (
        core_select(
            col(Review.id),
            func.substr(col(Review.author), 1, name_chars).label("author"),
            col(Review.rating),
            review_date().label("when"),
            func.substr(col(Review.title), 1, name_chars).label("title"),
            func.substr(col(Review.text), 1, text_chars).label("text"),
            col(Review.url),
            col(Review.sentiment_label),
            col(Source.name).label("source_name"),
            col(Source.type).label("source_type"),
            col(Review.source_id),
        )
        .join(Source, col(Source.id) == col(Review.source_id))
        .where(where)
        .order_by(*order)
        .limit(limit)
    )
    rows = tuple(_excerpt(row) for row in session.execute(query))
    return ReviewList(rows, int(total))


def _excerpt(row: Any) -> ReviewExcerpt:
    return ReviewExcerpt(
        id=row.id,
        author=row.author or "",
        rating=row.rating,
        when=row.when,
        title=row.title or "",
        text=row.text or "",
        url=row.url,
        sentiment_label=row.sentiment_label,
        source_name=row.source_name,
        source_type=row.source_type,
        source_id=row.source_id,
    )


def _of_sources(where: ColumnElement[bool], source_ids: Collection[int] | None) -> Any:
    if source_ids is None:
        return where
    return and_(where, col(Review.source_id).in_(list(source_ids)))


def _worst_first() -> tuple[Any, ...]:
    return (func.coalesce(col(Review.rating), 6.0), review_date().desc(), col(Review.id))


def reviews_dated(
    session: Session, business_id: int, start: datetime, end: datetime
) -> list[Review]:
    """A business's reviews dated in [start, end), whole rows, by id: for rules that SQL
    cannot express (keywords, probabilities); a week of one business is a few hundred."""
    query = select(Review).where(dated_between(business_id, start, end)).order_by(col(Review.id))
    return list(session.exec(query))


def worst_reviews(
    session: Session,
    review_ids: Collection[int],
    *,
    limit: int,
    text_chars: int,
    name_chars: int = 150,
) -> ReviewList:
    """The chosen reviews, worst first (unrated ones after the rated), then newest first."""
    where = col(Review.id).in_(list(review_ids))
    return _excerpts(session, where, _worst_first(), limit, text_chars, name_chars)


def critical_reviews(
    session: Session,
    business_id: int,
    start: datetime,
    end: datetime,
    star_threshold: float,
    *,
    limit: int,
    text_chars: int,
    name_chars: int = 150,
    source_ids: Collection[int] | None = None,
) -> ReviewList:
    """Reviews dated in [start, end) at or below `star_threshold` stars or classified
    negative, worst first (unrated ones after the rated), then newest first."""
    bad = or_(col(Review.rating) <= star_threshold, col(Review.sentiment_label) == "negative")
    where = _of_sources(and_(dated_between(business_id, start, end), bad), source_ids)
    return _excerpts(session, where, _worst_first(), limit, text_chars, name_chars)


def unanswered_reviews(
    session: Session,
    business_id: int,
    since: datetime,
    until: datetime,
    *,
    limit: int,
    text_chars: int,
    name_chars: int = 150,
    source_ids: Collection[int] | None = None,
) -> ReviewList:
    """Reviews dated in [since, until) without a reply (empty or blank), newest first."""
    reply = col(Review.reply_text)
    no_reply = or_(reply.is_(None), func.trim(reply) == "")
    where = _of_sources(and_(dated_between(business_id, since, until), no_reply), source_ids)
    order = (review_date().desc(), col(Review.id))
    return _excerpts(session, where, order, limit, text_chars, name_chars)


def alerted_by(rule: str, dialect: str) -> ColumnElement[bool]:
    """Reviews whose alert named `rule` (the rules are in the outbox payload's
    `review.rules`): JSON functions of SQLite (`json_each`) and PostgreSQL
    (`json_array_elements`) read the same stored list. Rows written before payload
    version 2 carry no such list and never match."""
    payload = col(Notification.payload)
    named: ColumnElement[Any]
    if dialect == "sqlite":
        fired = func.json_each(payload, "$.review.rules").table_valued("value").alias("fired")
        named = func.json_extract(fired.c.value, "$.rule")
    else:
        rules = payload["review"]["rules"]
        fired = func.json_array_elements(rules).table_valued("value").alias("fired")
        named = fired.c.value.op("->>")(literal("rule"))
    return exists(
        core_select(literal(1))
        .select_from(Notification)
        .join(fired, true())
        .where(
            col(Notification.review_id) == col(Review.id),
            col(Notification.kind) == NotificationKind.ALERT.value,
            named == rule,
        )
    )
