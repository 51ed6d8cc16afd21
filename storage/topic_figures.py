"""Topic figures of one business: mentions per topic and tone, and the week's quotes.

Counting runs in the database over the indexed `review_topic` rows; the quotes come from
`Review.topics` (the JSON with the sentences) of one week's reviews, a bounded read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.figures import dated_between, review_date
from storage.models import Review, ReviewTopic

QUOTE_REVIEWS = 500
"""At most this many reviews of a week are read for quotes (worst rated first)."""


@dataclass(frozen=True, slots=True)
class TopicQuote:
    topic: str
    polarity: str
    quote: str


def topic_counts(
    session: Session, business_id: int, start: datetime, end: datetime
) -> dict[tuple[str, str], int]:
    """(topic, polarity) → how many of the business's reviews dated in [start, end) name it."""
    query = (
        select(col(ReviewTopic.topic), col(ReviewTopic.polarity), func.count())
        .join(Review, col(Review.id) == col(ReviewTopic.review_id))
        .where(dated_between(business_id, start, end))
        .group_by(col(ReviewTopic.topic), col(ReviewTopic.polarity))
    )
    return {(topic, polarity): int(n) for topic, polarity, n in session.exec(query)}


def topic_quotes(
    session: Session, business_id: int, start: datetime, end: datetime
) -> list[TopicQuote]:
    """Every topic mention of the reviews dated in [start, end) with its sentence, the worst
    rated reviews first (unrated after), then the newest."""
    query = (
        select(col(Review.topics))
        .where(dated_between(business_id, start, end), col(Review.topics).is_not(None))
        .order_by(func.coalesce(col(Review.rating), 6.0), review_date().desc(), col(Review.id))
        .limit(QUOTE_REVIEWS)
    )
    quotes: list[TopicQuote] = []
    for topics in session.exec(query):
        for item in topics or []:
            quote = str(item.get("quote", ""))
            if quote.strip():
                quotes.append(TopicQuote(str(item.get("topic")), str(item.get("polarity")), quote))
    return quotes
