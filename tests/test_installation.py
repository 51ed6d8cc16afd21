"""The installation id: made once per database, kept, and different for every database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.sending import send_due
from storage.db import init_schema, make_engine, session_scope
from storage.installation import installation_id
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import NOW, OWNER, RENDERER, add_review, outbox, policy, seed
from tests.test_alerts_delivery import POLICY, mailer


def _read(engine: Engine) -> str:
    with session_scope(engine) as session:
        return installation_id(session)


def test_made_once_and_kept_across_processes(any_engine: Engine) -> None:
    first = _read(any_engine)
    assert len(first) == 16 and int(first, 16) >= 0
    again = make_engine(any_engine.url.render_as_string(hide_password=False))  # a new process
    try:
        assert _read(again) == first
    finally:
        again.dispose()


def test_racing_starts_agree_on_one_id(any_engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(lambda _: _read(any_engine), range(8)))
    assert len(set(ids)) == 1


def test_a_fresh_database_gets_a_fresh_id(tmp_path: Path) -> None:
    ids = set()
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        init_schema(engine)
        ids.add(_read(engine))
        engine.dispose()
    assert len(ids) == 2


def test_the_same_alert_of_two_databases_has_two_message_ids(tmp_path: Path) -> None:
    """A database reset restarts row numbers: same dedup key, yet never the same Message-ID."""
    received = []
    with SmtpServer() as server:
        for name in ("before-reset", "after-reset"):
            engine = make_engine(f"sqlite:///{tmp_path / name}.db")
            init_schema(engine)
            source = seed(engine)
            add_review(engine, source, rating=1.0, text="Hart.")
            decide_alerts(engine, policy(), NOW)
            [row] = outbox(engine)
            assert row.dedup_key == f"alert:1:{OWNER}"
            assert send_due(engine, mailer(server), RENDERER, NOW, POLICY).sent == 1
            received.append((_read(engine), server.messages[-1]["Message-ID"]))
            engine.dispose()
    (first_id, first), (second_id, second) = received
    assert first != second
    assert first_id in first and second_id in second
