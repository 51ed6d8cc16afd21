"""PostgreSQL going away mid-run (a restart): the service logs, waits and carries on.

A TCP proxy in front of the real server plays the restart: it cuts every open connection
and turns new ones away for a moment, as PostgreSQL does while it restarts.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from leumund.loading import load_config
from leumund.parts import build_parts
from leumund.service.runner import Service, wait_for_database
from storage.db import make_engine, session_scope
from storage.models import Notification, ReviewData
from storage.registry import get_source
from storage.reviews import upsert_reviews
from tests.service_support import BUSINESS, write_config


class RestartingProxy:
    """Forwards 127.0.0.1:port to the database; `restart(seconds)` plays a restart."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.down = threading.Event()
        self.open: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                s.close()

    def restart(self, seconds: float) -> None:
        self.down.set()
        for sock in self.open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.open.clear()
        threading.Timer(seconds, self.down.clear).start()

    def close(self) -> None:
        self.listener.close()


def test_postgresql_restart_mid_run_is_waited_out(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(pg_url)
    proxy = RestartingProxy(url.host or "127.0.0.1", url.port or 5432)
    engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    path = write_config(tmp_path, "http://127.0.0.1:9/x", model=str(tmp_path / "no-model"))
    config = load_config(path, {})
    stop = threading.Event()
    try:
        assert wait_for_database(engine, config, stop)
        with session_scope(engine) as session:
            source = get_source(session, BUSINESS, "trustpilot")
            assert source is not None
            source.first_crawl_at = datetime.now(UTC) - timedelta(days=1)
            item = ReviewData("r-1", "Kunde", 1.0, 1.0, "1-5", "Nie wieder", "Kalt.", "de", None)
            upsert_reviews(session, source, [item])
        proxy.restart(1.5)
        parts = build_parts(config, engine=engine)
        service = Service(parts, stop, db_retry_delays=(0.5, 1.0, 2.0, 4.0))
        with caplog.at_level(logging.WARNING):
            service.process()
        assert "database unavailable" in caplog.text
        with Session(engine) as session:
            rows = session.exec(select(Notification)).all()
        assert [(r.kind, r.status) for r in rows] == [("alert", "sent")]
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    finally:
        engine.dispose()
        proxy.close()
