"""The classification job: give every unclassified review its sentiment.

A model that cannot be loaded is no reason to stop the service: reviews simply stay
unclassified (sentiment_label NULL) and are caught up by the first run whose model loads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sentiment.base import Classifier
from sentiment.cleaning import review_text
from storage.db import session_scope
from storage.models import Review
from storage.reviews import set_sentiment, unclassified_reviews

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    version: int
    text: str


def classify_pending(engine: Engine, classifier: Classifier, batch_size: int) -> int:
    """Classify all reviews without a sentiment, `batch_size` at a time; return the count.

    The model runs outside any transaction; a review edited meanwhile (its version moved
    on) keeps its cleared sentiment and is classified again on the next run.
    """
    done, after = 0, 0
    while True:
        with Session(engine) as session:
            pending = _pending(session, after, batch_size)
        if not pending:
            break
        results = classifier.classify([p.text for p in pending])
        with session_scope(engine) as session:
            for item, result in zip(pending, results, strict=True):
                review = session.get(Review, item.id)
                if review is None or review.version != item.version:
                    continue
                set_sentiment(session, review, result.label, result.probs, result.model)
                done += 1
        after = pending[-1].id
    log.info("classified %d reviews with %s", done, classifier.name)
    return done


def _pending(session: Session, after: int, limit: int) -> list[_Pending]:
    rows = unclassified_reviews(session, after, limit)
    return [
        _Pending(r.id, r.version, review_text(r.title, r.text)) for r in rows if r.id is not None
    ]
