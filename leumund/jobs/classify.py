"""The classification job: give every unclassified review its sentiment and its topics.

A model that cannot be loaded is no reason to stop the service: reviews simply stay
unclassified (sentiment_label NULL) and are caught up by the first run whose model loads.
Topics are found in the same step, for the same reviews (new ones and edited ones), with
the lexicon of the review's business kind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from leumund.config import Config
from sentiment.base import Classifier, Sentiment
from sentiment.cleaning import review_text
from sentiment.topics.analyze import Mention, TopicAnalyzer
from sentiment.topics.lexicon import Lexicon
from sentiment.topics.settings import TopicSettings
from storage.db import session_scope
from storage.models import Business, Review
from storage.reviews import set_sentiment, set_topics, unclassified_reviews

log = logging.getLogger(__name__)

ROUND_BATCHES = 32
"""Reviews per round of the classify step = `sentiment.batch_size` × this. The model sorts a
call's texts by length so batches barely pad; a round of one batch pads every text to the
longest and classified 1,000 reviews about three times slower (bench/topics_cost.py --chunk 32).
"""


def round_size(batch_size: int) -> int:
    """How many reviews the classify step fetches and classifies in one model call."""
    return batch_size * ROUND_BATCHES


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    version: int
    text: str
    business: str


@dataclass
class TopicSetup:
    """The topic settings and each business's kind; lexicons built once per kind."""

    settings: TopicSettings
    kinds: Mapping[str, str | None]
    _lexicons: dict[str | None, Lexicon] = field(default_factory=dict)

    def lexicon(self, business: str) -> Lexicon:
        kind = self.kinds.get(business)
        if kind not in self._lexicons:
            self._lexicons[kind] = self.settings.lexicon(kind)
        return self._lexicons[kind]


def topic_setup(config: Config) -> TopicSetup | None:
    """What the classify step needs to find topics; None when `topics.enabled` is false."""
    if not config.topics.enabled:
        return None
    return TopicSetup(config.topics, {b.name: b.kind for b in config.watched()})


def classify_pending(
    engine: Engine, classifier: Classifier, batch_size: int, topics: TopicSetup | None = None
) -> int:
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
        found = _topics(pending, results, classifier, topics)
        with session_scope(engine) as session:
            for i, (item, result) in enumerate(zip(pending, results, strict=True)):
                review = session.get(Review, item.id)
                if review is None or review.version != item.version:
                    continue
                set_sentiment(session, review, result.label, result.probs, result.model)
                if found is not None:
                    set_topics(session, review, [m.as_dict() for m in found[i]])
                done += 1
        after = pending[-1].id
    log.info("classified %d reviews with %s", done, classifier.name)
    return done


def _topics(
    pending: Sequence[_Pending],
    results: Sequence[Sentiment],
    classifier: Classifier,
    topics: TopicSetup | None,
) -> list[list[Mention]] | None:
    """Each review's topics, the reviews of one lexicon analysed together."""
    if topics is None:
        return None
    found: list[list[Mention]] = [[] for _ in pending]
    groups: dict[int, list[int]] = {}
    lexicons: dict[int, Lexicon] = {}
    for i, item in enumerate(pending):
        lexicon = topics.lexicon(item.business)
        groups.setdefault(id(lexicon), []).append(i)
        lexicons[id(lexicon)] = lexicon
    for key, members in groups.items():
        analyzer = TopicAnalyzer(lexicons[key], classifier)
        texts = [pending[i].text for i in members]
        mentions = analyzer.analyze(texts, overall=[results[i] for i in members])
        for i, m in zip(members, mentions, strict=True):
            found[i] = m
    return found


def _pending(session: Session, after: int, limit: int) -> list[_Pending]:
    rows = unclassified_reviews(session, after, limit)
    names: dict[int, str] = {}
    for r in rows:
        if r.business_id not in names:
            business = session.get(Business, r.business_id)
            names[r.business_id] = business.name if business is not None else ""
    return [
        _Pending(r.id, r.version, review_text(r.title, r.text), names[r.business_id])
        for r in rows
        if r.id is not None
    ]
