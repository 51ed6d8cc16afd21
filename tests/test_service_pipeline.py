"""`run --once`, step isolation, a model that fails to load, the database away, `status`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.mail import FileMailer, SmtpMailer
from alerts.render import Renderer
from crawler.demo import DemoServer, DemoSite, serve_directory
from leumund import cli
from leumund.config import Config
from leumund.jobs.pipeline import Plan, due_reports, run_pipeline, sync_config
from leumund.loading import load_config
from leumund.parts import Parts, build_parts
from leumund.service.runner import Service, wait_for_database
from leumund.service.scheduler import enabled_sources
from sentiment.base import Classifier, ModelUnavailable
from sentiment.loading import load_classifier
from storage.db import make_engine, session_scope
from storage.models import Notification, NotificationKind, Review, ReviewData
from storage.registry import get_source
from storage.reviews import upsert_reviews
from tests.sentiment_tiny import GUHR_LABELS, build_tiny_model
from tests.service_support import BUSINESS, OWNER, make_config, write_config
from tests.smtp_server import SmtpServer


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("model") / "tiny", GUHR_LABELS)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[DemoSite, DemoServer]]:
    site = DemoSite(tmp_path / "site")
    server = serve_directory(site.directory)
    yield site, server
    server.stop()


def _rows(engine: Engine) -> tuple[list[Review], list[Notification]]:
    with Session(engine) as session:
        reviews = list(session.exec(select(Review).order_by(col(Review.id))))
        notes = list(session.exec(select(Notification).order_by(col(Notification.id))))
    return reviews, notes


@pytest.mark.slow
def test_run_once_with_model_down_then_classification_catches_up(
    tmp_path: Path,
    demo: tuple[DemoSite, DemoServer],
    tiny_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site, server = demo
    today = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%A").lower()
    report = {"weekday": today, "time": "00:00"}
    url = site.trustpilot_url(server.base_url)
    broken = write_config(tmp_path, url, model=str(tmp_path / "no-model"), report=report)
    assert cli.main(["run", "--once", "--config", str(broken)]) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    reviews, notes = _rows(engine)
    assert len(reviews) == len(site.reviews) == 12
    assert all(r.sentiment_label is None and r.backlog for r in reviews)
    # the report slot has passed, but last week's report is not sent: nothing was read then
    kinds = sorted(n.kind for n in notes)
    assert kinds == [NotificationKind.BACKLOG_SUMMARY.value]
    assert all(n.status == "sent" for n in notes)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1

    new = site.add_review(author="Jürgen M.", rating=1, title="Kalt", text="Kaffee kalt.")
    assert cli.main(["run", "--once", "--config", str(broken)]) == 0  # not due: no crawl
    assert len(_rows(engine)[0]) == 12
    assert cli.main(["run", "--once", "--force", "--config", str(broken)]) == 0
    reviews, notes = _rows(engine)
    alerts = [n for n in notes if n.kind == NotificationKind.ALERT.value]
    assert len(alerts) == 1 and alerts[0].status == "sent" and alerts[0].recipient == OWNER
    assert reviews[-1].platform_id == new.id and reviews[-1].sentiment_label is None
    assert alerts[0].review_id == reviews[-1].id
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2

    good = write_config(tmp_path, url, model=str(tiny_model), report=report)
    assert cli.main(["classify", "--config", str(good)]) == 0
    reviews, _ = _rows(engine)
    assert all(r.sentiment_label in ("positive", "neutral", "negative") for r in reviews)
    capsys.readouterr()
    assert cli.main(["status", "--config", str(good)]) == 0
    out = capsys.readouterr().out
    assert "reviews stored: 13" in out and "notifications: 0 pending, 0 failed, 2 sent" in out
    assert "next crawl: " in out and "last successful crawl: 20" in out
    assert "13 reviews" in out and "0 reviews unclassified" in out
    engine.dispose()


def _seed_alertable_review(engine: Engine, config: Config) -> None:
    sync_config(engine, config)
    with session_scope(engine) as session:
        source = get_source(session, BUSINESS, "trustpilot")
        assert source is not None
        source.first_crawl_at = datetime.now(UTC) - timedelta(days=1)
        upsert_reviews(
            session,
            source,
            [ReviewData("r-1", "Kunde", 1.0, 1.0, "1-5", "Nie wieder", "Schlecht.", "de", None)],
        )


def test_one_failing_step_does_not_stop_the_others(any_engine: Engine, tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9/x", model=str(tmp_path / "no-model"))
    config = load_config(path, {})
    _seed_alertable_review(any_engine, config)
    with any_engine.begin() as conn:  # the crawl step now fails inside the database
        conn.execute(text("DROP TABLE crawlrun"))
    now = datetime.now(UTC)
    plan = Plan(tuple(enabled_sources(config)), health=True, reports=due_reports(config, now))
    result = run_pipeline(build_parts(config, engine=any_engine), plan)
    assert list(result.failed) == ["crawl Bäckerei Beispiel / trustpilot"]
    assert "crawlrun" in result.failed["crawl Bäckerei Beispiel / trustpilot"]
    assert {"decide alerts", "health check", "send"} <= set(result.done)
    _, notes = _rows(any_engine)
    assert [(n.kind, n.status) for n in notes] == [("alert", "sent")]
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert not result.ok  # `run --once` exits 1, so cron or the systemd timer sees it


def test_database_away_is_waited_for_then_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9/x", model="bundled")
    config = load_config(path, {})
    missing = tmp_path / "not-yet"
    engine = make_engine(f"sqlite:///{missing / 'service.db'}")
    timer = threading.Timer(0.3, missing.mkdir)  # the volume comes back
    timer.start()
    with caplog.at_level(logging.WARNING):
        assert wait_for_database(engine, config, threading.Event()) is True
    timer.join()
    assert "database unavailable" in caplog.text
    assert "source" in inspect(engine).get_table_names()
    engine.dispose()


def test_stop_while_waiting_for_the_database_returns_promptly(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9/x", model="bundled")
    engine = make_engine(f"sqlite:///{tmp_path / 'never' / 'service.db'}")
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    # without the stop it would wait for ever (the service waits out any outage)
    assert wait_for_database(engine, load_config(path, {}), stop) is False
    engine.dispose()


def test_service_classifies_once_the_model_can_be_loaded(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tmp_path / "model"
    config = make_config(tmp_path, "http://127.0.0.1:9/x", model=str(model_dir))
    _seed_alertable_review(engine, config)
    loads: list[str] = []

    def load_model() -> Classifier:  # the parts a test hands in: its own model loader
        loads.append(str(model_dir))
        return load_classifier(config.sentiment, config.base_dir)

    parts = Parts(config, engine, FileMailer(tmp_path / "mail"), Renderer("x@example.de"),
                  load_model, model_retry=timedelta(0))  # fmt: skip
    service = Service(parts, threading.Event())
    with caplog.at_level(logging.WARNING):
        service.process()  # model missing: the star-based alert still goes out
    assert "star-based alerts still go out" in caplog.text
    reviews, notes = _rows(engine)
    assert reviews[0].sentiment_label is None
    assert [(n.kind, n.status) for n in notes] == [("alert", "sent")]
    build_tiny_model(model_dir, GUHR_LABELS)  # the operator fixes the model
    service.process()
    service.process()
    reviews, notes = _rows(engine)
    assert reviews[0].sentiment_label is not None and reviews[0].sentiment_model == str(model_dir)
    assert len(notes) == 1  # classified later, alerted once
    assert len(loads) == 2  # loaded once it worked, not again for every run


def test_status_shows_which_notifications_failed_and_why(
    any_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = any_engine
    config = make_config(tmp_path, "http://127.0.0.1:9/x", mail={"max_attempts": 1})
    parts = build_parts(config, engine=engine)  # no config file: the test's own parts
    parts.load_model = _no_model
    with SmtpServer(refuse_first=10, refuse_code=550) as smtp:
        parts.mailer = SmtpMailer(host=smtp.host, port=smtp.port, security="none")
        _seed_alertable_review(engine, config)
        Service(parts, threading.Event()).process()
    assert smtp.handler.refused == 1
    capsys.readouterr()
    assert cli.main(["status"], parts=parts) == 0
    out = capsys.readouterr().out
    assert "notifications: 0 pending, 1 failed, 0 sent" in out
    assert "failed notifications: 1 (`leumund alerts retry-failed` sends them again)" in out
    assert f"  {BUSINESS}: alert to {OWNER}, 1 attempt(s): " in out
    assert "5.7.1 Message rejected" in out


def _no_model() -> Classifier:
    raise ModelUnavailable("no model in this test")
