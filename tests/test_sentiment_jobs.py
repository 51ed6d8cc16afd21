"""The classification job on a real SQLite database with a tiny real model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from leumund.config import Config
from leumund.jobs.classify import classify_pending
from leumund.parts import build_parts
from sentiment.base import LABELS, Classifier
from sentiment.cleaning import review_text
from storage.db import session_scope
from storage.models import Review, Source
from storage.reviews import upsert_reviews
from tests.factories import make_business_and_source, make_review_data
from tests.sentiment_tiny import GUHR_LABELS, build_tiny_model

TEXTS = [
    "Die Brötchen sind frisch und die Verkäuferin ist freundlich.",
    "Schrecklich, kalt und dreckig. Nie wieder!",
    "",
    "Der Termin war kurz.",
    "Service super, gerne wieder",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("jobs") / "model", GUHR_LABELS)


def config_for(model: str, base: Path) -> Config:
    return Config.model_validate({"sentiment": {"model": model, "batch_size": 2}}).bind(base, {})


def load_configured_classifier(config: Config, engine: Engine) -> Classifier | None:
    """The classifier as every run gets it: from the parts, loaded once."""
    return build_parts(config, engine=engine).classifier()


def add_reviews(engine: Engine) -> None:
    with session_scope(engine) as session:
        _, source = make_business_and_source(session)
        items = [
            make_review_data(platform_id=f"r{i}", title="Titel" if i % 2 else "", text=text)
            for i, text in enumerate(TEXTS)
        ]
        upsert_reviews(session, source, items)


def reviews(engine: Engine) -> list[Review]:
    with Session(engine) as session:
        return list(session.exec(select(Review).order_by(col(Review.id))))


def test_classifies_every_pending_review_once(engine: Engine, model_dir: Path) -> None:
    add_reviews(engine)
    classifier = load_configured_classifier(config_for("model", model_dir.parent), engine)
    assert classifier is not None
    assert classify_pending(engine, classifier, batch_size=2) == len(TEXTS)
    stored = reviews(engine)
    expected = classifier.classify([review_text(r.title, r.text) for r in stored])
    for review, want in zip(stored, expected, strict=True):
        assert review.sentiment_label == want.label
        assert review.sentiment_probs is not None
        assert set(review.sentiment_probs) == set(LABELS)
        assert review.sentiment_probs == pytest.approx(want.probs, abs=1e-5)
        assert review.sentiment_model == str(model_dir)
        assert review.classified_at is not None
    assert classify_pending(engine, classifier, batch_size=2) == 0


def test_edited_review_is_classified_again(engine: Engine, model_dir: Path) -> None:
    add_reviews(engine)
    classifier = load_configured_classifier(config_for(str(model_dir), model_dir.parent), engine)
    assert classifier is not None
    classify_pending(engine, classifier, batch_size=10)
    with session_scope(engine) as session:
        first = session.exec(select(Review).where(Review.platform_id == "r1")).one()
        source = session.get(Source, first.source_id)
        assert source is not None
        upsert_reviews(session, source, [make_review_data(platform_id="r1", text="Jetzt gut.")])
    [edited] = [r for r in reviews(engine) if r.platform_id == "r1"]
    assert edited.sentiment_label is None
    assert classify_pending(engine, classifier, batch_size=10) == 1
    [review] = [r for r in reviews(engine) if r.platform_id == "r1"]
    assert review.version == 2
    [want] = classifier.classify([review_text(review.title, review.text)])
    assert review.sentiment_label == want.label


def test_unloadable_model_leaves_reviews_for_later(
    engine: Engine, model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add_reviews(engine)
    with caplog.at_level(logging.ERROR, logger="leumund.parts"):
        missing = load_configured_classifier(config_for("acme/not-cached", tmp_path), engine)
    assert missing is None
    [record] = [r for r in caplog.records if r.name == "leumund.parts"]
    assert "acme/not-cached" in record.getMessage()
    assert "\n" not in record.getMessage()
    assert all(r.sentiment_label is None for r in reviews(engine))
    later = load_configured_classifier(config_for(str(model_dir), tmp_path), engine)
    assert later is not None
    assert classify_pending(engine, later, batch_size=3) == len(TEXTS)
