"""`leumund run --once` as cron runs it: only what is due, a failure in the exit status,
and a database that stays away ends the run after `service.database_wait_seconds`."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from leumund import cli
from leumund.config import Config
from leumund.jobs.pipeline import sync_config
from leumund.parts import build_parts
from leumund.service.runner import once_plan, prepare_within
from storage.db import make_engine, session_scope
from storage.models import utcnow
from storage.registry import get_source
from tests.service_support import make_config

BUSINESS = "Praxis Dr. Beispiel"


def _two_sources(tmp_path: Path) -> Config:
    return Config.model_validate(
        {
            "businesses": [
                {
                    "name": BUSINESS,
                    "owner_emails": ["praxis@example.de"],
                    "sources": [
                        {"name": "tp", "type": "trustpilot", "url": "http://x.test/tp",
                         "schedule": "6h"},
                        {"name": "web", "type": "schema_org", "url": "http://x.test/web",
                         "schedule": "0 * * * *"},
                        {"name": "off", "type": "trustpilot", "url": "http://x.test/off",
                         "enabled": False},
                    ],
                }
            ]
        }
    ).bind(tmp_path, {})  # fmt: skip


def _finished_ago(engine: Engine, source: str, ago: timedelta) -> None:
    with session_scope(engine) as session:
        row = get_source(session, BUSINESS, source)
        assert row is not None
        row.last_attempt_at = utcnow() - ago


def _planned(engine: Engine, config: Config, force: bool = False) -> list[str]:
    plan = once_plan(build_parts(config, engine=engine), force=force)
    return [source.name for _, source in plan.crawls]


def test_once_crawls_only_what_is_due_and_force_every_enabled_source(
    any_engine: Engine, tmp_path: Path
) -> None:
    config = _two_sources(tmp_path)
    sync_config(any_engine, config)
    assert _planned(any_engine, config) == ["tp", "web"]  # never crawled: both due
    _finished_ago(any_engine, "tp", timedelta(hours=1))
    _finished_ago(any_engine, "web", timedelta(hours=2))
    assert _planned(any_engine, config) == ["web"]  # an hourly cron slot passed; 6 h did not
    _finished_ago(any_engine, "tp", timedelta(hours=6, minutes=1))
    assert "tp" in _planned(any_engine, config)
    assert _planned(any_engine, config, force=True) == ["tp", "web"]  # never the disabled one


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_a_failed_crawl_makes_the_run_exit_1(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/reviews"
    model = str(tmp_path / "no-model")  # a model that does not load is no failed step
    config = make_config(tmp_path, url, model=model, crawler={"retry_times": 0})
    parts = build_parts(config, engine=engine)
    assert cli.main(["run", "--once"], parts=parts) == 1
    err = capsys.readouterr().err
    assert "step 'crawl Bäckerei Beispiel / trustpilot' failed: failed: connection refused" in err
    assert "run finished: " in err and ", 1 failed" in err


def test_unreachable_database_fails_after_the_wait_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    data = {
        "service": {"database_wait_seconds": 1},
        "storage": {"url": f"postgresql+psycopg://leumund:geheim@127.0.0.1:{port}/leumund"},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert cli.main(["run", "--once", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "geheim" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"leumund: database postgresql+psycopg://leumund:***@127.0.0.1:{port}")
    assert "unavailable" in last


def test_force_needs_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_config(tmp_path, "http://x.test/tp")
    assert cli.main(["run", "--force"], parts=build_parts(config)) == 2
    assert "--force only goes with --once" in capsys.readouterr().err


def test_once_uses_a_database_that_comes_back_within_the_wait(tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    config = make_config(tmp_path, "http://x.test/tp", service={"database_wait_seconds": 600})
    engine = make_engine(f"sqlite:///{missing / 'service.db'}")
    comes_back = threading.Timer(0.3, missing.mkdir)  # the volume is mounted a moment later
    comes_back.start()
    try:
        assert prepare_within(engine, config, threading.Event(), 600) is True
        with session_scope(engine) as session:  # schema made and the config mirrored
            assert get_source(session, "Bäckerei Beispiel", "trustpilot") is not None
    finally:
        comes_back.join()
        engine.dispose()
