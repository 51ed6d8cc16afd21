"""`leumund alerts send` as real processes: a receiver outage, then a SIGKILL after it took
the message.

First the receiver is down (503): the row waits. Then it kills the sender while the sender
waits for the answer: the message arrived, the database never heard. Once the lease has
passed, the next sender repeats it — the one repeat the outbox allows — with the same
idempotency key as every attempt before, and never again after that.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from leumund.jobs.alerts import decide_alerts
from storage.db import init_schema, make_engine, session_scope
from storage.models import Notification, utcnow
from tests.channel_support import ENV, HOOK, json_body, json_url, make_parts, posted
from tests.httpserver import Hit, LocalServer, Reply
from tests.test_alerts_decide import NOW, add_review, outbox, seed

pytestmark = pytest.mark.slow  # starts processes


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = (
        f"sqlite:///{tmp_path / 'crash.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    init_schema(engine)
    yield url, engine
    engine.dispose()


def _send(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "leumund", "alerts", "send", "--config", str(config)],
            cwd=config.parent, env={**os.environ, **ENV}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _channel_row(engine: Engine) -> Notification:
    [row] = [r for r in outbox(engine) if r.recipient.startswith("channel:")]
    return row


def _time_passes(engine: Engine) -> None:
    """What an hour does to a backoff, or to the lease of a killed sender."""
    with session_scope(engine) as session:
        for row in session.exec(select(Notification)):
            if row.status in ("pending", "sending") and row.next_attempt_at is not None:
                row.next_attempt_at = utcnow() - timedelta(seconds=1)


def test_across_an_outage_and_a_kill_the_alert_arrives_once_plus_one_keyed_repeat(
    database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = database
    workers: list[subprocess.Popen[bytes]] = []

    def down_then_accept_then_kill(hit: Hit) -> Reply:
        if len(workers) == 1:
            return Reply(status=503)  # the receiver is down
        if len(workers) == 2:  # the second sender dies before it hears the answer
            workers[1].send_signal(signal.SIGKILL)
            workers[1].wait(timeout=30)
        return Reply(body="ok")

    log = tmp_path / "senders.log"
    with LocalServer() as server:
        server.handle(HOOK, down_then_accept_then_kill)
        parts = make_parts(tmp_path, engine, [json_url(server)], storage={"url": url})
        add_review(engine, seed(engine), rating=1.0, text="Kalt und unfreundlich.")
        assert decide_alerts(parts, NOW) == 2
        config = tmp_path / "config.yaml"
        workers.append(_send(config, log))
        assert workers[0].wait(timeout=120) == 1, log.read_text()  # 1: a row to retry
        row = _channel_row(engine)
        assert (row.status, row.attempts) == ("pending", 0) and "503" in (row.last_error or "")

        _time_passes(engine)
        workers.append(_send(config, log))
        assert workers[1].wait(timeout=120) == -signal.SIGKILL, log.read_text()
        assert _channel_row(engine).status == "sending"  # delivered, but never recorded
        assert len(posted(server, HOOK)) == 2

        workers.append(_send(config, log))
        assert workers[2].wait(timeout=120) == 0, log.read_text()
        assert len(posted(server, HOOK)) == 2  # the lease holds: nothing sent twice meanwhile

        _time_passes(engine)
        for _ in range(2):  # the repeat, then nothing more
            workers.append(_send(config, log))
            assert workers[-1].wait(timeout=120) == 0, log.read_text()
        refused, accepted, again = posted(server, HOOK)
    assert len({hit.headers["idempotency-key"] for hit in (refused, accepted, again)}) == 1
    assert json_body(accepted)["idempotency_key"] == json_body(again)["idempotency_key"]
    assert json_body(accepted)["message"] == json_body(again)["message"]
    row = _channel_row(engine)
    assert (row.status, row.attempts) == ("sent", 1)
