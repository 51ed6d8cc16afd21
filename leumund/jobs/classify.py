"""The classification job: give every unclassified review its sentiment.

A model that cannot be loaded is no reason to stop the service: reviews simply stay
unclassified (sentiment_label NULL) and are caught up by the first run whose model loads.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from leumund.config import Config
from sentiment.base import Classifier, ModelUnavailable
from sentiment.cleaning import review_text
from sentiment.loading import load_classifier
from storage.db import session_scope
from storage.models import Review
from storage.reviews import set_sentiment, unclassified_reviews

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    version: int
    text: str


def load_configured_classifier(config: Config) -> Classifier | None:
    """The configured model, or None (with one error line) when it cannot be loaded.

    Loading takes seconds; a line before and after tells the operator why it is quiet.
    """
    log.info("loading sentiment model %s …", config.sentiment.model)
    started = time.monotonic()
    try:
        classifier = load_classifier(config.sentiment, config.base_dir)
    except ModelUnavailable as exc:
        log.error("reviews stay unclassified until the model loads: %s", exc)
        return None
    log.info("sentiment model %s loaded in %.1f s", classifier.name, time.monotonic() - started)
    return classifier


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
