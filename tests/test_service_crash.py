"""`leumund run` as a real process, SIGKILLed mid-crawl, mid-classify and mid-send.

A slow local HTTP server and an SMTP server that answers DATA slowly open the windows; the
process group is killed as soon as the database (or the SMTP server) shows the service is
inside one. After every restart: no review lost, no alert delivered twice, and the final
SIGTERM stops the service promptly with exit status 0.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, ClassVar

import pytest
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crawler.demo import DemoSite
from crawler.demo.server import resolve_file
from storage.db import init_schema, make_engine
from storage.models import CrawlRun, Notification, NotificationStatus, Review, Source
from tests.sentiment_tiny import GUHR_LABELS, build_tiny_model
from tests.service_support import BUSINESS, write_config
from tests.smtp_server import SmtpServer
from tests.waiting import wait_for

pytestmark = pytest.mark.slow  # starts processes


class SlowSite:
    """The demo pages on 127.0.0.1, each answer delayed by `delay` seconds."""

    def __init__(self, root: Path) -> None:
        self.delay = 0.0
        self.requests = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests += 1
                time.sleep(site.delay)
                path = resolve_file(root, self.path)
                if path is None:
                    self.send_error(404)
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SlowData:
    """Delays the reply to DATA; a client that dies meanwhile delivers nothing (aiosmtpd
    cancels the handler when the connection is lost), as with a real server."""

    def __init__(self, server: SmtpServer) -> None:
        self.delay = 0.0
        self.started = threading.Event()
        self._original = server.handler.handle_DATA
        server.handler.handle_DATA = self.handle_DATA  # type: ignore[method-assign]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.started.set()
        await asyncio.sleep(self.delay)
        reply: str = await self._original(server, session, envelope)
        return reply


class Service:
    """`leumund run` in its own process group, as systemd would run it."""

    started: ClassVar[list[Service]] = []

    def __init__(self, config: Path, log: IO[bytes]) -> None:
        Service.started.append(self)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "leumund", "run", "--config", str(config)],
            cwd=config.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    @classmethod
    def kill_leftovers(cls) -> None:
        """After a failed test: no process outlives it."""
        while cls.started:
            service = cls.started.pop()
            if service.proc.poll() is None:
                service.kill()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[DemoSite, SlowSite, SmtpServer, SlowData]]:
    site = DemoSite(tmp_path / "site")
    http = SlowSite(site.directory)
    try:
        with SmtpServer() as smtp:
            yield site, http, smtp, SlowData(smtp)
    finally:
        Service.kill_leftovers()
        http.stop()


def _count(engine: Engine, query: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(query).one())


def _crawls(engine: Engine, status: str | None = None) -> int:
    query = select(func.count()).select_from(CrawlRun)
    if status is not None:
        query = query.where(col(CrawlRun.status) == status)
    return _count(engine, query)


def _reviews(engine: Engine, classified: bool | None = None) -> int:
    query = select(func.count()).select_from(Review)
    if classified is not None:
        label = col(Review.sentiment_label)
        query = query.where(label.is_not(None) if classified else label.is_(None))
    return _count(engine, query)


def _down_for_an_hour(engine: Engine) -> None:
    """The service was down for an hour after its last finished crawl (a test can't wait)."""
    past = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(update(Source).values(last_attempt_at=past))


def _send_leases_expired(engine: Engine) -> None:
    """A row claimed by the killed sender may be retried once its lease is over; the lease
    (10 min, `alerts.sending.SendPolicy`) is not configurable, so the test ends it."""
    past = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(
            update(Notification)
            .where(col(Notification.status) == NotificationStatus.SENDING.value)
            .values(next_attempt_at=past)
        )


def test_sigkill_at_any_point_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, env: tuple[DemoSite, SlowSite, SmtpServer, SlowData]
) -> None:
    site, http, smtp, slow_data = env
    model = build_tiny_model(tmp_path / "model", GUHR_LABELS)
    mail = {"backend": "smtp", "retry_base_seconds": 1,
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none"}}  # fmt: skip
    config = write_config(
        tmp_path, site.trustpilot_url(http.base_url), model=str(model), mail=mail,
        schedule="1m", service={"outbox_interval_seconds": 5},
    )  # fmt: skip
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    init_schema(engine)  # so the test can watch before the service has created it
    with (tmp_path / "service.log").open("ab") as log:
        _run_and_kill(site, http, smtp, slow_data, config, engine, log)
    _check_outcome(site, smtp, engine)
    engine.dispose()


def _run_and_kill(
    site: DemoSite, http: SlowSite, smtp: SmtpServer, slow_data: SlowData, config: Path,
    engine: Engine, log: IO[bytes],
) -> None:  # fmt: skip

    # 1. mid-crawl: the crawl run is open and pages are being fetched (slowly)
    http.delay = 0.4
    service = Service(config, log)
    wait_for(lambda: _crawls(engine, "running") == 1 and http.requests >= 2, "a crawl")
    service.kill()
    assert _reviews(engine) == 0 and _crawls(engine, "ok") == 0

    # 2. mid-classify: the crawl cut short is made up at once (not a whole interval later);
    # its reviews are stored, classification has not finished
    http.delay = 0.0
    service = Service(config, log)
    wait_for(lambda: _crawls(engine, "ok") == 1, "the interrupted crawl to be made up")
    service.kill()
    assert _reviews(engine) == 12
    assert _reviews(engine, classified=True) < 12, "killed too late to be mid-classify"

    # 3. mid-send: three new 1-star reviews, the SMTP server is inside DATA for the first mail
    for i in range(3):
        site.add_review(author=f"Neu {i}", rating=1, title="Nie wieder", text="Kalt.")
    _down_for_an_hour(engine)
    crawls_before = _crawls(engine)
    slow_data.delay = 3.0
    service = Service(config, log)
    wait_for(slow_data.started.is_set, "an email to be sent")
    service.kill()
    assert _crawls(engine) == crawls_before + 1  # 60 missed one-minute slots: one run

    # 4. a restart delivers the rest; SIGTERM during its (slow) crawl stops it promptly
    slow_data.delay, http.delay = 0.0, 1.0
    _send_leases_expired(engine)
    _down_for_an_hour(engine)
    service = Service(config, log)

    def all_sent() -> bool:
        with Session(engine) as session:
            rows = session.exec(select(Notification)).all()
        return bool(rows) and all(r.status == "sent" for r in rows) and len(smtp.received) >= 4

    wait_for(all_sent, "every notification to be sent")
    service.proc.send_signal(signal.SIGTERM)
    assert service.proc.wait(timeout=120) == 0  # a guard against a hang, not a budget
    with Session(engine) as session:
        last = session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc())).first()
    assert last is not None and last.status != "running"  # finished or stopped, recorded


def _check_outcome(site: DemoSite, smtp: SmtpServer, engine: Engine) -> None:
    new = {r.id for r in site.reviews if r.author.startswith("Neu ")}
    with Session(engine) as session:
        stored = set(session.exec(select(Review.platform_id)))
        notes = session.exec(select(Notification)).all()
    assert stored == {r.id for r in site.reviews} and len(stored) == 15
    assert _reviews(engine, classified=False) == 0  # classification caught up
    assert sorted(n.kind for n in notes) == ["alert", "alert", "alert", "backlog_summary"]
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 4, "an email was delivered twice"
    alerted = {n.review_id for n in notes if n.kind == "alert"}
    with Session(engine) as session:
        rows = session.exec(select(Review).where(col(Review.id).in_(alerted))).all()
    assert {r.platform_id for r in rows} == new
    assert all(BUSINESS in str(m["Subject"]) for m in smtp.messages)
