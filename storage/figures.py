"""Figures over reviews, computed by the database: counts, star sums, sentiment splits.

Nothing here loads reviews as rows, so a report or a dashboard costs a handful of aggregate
queries however many reviews a business has. A review's date is its publication date, or
the first-seen date when the platform shows none (`review_date`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlmodel import Session, col, select

from storage.models import Review


@dataclass(frozen=True, slots=True)
class RatingCounts:
    """Reviews counted, how many carried a star rating, and the sum of those stars."""

    count: int = 0
    rated: int = 0
    star_sum: float = 0.0


def review_date() -> ColumnElement[Any]:
    """When a review counts: published, or first seen when the platform shows no date."""
    return func.coalesce(col(Review.published_at), col(Review.first_seen_at))


def dated_between(business_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    """A business's reviews dated in [start, end)."""
    when = review_date()
    return and_(col(Review.business_id) == business_id, when >= start, when < end)


def _aggregates() -> tuple[ColumnElement[Any], ...]:
    return (
        func.count().label("n"),
        func.count(col(Review.rating)).label("rated"),
        func.sum(col(Review.rating)).label("stars"),
    )


def _counts(row: Any) -> RatingCounts:
    return RatingCounts(int(row.n or 0), int(row.rated or 0), float(row.stars or 0.0))


def rating_counts(
    session: Session, business_id: int, before: datetime, since: datetime | None = None
) -> RatingCounts:
    """A business's reviews dated before `before` (and from `since`, when given)."""
    where = [col(Review.business_id) == business_id, review_date() < before]
    if since is not None:
        where.append(review_date() >= since)
    return _counts(session.execute(select(*_aggregates()).where(*where)).one())


def rating_counts_per_period(
    session: Session, business_id: int, bounds: Sequence[datetime]
) -> list[RatingCounts]:
    """One entry per period [bounds[i], bounds[i+1]), in one query (a CASE over bounds)."""
    periods = len(bounds) - 1
    if periods < 1:
        return []
    when = review_date()
    bucket = case(
        *((and_(when >= bounds[i], when < bounds[i + 1]), i) for i in range(periods)),
        else_=-1,
    ).label("bucket")
    query = (
        select(bucket, *_aggregates())
        .where(dated_between(business_id, bounds[0], bounds[-1]))
        .group_by(bucket)
    )
    found = {int(row.bucket): _counts(row) for row in session.execute(query)}
    return [found.get(i, RatingCounts()) for i in range(periods)]


def rating_counts_per_source(
    session: Session, business_id: int, start: datetime, end: datetime
) -> dict[int, RatingCounts]:
    """Source id → the business's reviews dated in [start, end) from that source."""
    query = (
        select(col(Review.source_id), *_aggregates())
        .where(dated_between(business_id, start, end))
        .group_by(col(Review.source_id))
    )
    return {int(row.source_id): _counts(row) for row in session.execute(query)}


def sentiment_counts(
    session: Session, business_id: int, start: datetime, end: datetime
) -> dict[str | None, int]:
    """Sentiment label (None: not classified yet) → reviews dated in [start, end)."""
    label = col(Review.sentiment_label)
    query = select(label, func.count()).where(dated_between(business_id, start, end))
    return {name: int(n) for name, n in session.exec(query.group_by(label))}


def reviews_per_model(session: Session) -> dict[str | None, int]:
    """Sentiment model name (None: not classified yet) → reviews it classified."""
    model = col(Review.sentiment_model)
    return {name: int(n) for name, n in session.exec(select(model, func.count()).group_by(model))}


def count_reviews(
    session: Session, *, business_id: int | None = None, source_id: int | None = None
) -> int:
    """Reviews stored, optionally of one business or one source."""
    query = select(func.count()).select_from(Review)
    if business_id is not None:
        query = query.where(col(Review.business_id) == business_id)
    if source_id is not None:
        query = query.where(col(Review.source_id) == source_id)
    return int(session.exec(query).one())
