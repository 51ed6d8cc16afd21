"""Commands as cron and an operator use them: check-config, try-source, test-email, status."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alerts.i18n import crawl_error
from crawler.demo.site import TRUSTPILOT_DIR, DemoSite
from leumund.cli import main
from leumund.jobs.alerts import send_due
from leumund.jobs.health import check_sources
from leumund.jobs.pipeline import sync_config
from leumund.loading import load_config
from leumund.parts import build_parts
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import init_schema, make_engine, session_scope
from storage.models import CrawlStatus, utcnow
from storage.outbox import enqueue, new_notification
from storage.registry import get_source
from tests.httpserver import LocalServer
from tests.test_alerts_cli import BUSINESS, write_config
from tests.test_crawl_jobs import _write_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.yaml"
FILE_MAIL = "  backend: file\n  directory: mail\n"


def test_check_config_takes_config_like_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", "--config", str(EXAMPLE)]) == 0
    assert main(["check-config", "-c", str(EXAMPLE)]) == 0
    assert main(["check-config", str(EXAMPLE)]) == 0  # the positional form stays
    config = load_config(EXAMPLE, os.environ)
    sources = sum(len(b.sources) for b in config.businesses)
    ok = f"{EXAMPLE}: OK — {len(config.businesses)} businesses, {sources} sources"
    assert capsys.readouterr().out.splitlines() == [ok] * 3
    other = tmp_path / "other.yaml"
    assert main(["check-config", str(EXAMPLE), "--config", str(other)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"leumund: check-config: two files given ({EXAMPLE}, {other})"
    )


def test_missing_config_names_the_full_path_and_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEUMUND_CONFIG", raising=False)
    assert main(["status"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{Path.cwd() / 'config.yaml'}: file not found;")
    assert "--config FILE" in err and "\n" not in err


def test_try_source_says_when_more_pages_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        path = _write_config(tmp_path, server.base_url)
        url = f"{server.base_url}/{TRUSTPILOT_DIR}"
        assert main(["try-source", "--type", "trustpilot", "--url", url, "-c", str(path)]) == 0
        one_page = capsys.readouterr().out.splitlines()[-1]
        args = ["try-source", "--type", "trustpilot", "--url", url, "--max-pages", "5"]
        assert main([*args, "-c", str(path)]) == 0
        all_pages = capsys.readouterr().out.splitlines()[-1]
    assert one_page == (
        "6 reviews on 1 page(s); more pages exist (read up to N with --max-pages N, now 1)"
    )
    assert all_pages == "12 reviews on 2 page(s)"


def test_try_source_into_a_closed_pipe_ends_without_traceback(tmp_path: Path) -> None:
    """`leumund try-source … | head -1`: the reader leaves before the output is written."""
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        path = _write_config(tmp_path, server.base_url)
        url = f"{server.base_url}/{TRUSTPILOT_DIR}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "leumund", "try-source", "--type", "trustpilot",
                   "--url", url, "-c", str(path)]  # fmt: skip
        reader, writer = os.pipe()
        os.close(reader)  # like `head` that has already quit
        try:
            done = subprocess.run(
                command, stdout=writer, stderr=subprocess.PIPE, env=env, timeout=300, check=False
            )
        finally:
            os.close(writer)
    err = done.stderr.decode()
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert done.returncode == 1


def test_test_email_with_the_file_backend_prints_the_eml_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, FILE_MAIL)
    assert main(["test-email", "--config", str(config)]) == 0
    out = capsys.readouterr().out.strip()
    prefix = f"test email sent to it@example.test via file {tmp_path / 'mail'}: "
    assert out.startswith(prefix)
    written = Path(out.removeprefix(prefix))
    assert written.suffix == ".eml" and written.parent == tmp_path / "mail"
    assert "Leumund: Test-E-Mail" in written.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("HTTP 404 from https://tp.example/b?page=2", "HTTP 404 von https://tp.example/b?page=2"),
        ("HTTP 403 from https://g.example/v1: API key invalid",
         "HTTP 403 von https://g.example/v1: API key invalid"),
        ("timed out fetching https://x.example/", "Zeitüberschreitung beim Abruf von https://x.example/"),
        ("page structure changed? 0 reviews found on https://x.example/",
         "Seitenaufbau geändert? 0 Bewertungen gefunden auf https://x.example/"),
        ("crawl did not finish within 600 s; child process stopped",
         "Abruf nicht innerhalb von 600 s fertig; Prozess gestoppt"),
        ("something nobody foresaw", "something nobody foresaw"),
    ],
)  # fmt: skip
def test_crawl_errors_read_german_in_german_mail(english: str, german: str) -> None:
    assert crawl_error(english, "de") == german
    assert crawl_error(english, "en") == english


def test_operator_mail_about_a_broken_source_is_german(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, FILE_MAIL), {})
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        sync_config(engine, config)
        for _ in range(config.service.failure_threshold):
            _record_crawl(engine, CrawlStatus.FAILED, "HTTP 404 from https://tp.example.test/b")
        assert check_sources(engine, config, utcnow()) == 1
        assert send_due(build_parts(config, engine=engine), utcnow()).emails == 1
    finally:
        engine.dispose()
    [path] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "funktioniert nicht" in str(message["Subject"])
    assert "Letzter Fehler: HTTP 404 von https://tp.example.test/b" in text
    assert " from " not in text


def _record_crawl(engine: Engine, status: CrawlStatus, error: str | None) -> None:
    with session_scope(engine) as session:
        source = get_source(session, BUSINESS, "tp")
        assert source is not None
        run = start_run(session, source)
        finish_run(session, source, run, CrawlOutcome(status, 1, 0, 0, 0, 1, error))


def test_a_log_line_says_the_model_is_loading(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(write_config(tmp_path, FILE_MAIL), {})
    with caplog.at_level(logging.INFO, logger="leumund.parts"):
        classifier = build_parts(config).classifier()
    assert classifier is not None
    lines = [r.getMessage() for r in caplog.records if r.name == "leumund.parts"]
    assert lines[0] == "loading sentiment model bundled …"
    assert lines[1].startswith(f"sentiment model {classifier.name} loaded in ")
    assert caplog.records[0].created <= caplog.records[1].created


def test_status_json_for_monitoring_scripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, FILE_MAIL)
    config = load_config(path, {})
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        sync_config(engine, config)
        _record_crawl(engine, CrawlStatus.FAILED, "HTTP 404 from https://tp.example.test/b")
        with session_scope(engine) as session:
            source = get_source(session, BUSINESS, "tp")
            assert source is not None
            for key, status in (("a", "pending"), ("b", "failed"), ("c", "sent")):
                enqueue(session, new_notification(
                    kind="alert", dedup_key=key, recipient="inhaber@example.test",
                    business_id=source.business_id, status=status, last_error="550 no",
                ))  # fmt: skip
            enqueue(session, new_notification(kind="source_broken", dedup_key="op",
                                              recipient="it@example.test"))  # fmt: skip
    finally:
        engine.dispose()
    capsys.readouterr()
    assert main(["status", "--json", "-c", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == [
        "format", "generated_at", "businesses", "outbox", "operator_notifications",
        "failed_notifications", "model", "next_health_check_at",
    ]  # fmt: skip
    assert doc["format"] == 1
    [business] = doc["businesses"]
    assert (business["name"], business["reviews"]) == (BUSINESS, 0)
    assert business["notifications"] == {"pending": 1, "sending": 0, "sent": 1, "failed": 1}
    [source] = business["sources"]
    assert source["last_error"] == "HTTP 404 from https://tp.example.test/b"
    assert (source["consecutive_failures"], source["last_success_at"]) == (1, None)
    attempt = datetime.fromisoformat(source["last_attempt_at"])
    assert attempt.utcoffset() == timedelta(0) and source["schedule"] == "6h"
    assert datetime.fromisoformat(source["next_run_at"]) - attempt == timedelta(hours=6)
    assert doc["outbox"] == {"pending": 2, "sending": 0, "sent": 1, "failed": 1}
    assert doc["operator_notifications"]["pending"] == 1
    assert doc["failed_notifications"]["total"] == 1
    [failed] = doc["failed_notifications"]["latest"]
    assert (failed["business"], failed["recipient"], failed["last_error"]) == (
        BUSINESS, "inhaber@example.test", "550 no",
    )  # fmt: skip
    assert doc["model"] == {"configured": "bundled", "used": {}, "unclassified": 0}
