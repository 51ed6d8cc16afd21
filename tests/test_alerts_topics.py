"""Alerts name the review's topics ("Themen: Wartezeit (negativ)"), found before deciding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.payloads import (
    AlertPayload,
    BacklogPayload,
    PlatformCount,
    read_payload,
    topic_tags,
)
from alerts.policy import AlertPolicy
from alerts.replies import DraftRequest, ReplyDrafter, make_reply_environment
from alerts.sending import SendPolicy, send_due
from alerts.settings import AlertRules
from leumund.jobs.classify import TopicSetup, classify_pending
from leumund.jobs.pipeline import PipelineResult, Plan, run_pipeline, sync_config
from leumund.parts import build_parts
from sentiment.base import Classifier
from sentiment.bundled import load_bundled
from sentiment.settings import SentimentSettings
from sentiment.topics.settings import TopicSettings
from storage.db import session_scope
from storage.models import Review, ReviewData
from storage.registry import get_source
from storage.reviews import set_topics, upsert_reviews
from tests.service_support import make_config
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import (
    BUSINESS,
    NOW,
    OWNER,
    RENDERER,
    add_review,
    alert_of,
    classify,
    complete_first_crawl,
    outbox,
    seed,
)
from tests.test_alerts_delivery import mailer, parts
from tests.test_alerts_render import _alert, envelope

WAITING = (
    "Wir haben über eine Stunde auf unser Essen gewartet. Die Bedienung war aber sehr freundlich."
)
T = TypeVar("T")
SEND = SendPolicy(max_attempts=3, retry_base=timedelta(seconds=60), lease=timedelta(minutes=5))


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return load_bundled(SentimentSettings())


def _policy(language: str = "de") -> dict[str, AlertPolicy]:
    request = DraftRequest(BUSINESS, "gastronomie", "Tel. 030 1234", language)  # type: ignore[arg-type]
    drafter = ReplyDrafter(request, make_reply_environment())
    rules, recipients = AlertRules(), (OWNER,)
    draft = drafter.draft()
    policy = AlertPolicy(BUSINESS, rules, recipients, language, reply_draft=draft, drafter=drafter)
    return {BUSINESS: policy}


@pytest.mark.parametrize("language", ["de", "en"])
def test_alert_mail_names_the_topics_through_smtp(
    engine: Engine, bundled: Classifier, language: str
) -> None:
    """Crawl → classify (the bundled model and lexicon) → decide → a real SMTP server."""
    source = seed(engine)
    add_review(engine, source, rating=1.0, title="", text=WAITING)
    topics = TopicSetup(TopicSettings(), {BUSINESS: "gastronomie"})
    assert classify_pending(engine, bundled, 8, topics) == 1
    assert decide_alerts(engine, _policy(language), NOW, hold_unclassified=True).alerts == 1
    with SmtpServer() as server:
        assert send_due(engine, mailer(server), RENDERER, NOW, SEND).sent == 1
        [message] = server.messages
    plain, html = parts(message)
    if language == "de":
        line = "Themen: Qualität (negativ), Wartezeit (negativ), Freundlichkeit (positiv)"
        point = "Lange Wartezeiten sind ärgerlich"
        named = "Ihre Hinweise zu Qualität und Wartezeit nehmen wir ernst"
    else:
        line = "Topics: Quality (negative), Waiting time (negative), Friendliness (positive)"
        point = "Long waits are frustrating"
        named = "your comments on quality and waiting time seriously"
    for text in (plain, html):
        assert line in text
        assert point in text and named in text  # the draft takes up the negative topics
        assert "Freundlichkeit nehmen" not in text and "friendliness serious" not in text


def test_an_unclassified_review_waits_for_its_topics_when_classification_ran(
    engine: Engine,
) -> None:
    """The pipeline classifies right before deciding: a review still unclassified came in
    between and waits one pass; with the model down, the stars alert at once."""
    source = seed(engine)
    review = add_review(engine, source, rating=1.0, text="Eine Stunde gewartet.")
    held = decide_alerts(engine, _policy(), NOW, hold_unclassified=True)
    assert (held.alerts, held.waiting, held.closed) == (0, 1, 0)
    assert outbox(engine) == []
    classify(engine, review, "negative", 0.9)
    with session_scope(engine) as session:
        row = session.get(Review, review)
        assert row is not None
        set_topics(session, row, [{"topic": "Wartezeit", "polarity": "negative", "quote": "x"}])
    decided = decide_alerts(engine, _policy(), NOW, hold_unclassified=True)
    assert (decided.alerts, decided.closed) == (1, 1)
    [row] = outbox(engine)
    tags = alert_of(row).review.topics
    assert [(t.topic, t.polarity) for t in tags] == [("Wartezeit", "negative")]
    assert "Lange Wartezeiten sind ärgerlich" in alert_of(row).reply_draft


def test_without_classification_the_stars_alert_at_once_without_topics(engine: Engine) -> None:
    source = seed(engine)
    add_review(engine, source, rating=1.0, text="Eine Stunde gewartet.")
    summary = decide_alerts(engine, _policy(), NOW)  # the model could not be loaded
    assert (summary.alerts, summary.waiting) == (1, 1)
    [row] = outbox(engine)
    assert alert_of(row).review.topics == ()
    assert "Ihre Hinweise nehmen wir ernst" in alert_of(row).reply_draft
    for text in parts(RENDERER.render(alert_of(row), envelope())):
        assert "Themen" not in text


def test_a_backlog_waits_for_classification_too(engine: Engine) -> None:
    source = seed(engine, first_crawl_done=False)
    add_review(engine, source, rating=1.0, platform_id="b1")
    complete_first_crawl(engine, source)
    assert decide_alerts(engine, _policy(), NOW, hold_unclassified=True).backlog_summaries == 0
    assert decide_alerts(engine, _policy(), NOW).backlog_summaries == 1


TAGS = [
    {"topic": "Freundlichkeit", "polarity": "positive"},
    {"topic": "Wartezeit", "polarity": "negative"},
]


def test_digest_and_backlog_name_the_topics_negative_first() -> None:
    review = _alert("de", rating=1.0, topics=topic_tags(TAGS)).review
    other = _alert("de", rating=2.0, review_id=2).review
    payloads = [
        AlertPayload(business="Praxis", review=review),
        AlertPayload(business="Praxis", review=other),
    ]
    digest = RENDERER.digest(payloads, envelope(key="digest:o"))
    backlog = BacklogPayload(
        business="Praxis", count=2, average=1.5, critical_count=2, critical=(review, other),
        platforms=(PlatformCount(platform="google_places", source="g", count=2, average=1.5),),
    )  # fmt: skip
    for message in (digest, RENDERER.backlog(backlog, envelope(key="backlog:o"))):
        for text in parts(message):
            assert text.count("Themen: Wartezeit (negativ), Freundlichkeit (positiv)") == 1
            assert text.count("Themen:") == 1  # the review without topics shows no line


def test_stored_alerts_without_topics_stay_valid_and_odd_topics_are_cut() -> None:
    stored = AlertPayload(business="X", review=_alert("de").review).model_dump(mode="json")
    del stored["review"]["topics"]  # type: ignore[attr-defined]
    assert read_payload(stored).review.topics == ()  # type: ignore[union-attr]
    evil = [{"topic": "<b>Lärm</b>" + "x" * 80, "polarity": "negative"}, {"topic": "A"}]
    review = _alert("de", rating=1.0).review.model_copy(update={"topics": ()})
    tags = topic_tags(evil)
    assert [len(t.topic) for t in tags] == [40]
    payload = AlertPayload(business="X", review=review.model_copy(update={"topics": tags}))
    _, html = parts(RENDERER.alert(payload, envelope()))
    assert "&lt;b&gt;Lärm&lt;/b&gt;" in html and "<b>Lärm" not in html


def _store(engine: Engine, platform_id: str, text: str) -> None:
    with session_scope(engine) as session:
        source = get_source(session, BUSINESS, "trustpilot")
        assert source is not None
        source.first_crawl_at = NOW - timedelta(days=1)
        item = ReviewData(platform_id, "Kunde", 1.0, 1.0, "1-5", "", text, "de", None)
        upsert_reviews(session, source, [item])


def test_a_review_stored_between_classify_and_decide_alerts_later_with_topics(
    engine: Engine, tmp_path: Path
) -> None:
    """Another pass's crawl may store a review while this pass decides: it is not alerted
    without its topics, but by the next pass (the crawl's own), with them."""
    config = make_config(tmp_path, "http://127.0.0.1:9/x", model="bundled")
    sync_config(engine, config)
    _store(engine, "r-1", WAITING)
    parts = build_parts(config, engine=engine)
    result = PipelineResult()

    def run(name: str, func: Callable[[], T]) -> T | None:
        value = result.run_step(name, func)
        if name == "classify":  # a concurrent crawl stores a review right now
            _store(engine, "r-2", "Lange Wartezeit an der Kasse. Unfreundliches Personal.")
        return value

    run_pipeline(parts, Plan(), run=run)
    assert [alert_of(row).review.review_id for row in outbox(engine)] == [1]
    run_pipeline(parts, Plan())
    alerts = [alert_of(row) for row in outbox(engine)]
    assert [a.review.review_id for a in alerts] == [1, 2]
    assert [[t.topic for t in a.review.topics if t.topic == "Wartezeit"] for a in alerts] == [
        ["Wartezeit"],
        ["Wartezeit"],
    ]
