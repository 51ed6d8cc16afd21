"""A competitor's page crawled from a local server: reviews stored and classified, never an
alert, mention, digest or backlog summary; a broken competitor source tells only operators."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.mail import SmtpMailer
from crawler.demo import DemoServer, DemoSite, serve_directory
from leumund.config import Config
from leumund.jobs.pipeline import Plan, run_pipeline
from leumund.parts import build_parts
from leumund.service.scheduler import enabled_sources
from storage.models import Business, Notification, Review
from tests.smtp_server import SmtpServer, closed_port

OWNER, OPERATOR = "inhaber@example.de", "it@example.de"
RIVAL = "Bäckerei Beispiel › Backstube am Markt"


@pytest.fixture
def rival_site(tmp_path: Path) -> Iterator[tuple[DemoSite, DemoServer]]:
    site = DemoSite(tmp_path / "site")
    server = serve_directory(site.directory)
    yield site, server
    server.stop()


def _config(tmp_path: Path, url: str, operators: list[str]) -> Config:
    broken = f"http://127.0.0.1:{closed_port()}/bewertungen/"
    data = {
        "service": {"operator_emails": operators, "failure_threshold": 1},
        "crawler": {"download_delay": 0, "autothrottle": False, "retry_times": 0,
                    "download_timeout": 10, "crawl_timeout": 60},
        "businesses": [{
            "name": "Bäckerei Beispiel", "owner_emails": [OWNER],
            "alerts": {"star_threshold": 2, "keywords": ["Wartezeit"]},
            "report": {"enabled": False},
            "competitors": [{"name": "Backstube am Markt", "sources": [
                {"name": "trustpilot", "type": "trustpilot", "url": url},
                {"name": "website", "type": "schema_org", "url": broken},
            ]}],
        }],
    }  # fmt: skip
    return Config.model_validate(data).bind(tmp_path, {})


def _rows(engine: Engine) -> tuple[list[Review], list[Notification]]:
    with Session(engine) as session:
        rival = session.exec(select(Business).where(Business.name == RIVAL)).one()
        reviews = session.exec(select(Review).where(col(Review.business_id) == rival.id))
        return list(reviews), list(session.exec(select(Notification)))


@pytest.mark.parametrize("operators", [[OPERATOR], []])
def test_competitor_crawl_stores_reviews_and_alerts_nobody(
    any_engine: Engine, tmp_path: Path, rival_site: tuple[DemoSite, DemoServer],
    operators: list[str], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    site, server = rival_site
    config = _config(tmp_path, site.trustpilot_url(server.base_url), operators)
    parts = build_parts(config, engine=any_engine)
    caplog.set_level(logging.INFO, logger="alerts.decide")
    with SmtpServer() as smtp:
        parts.mailer = SmtpMailer(host=smtp.host, port=smtp.port, security="none")
        plan = Plan(crawls=tuple(enabled_sources(config)), health=True)
        first = run_pipeline(parts, plan)
        site.add_review(author="Jürgen M.", rating=1, title="Wartezeit", text="Ewig gewartet.")
        second = run_pipeline(parts, plan)
    reviews, notes = _rows(any_engine)
    assert len(reviews) == 13 and any(r.rating == 1.0 and not r.backlog for r in reviews)
    assert all(r.alert_checked_version == r.version for r in reviews)  # decided: closed
    assert all(r.sentiment_label is not None for r in reviews)  # classified like any review
    assert {run.status for run in first.crawls + second.crawls} == {"ok", "failed"}
    # the only mail: the operator's notice that the competitor's website source broke
    assert [(n.kind, n.recipient) for n in notes] == [("source_broken", o) for o in operators]
    assert [m["To"] for m in smtp.messages] == operators
    assert all(OWNER not in str(m["To"]) for m in smtp.messages)
    # closed on purpose as a competitor's, not as reviews of a business nobody configured
    closed = [r.getMessage() for r in caplog.records if "closed without alert" in r.getMessage()]
    assert closed == [f"competitor {RIVAL!r}: 12 reviews closed without alert",
                      f"competitor {RIVAL!r}: 1 reviews closed without alert"]  # fmt: skip
