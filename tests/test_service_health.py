"""Health check: ONE operator email after N failures in a row, ONE when the source recovers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.mail import SmtpMailer
from alerts.payloads import SourceStatusPayload, read_payload
from alerts.render import Renderer
from alerts.sending import build
from leumund.config import Config
from leumund.jobs.alerts import send_due
from leumund.jobs.health import check_sources
from leumund.jobs.pipeline import sync_config
from leumund.parts import build_parts
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import session_scope
from storage.models import CrawlStatus, Notification, NotificationKind, Source, utcnow
from storage.registry import get_source
from tests.smtp_server import SmtpServer


def _config(**service: Any) -> Config:
    return Config.model_validate(
        {
            "service": {"failure_threshold": 3, **service},
            "businesses": [
                {
                    "name": "Bäckerei Beispiel",
                    "owner_emails": ["inhaber@example.de"],
                    "sources": [{"name": "tp", "type": "trustpilot", "url": "http://x"}],
                }
            ],
        }
    )


def _crawl(engine: Engine, status: CrawlStatus, error: str | None = None) -> None:
    """Record one crawl exactly as the crawl job does, with the given outcome."""
    with session_scope(engine) as session:
        source = get_source(session, "Bäckerei Beispiel", "tp")
        assert source is not None
        run = start_run(session, source)
        finish_run(session, source, run, CrawlOutcome(status, 1, 0, 0, 0, 1, error))


def _operator_mail(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.id)).all()  # type: ignore[arg-type]
        return [r for r in rows if r.kind.startswith("source_")]


def test_one_broken_email_after_threshold_and_one_when_recovered(any_engine: Engine) -> None:
    engine = any_engine
    config = _config(operator_emails=["it@example.de"])
    sync_config(engine, config)
    for attempt in range(2):
        _crawl(engine, CrawlStatus.FAILED, "HTTP 503 Service Unavailable")
        assert check_sources(engine, config, utcnow()) == 0, attempt
    _crawl(engine, CrawlStatus.TIMEOUT, "crawl did not finish within 600 s")
    assert check_sources(engine, config, utcnow()) == 1
    for _ in range(3):  # further failures and checks: still the one email
        _crawl(engine, CrawlStatus.FAILED, "HTTP 429")
        assert check_sources(engine, config, utcnow()) == 0
    rows = _operator_mail(engine)
    assert [(r.kind, r.recipient) for r in rows] == [("source_broken", "it@example.de")]
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
        assert source.broken_notified and source.failing_since is not None
        payload = read_payload(rows[0].payload)
        assert isinstance(payload, SourceStatusPayload)
        assert payload.since == source.failing_since and payload.failures == 3
    assert rows[0].message is None  # rendered when sent
    message = build(Renderer(config.mail.sender), [rows[0]], utcnow(), "0123456789abcdef")
    assert "tp" in message["Subject"] and "Bäckerei Beispiel" in message["Subject"]
    assert "within 600 s" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    _crawl(engine, CrawlStatus.OK)
    assert check_sources(engine, config, utcnow()) == 1
    _crawl(engine, CrawlStatus.OK)
    assert check_sources(engine, config, utcnow()) == 0
    kinds = [r.kind for r in _operator_mail(engine)]
    assert kinds == [NotificationKind.SOURCE_BROKEN.value, NotificationKind.SOURCE_RECOVERED.value]
    with SmtpServer() as server:
        parts = build_parts(config, engine=engine)
        parts.mailer = SmtpMailer(host=server.host, port=server.port, security="none")
        send_due(parts, utcnow())
        send_due(parts, utcnow())
        received = server.received
    assert [r.rcpt_tos for r in received] == [["it@example.de"], ["it@example.de"]]
    assert "funktioniert wieder" in str(received[1].message["Subject"])


def test_a_new_streak_after_recovery_is_reported_again_to_owners(any_engine: Engine) -> None:
    engine = any_engine
    config = _config(failure_threshold=1)  # no operator configured: the owners are told
    sync_config(engine, config)
    _crawl(engine, CrawlStatus.FAILED, "boom")
    assert check_sources(engine, config, utcnow()) == 1
    _crawl(engine, CrawlStatus.OK)
    assert check_sources(engine, config, utcnow()) == 1
    _crawl(engine, CrawlStatus.FAILED, "boom again")
    assert check_sources(engine, config, utcnow()) == 1
    assert check_sources(engine, config, utcnow()) == 0
    rows = _operator_mail(engine)
    assert [r.kind for r in rows] == ["source_broken", "source_recovered", "source_broken"]
    assert {r.recipient for r in rows} == {"inhaber@example.de"}
    assert rows[0].dedup_key != rows[2].dedup_key
