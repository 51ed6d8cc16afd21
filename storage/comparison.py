"""What comparing a business with its competitors reads: rows, reply counts, topic mentions.

Rating counts per week come from `storage.figures`; this module adds what only the
comparison needs. Topic mentions are read as the `topics` column alone (never whole
reviews), for the reviews dated in one window.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from storage.figures import dated_between
from storage.models import Business, Review, Source


@dataclass(frozen=True, slots=True)
class ReplyCounts:
    """Reviews of sources that show replies, and how many of them have one."""

    checked: int = 0
    replied: int = 0


@dataclass(frozen=True, slots=True)
class TopicCounts:
    """Mentions of one topic, and how many of them were negative."""

    mentions: int = 0
    negative: int = 0


def competitors_of(
    session: Session, business_id: int, names: Collection[str] | None = None
) -> list[Business]:
    """A business's competitor rows (only those stored under `names`, when given), by name."""
    query = select(Business).where(col(Business.competitor_of_id) == business_id)
    if names is not None:
        query = query.where(col(Business.name).in_(list(names)))
    return sorted(session.exec(query), key=lambda b: (b.label or b.name).casefold())


def is_competitor(session: Session, business_id: int) -> bool:
    business = session.get(Business, business_id)
    return business is not None and business.competitor_of_id is not None


def reply_counts(session: Session, business_id: int, start: datetime, end: datetime) -> ReplyCounts:
    """Replies among reviews dated in [start, end) of sources whose replies Leumund sees."""
    replied = and_(col(Review.reply_text).is_not(None), func.trim(col(Review.reply_text)) != "")
    query = (
        select(func.count(), func.count().filter(replied))
        .select_from(Review)
        .join(Source, col(Source.id) == col(Review.source_id))
        .where(dated_between(business_id, start, end), col(Source.sees_replies).is_(True))
    )
    checked, answered = session.execute(query).one()
    return ReplyCounts(int(checked or 0), int(answered or 0))


def topic_counts(
    session: Session, business_ids: Collection[int], start: datetime, end: datetime
) -> dict[str, TopicCounts]:
    """Topic → mentions (a review names each topic at most once) in reviews dated in
    [start, end) of these businesses together."""
    found: dict[str, TopicCounts] = {}
    for business_id in business_ids:
        query = select(col(Review.topics)).where(
            dated_between(business_id, start, end), col(Review.topics).is_not(None)
        )
        for topics in session.exec(query):
            for entry in topics or ():
                topic = entry.get("topic") if isinstance(entry, dict) else None
                if not isinstance(topic, str):
                    continue
                seen = found.get(topic, TopicCounts())
                negative = int(entry.get("polarity") == "negative")
                found[topic] = TopicCounts(seen.mentions + 1, seen.negative + negative)
    return found
