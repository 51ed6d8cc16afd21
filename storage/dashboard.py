"""What the dashboard reads and writes: overview figures, filtered review pages, marks.

Every function takes a session and plain values; the web layer decides who may call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from storage import figures, search
from storage.bursts import burst_notifications
from storage.figures import review_date
from storage.models import (
    Business,
    Notification,
    NotificationKind,
    Review,
    ReviewBurst,
    ReviewEdit,
    ReviewTopic,
    Source,
)
from storage.review_lists import alerted_by

OVERVIEW_DAYS = 28


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """The review list's filters; None means "any"."""

    source_id: int | None = None
    stars_min: float | None = None
    stars_max: float | None = None
    sentiment: str | None = None
    alerted: bool | None = None
    handled: bool | None = None
    answered: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    query: str = ""
    rule: str | None = None  # the alert rule that fired: stars, negative, keyword
    topic: str | None = None
    topic_polarity: str | None = None  # with `topic`: that topic in that tone; alone: any


@dataclass(frozen=True, slots=True)
class Period:
    reviews: int
    average: float | None


@dataclass(frozen=True, slots=True)
class Overview:
    current: Period
    previous: Period
    new_this_week: int
    critical_open: int
    sentiment: dict[str, int] = field(default_factory=dict)


def _period(session: Session, business_id: int, start: datetime, end: datetime) -> Period:
    counts = figures.rating_counts(session, business_id, before=end, since=start)
    average = counts.star_sum / counts.rated if counts.rated else None
    return Period(reviews=counts.count, average=average)


def overview(session: Session, business_id: int, now: datetime) -> Overview:
    """The last 4 weeks against the 4 before, this week's new reviews, and the critical ones
    not yet handled (those that alerted: the alert rule decides what is critical)."""
    span = timedelta(days=OVERVIEW_DAYS)
    ours = col(Review.business_id) == business_id
    critical_open = session.exec(
        select(func.count()).where(ours, _alerted(), col(Review.handled_at).is_(None))
    ).one()
    split = figures.sentiment_counts(session, business_id, now - span, now)
    return Overview(
        current=_period(session, business_id, now - span, now),
        previous=_period(session, business_id, now - 2 * span, now - span),
        new_this_week=session.exec(
            select(func.count()).where(ours, col(Review.first_seen_at) >= now - timedelta(7))
        ).one(),
        critical_open=int(critical_open),
        sentiment={label or "unclassified": n for label, n in split.items()},
    )


def _alerted() -> ColumnElement[bool]:
    """An alert named the review, or it was one of a suspicious burst's reviews, told of in
    the burst's message (which names no single review)."""
    alert = exists().where(
        col(Notification.review_id) == col(Review.id),
        col(Notification.kind) == NotificationKind.ALERT.value,
    )
    burst = exists().where(
        col(ReviewBurst.id) == col(Review.burst_id), col(ReviewBurst.notified).is_(True)
    )
    return or_(alert, burst)


def _answered() -> ColumnElement[bool]:
    return and_(col(Review.reply_text).is_not(None), func.trim(col(Review.reply_text)) != "")


def _topic(f: ReviewFilter) -> list[ColumnElement[bool]]:
    """Reviews naming the topic (in the tone) asked for, by the indexed `review_topic` rows."""
    if f.topic is None and f.topic_polarity is None:
        return []
    wanted = [col(ReviewTopic.review_id) == col(Review.id)]
    if f.topic is not None:
        wanted.append(col(ReviewTopic.topic) == f.topic)
    if f.topic_polarity is not None:
        wanted.append(col(ReviewTopic.polarity) == f.topic_polarity)
    return [exists().where(*wanted)]


def _flag(clause: ColumnElement[bool], wanted: bool | None) -> list[ColumnElement[bool]]:
    if wanted is None:
        return []
    return [clause if wanted else ~clause]


