"""Topics found in the classify step and stored per review, with the business kind's terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from leumund.config import Config
from leumund.jobs.classify import classify_pending, topic_setup
from sentiment.base import Classifier
from sentiment.bundled import load_bundled
from sentiment.settings import SentimentSettings
from storage.db import session_scope
from storage.models import Review, Source
from storage.reviews import upsert_reviews
from tests.factories import make_business_and_source, make_review_data


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return load_bundled(SentimentSettings())


def _config(tmp_path: Path, **topics: object) -> Config:
    data = {
        "topics": {"kinds": {"praxis": {"Termine": ["Rezept*"]}}, **topics},
        "businesses": [
            {"name": "Praxis Dr. Beispiel", "kind": "praxis", "owner_emails": ["a@example.org"]},
            {"name": "Bäckerei Beispiel", "owner_emails": ["b@example.org"]},
        ],
    }
    return Config.model_validate(data).bind(tmp_path, {})


def _add(engine: Engine, business: str, texts: dict[str, str]) -> None:
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, name=business)
        items = [make_review_data(platform_id=k, text=v, title="") for k, v in texts.items()]
        upsert_reviews(session, source, items)


def _topics(engine: Engine) -> dict[str, list[dict[str, str]] | None]:
    with Session(engine) as session:
        return {r.platform_id: r.topics for r in session.exec(select(Review))}


PRAXIS = {
    "p1": "Die Rezeptbestellung klappt nie. Ansonsten ist Frau Dr. Beispiel eine tolle Ärztin.",
    "p2": "Über zwei Stunden im Wartezimmer gesessen, obwohl ich einen Termin hatte.",
}
BAKERY = {
    "b1": "Die Rezeptbestellung klappt nie.",
    "b2": "Sehr freundliche Verkäuferinnen, die Brötchen sind immer frisch und lecker.",
    "b3": "Naja.",
}


def test_classify_stores_topics_with_the_business_kinds_terms(
    any_engine: Engine, bundled: Classifier, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    _add(any_engine, "Praxis Dr. Beispiel", PRAXIS)
    _add(any_engine, "Bäckerei Beispiel", BAKERY)
    assert classify_pending(any_engine, bundled, 3, topic_setup(config)) == 5
    stored = _topics(any_engine)
    p1 = {t["topic"]: t for t in stored["p1"] or []}
    assert p1["Termine"]["polarity"] == "negative"
    assert p1["Termine"]["quote"] == "Die Rezeptbestellung klappt nie."
    assert {t["topic"] for t in stored["p2"] or []} >= {"Wartezeit", "Termine"}
    assert [t["topic"] for t in stored["b1"] or []] == ["Lieferung"]  # no praxis terms
    b2 = {t["topic"]: t["polarity"] for t in stored["b2"] or []}
    assert b2 == {"Freundlichkeit": "positive", "Qualität": "positive"}
    assert [t["topic"] for t in stored["b3"] or []] == ["Gesamteindruck"]


def test_an_edited_review_gets_its_topics_again(
    any_engine: Engine, bundled: Classifier, tmp_path: Path
) -> None:
    setup = topic_setup(_config(tmp_path))
    _add(any_engine, "Bäckerei Beispiel", {"b2": BAKERY["b2"]})
    classify_pending(any_engine, bundled, 10, setup)
    with session_scope(any_engine) as session:
        source = session.exec(select(Source)).one()
        edited = make_review_data(
            platform_id="b2", title="", text="Die Preise sind eine Frechheit."
        )
        upsert_reviews(session, source, [edited])
    assert _topics(any_engine)["b2"] is None
    assert classify_pending(any_engine, bundled, 10, setup) == 1
    assert _topics(any_engine)["b2"] == [
        {"topic": "Preis", "polarity": "negative", "quote": "Die Preise sind eine Frechheit."}
    ]


def test_topics_can_be_switched_off(
    any_engine: Engine, bundled: Classifier, tmp_path: Path
) -> None:
    config = _config(tmp_path, enabled=False)
    assert topic_setup(config) is None
    _add(any_engine, "Bäckerei Beispiel", {"b2": BAKERY["b2"]})
    assert classify_pending(any_engine, bundled, 10, topic_setup(config)) == 1
    assert _topics(any_engine) == {"b2": None}