def _conditions(business_id: int, f: ReviewFilter, dialect: str) -> list[ColumnElement[bool]]:
    when = review_date()
    conditions: list[ColumnElement[bool]] = [col(Review.business_id) == business_id]
    if f.source_id is not None:
        conditions.append(col(Review.source_id) == f.source_id)
    if f.stars_min is not None:
        conditions.append(col(Review.rating) >= f.stars_min)
    if f.stars_max is not None:
        conditions.append(col(Review.rating) <= f.stars_max)
    if f.sentiment is not None:
        conditions.append(col(Review.sentiment_label) == f.sentiment)
    if f.since is not None:
        conditions.append(when >= f.since)
    if f.until is not None:
        conditions.append(when < f.until)
    conditions += _flag(_alerted(), f.alerted)
    conditions += _flag(col(Review.handled_at).is_not(None), f.handled)
    conditions += _flag(_answered(), f.answered)
    if f.rule is not None:
        conditions.append(alerted_by(f.rule, dialect))
    conditions += _topic(f)
    text_match = search.matches(f.query, dialect)
    if text_match is not None:
        conditions.append(text_match)
    return conditions


def review_page(
    session: Session, business_id: int, f: ReviewFilter, *, offset: int, limit: int
) -> tuple[list[tuple[Review, Source]], int]:
    """One page of a business's reviews, newest first, and how many match in all."""
    dialect = session.get_bind().dialect.name
    where = and_(*_conditions(business_id, f, dialect))
    total = session.exec(select(func.count()).select_from(Review).where(where)).one()
    rows = session.exec(
        select(Review, Source)
        .join(Source, col(Source.id) == col(Review.source_id))
        .where(where)
        .order_by(review_date().desc(), col(Review.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [(r, s) for r, s in rows], int(total)


@dataclass(frozen=True, slots=True)
class ReviewDetail:
    review: Review
    source: Source
    edits: list[ReviewEdit]
    notifications: list[Notification]


def review_detail(session: Session, review_id: int) -> ReviewDetail | None:
    review = session.get(Review, review_id)
    if review is None:
        return None
    source = session.get(Source, review.source_id)
    assert source is not None
    edits = session.exec(
        select(ReviewEdit)
        .where(col(ReviewEdit.review_id) == review_id)
        .order_by(col(ReviewEdit.changed_at))
    ).all()
    notes = session.exec(
        select(Notification)
        .where(col(Notification.review_id) == review_id)
        .order_by(col(Notification.created_at))
    ).all()
    return ReviewDetail(review, source, list(edits), [*notes, *_burst_notes(session, review)])


def _burst_notes(session: Session, review: Review) -> list[Notification]:
    """The messages of the review's burst that list it (a burst's rows name no review)."""
    if review.burst_id is None:
        return []
    return [
        row
        for row in burst_notifications(session, review.burst_id)
        if any(
            isinstance(r, dict) and r.get("review_id") == review.id
            for r in (row.payload or {}).get("reviews", ())
        )
    ]


def mark_handled(
    session: Session, review_id: int, by: str, note: str | None, now: datetime
) -> bool:
    """Mark a review as handled (who, when, why); False if it was handled already."""
    review = session.get(Review, review_id)
    if review is None or review.handled_at is not None:
        return False
    review.handled_at, review.handled_by = now, by
    review.handled_note = (note or "").strip()[:2000] or None
    session.add(review)
    return True


def reopen(session: Session, review_id: int) -> None:
    review = session.get(Review, review_id)
    if review is not None:
        review.handled_at = review.handled_by = review.handled_note = None
        session.add(review)


def business_of_review(session: Session, review_id: int) -> str | None:
    """The name of the business a review belongs to (for access checks)."""
    return session.exec(
        select(Business.name)
        .join(Review, col(Review.business_id) == col(Business.id))
        .where(col(Review.id) == review_id)
    ).first()


def business_by_name(session: Session, name: str) -> Business | None:
    return session.exec(select(Business).where(col(Business.name) == name)).first()


def sources_of(session: Session, business_id: int | None = None) -> list[tuple[Source, str]]:
    """Sources with their business's name, by business and source name."""
    query = select(Source, Business.name).join(
        Business, col(Business.id) == col(Source.business_id)
    )
    if business_id is not None:
        query = query.where(col(Source.business_id) == business_id)
    rows = session.exec(query.order_by(col(Business.name), col(Source.name))).all()
    return [(s, name) for s, name in rows]


def recent_notifications(
    session: Session, status: str | None, limit: int = 100
) -> list[Notification]:
    query = select(Notification)
    if status is not None:
        query = query.where(col(Notification.status) == status)
    return list(
        session.exec(query.order_by(col(Notification.created_at).desc()).limit(limit)).all()
    )
