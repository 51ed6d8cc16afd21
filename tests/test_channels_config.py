"""Channels in config.yaml, the operator's channels, and `leumund test-channel`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from alerts.channel_urls import channel_id, channel_label, channel_recipient
from leumund.cli import main
from leumund.errors import ConfigError
from leumund.jobs.alerts import send_due
from leumund.jobs.health import check_sources
from leumund.jobs.pipeline import sync_config
from leumund.loading import load_config
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import session_scope
from storage.models import CrawlStatus
from storage.registry import get_source
from tests.channel_support import (
    FORM,
    HOOK,
    TOKEN,
    form_url,
    json_body,
    json_url,
    make_parts,
    posted,
    write_config,
)
from tests.conftest import REPO
from tests.httpserver import LocalServer, Reply
from tests.smtp_server import closed_port
from tests.test_alerts_decide import BUSINESS, NOW, outbox


def _problems(path: Path, environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ)
    return [line.split(": ", 1)[1] for line in caught.value.problems]


def test_a_missing_variable_is_named_with_its_key_path(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        ["json://127.0.0.1:9/hook", "tgram://${TG_TOKEN}/12345"],
        service={"channels": ["ntfy://ntfy.sh/${TOPIC}"]},
    )
    assert _problems(path, {}) == [
        "businesses[0].channels[1]: environment variable TG_TOKEN is not set;"
        " export it before starting Leumund",
        "service.channels[0]: environment variable TOPIC is not set;"
        " export it before starting Leumund",
    ]
    assert load_config(path, {"TG_TOKEN": "1:x", "TOPIC": "t"}).businesses[0].channels


def test_an_unknown_scheme_or_a_bare_dollar_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, ["telegram-bot://x/1", "json://h/$TOKEN", "not a url"])
    problems = _problems(path, {})
    assert problems[0].startswith("businesses[0].channels[0]: Apprise does not know the scheme")
    assert problems[1].startswith("businesses[0].channels[1]: write a secret as ${VARIABLE}")
    assert problems[2].startswith("businesses[0].channels[2]: expected an Apprise URL")


def test_a_url_apprise_cannot_read_is_named_without_its_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="apprise")
    path = write_config(tmp_path, ["tgram://${TG_TOKEN}/12345", "ntfy://ntfy.sh/${TOPIC}"])
    assert _problems(path, {"TG_TOKEN": "no-token-here", "TOPIC": "t"}) == [
        "businesses[0].channels[0]: Apprise cannot read this tgram://… URL; check it (and the"
        " variables in it) against https://github.com/caronc/apprise/wiki"
    ]
    assert "Unparseable Telegram URL" in caplog.text and "no-token-here" not in caplog.text


def test_labels_and_ids_never_carry_the_secret() -> None:
    assert channel_label("tgram://${TELEGRAM_TOKEN}/123456789") == "tgram://…"
    assert channel_label("tgram://123456:AAHsecret/123456789") == "tgram://…"
    assert channel_label("json://user:${PASS}@127.0.0.1:8080/h") == "json://127.0.0.1:8080"
    assert channel_label("ntfy://ntfy.example.de/${TOPIC}") == "ntfy://ntfy.example.de"
    assert channel_label("slack://TokenA/TokenB/TokenC") == "slack://…"
    template = "tgram://${TELEGRAM_TOKEN}/1"
    assert channel_id(template) == channel_id(template) and len(channel_id(template)) == 12
    assert channel_recipient(template) == f"channel:{channel_id(template)}"


def _fail_crawls(engine: Engine, times: int) -> None:
    with session_scope(engine) as session:
        source = get_source(session, BUSINESS, "tp")
        assert source is not None
        for _ in range(times):
            run = start_run(session, source)
            outcome = CrawlOutcome(CrawlStatus.FAILED, 1, 0, 0, 0, 1, "HTTP 503")
            finish_run(session, source, run, outcome)


def test_a_broken_source_is_told_to_the_operators_channels_not_the_owners(
    any_engine: Engine, tmp_path: Path
) -> None:
    with LocalServer() as server:
        server.script(HOOK, Reply(body="ok"))
        server.script(FORM, Reply(body="ok"))
        parts = make_parts(
            tmp_path, any_engine, [form_url(server)],
            service={"operator_emails": ["it@example.test"], "channels": [json_url(server)],
                     "failure_threshold": 2},
            business={"sources": [{"name": "tp", "type": "trustpilot", "url": "http://x"}]},
        )  # fmt: skip
        sync_config(any_engine, parts.config)
        _fail_crawls(any_engine, 2)
        assert check_sources(any_engine, parts.config, NOW) == 2  # the email and the channel
        send_due(parts, NOW)
        assert posted(server, FORM) == []  # the owner's channel hears nothing of it
        [hit] = posted(server, HOOK)
    message = json_body(hit)["message"]
    assert message.startswith("Leumund: Quelle „tp“ von Bäckerei Beispiel funktioniert nicht\n")
    assert "Letzter Fehler: HTTP 503" in message
    assert {r.status for r in outbox(any_engine)} == {"sent"}


def test_test_channel_says_per_channel_what_happened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    down = f"json://127.0.0.1:{closed_port()}/down/${{HOOK_TOKEN}}"
    with LocalServer() as server:
        server.script(HOOK, Reply(body="ok"))
        path = write_config(
            tmp_path, [json_url(server), down], business={"language": "en"},
            service={"channels": [json_url(server)]},
        )  # fmt: skip
        monkey = pytest.MonkeyPatch()
        monkey.setenv("HOOK_TOKEN", TOKEN)
        try:
            status = main(["test-channel", "--business", BUSINESS, "--config", str(path)])
        finally:
            monkey.undo()
        [hit] = posted(server, HOOK)
    out, err = capsys.readouterr()
    port = server.httpd.server_address[1]
    assert status == 1
    assert out == f"{BUSINESS}: json://127.0.0.1:{port}: ok\n"
    last = err.splitlines()[-1]
    assert last.startswith(f"{BUSINESS}: json://127.0.0.1:") and last.endswith(": failed")
    assert "Connection error" in last
    assert json_body(hit)["message"].startswith("Leumund: test message\nThis test message")
    assert len(hit.headers["idempotency-key"]) == 32
    assert TOKEN not in out + err + caplog.text


def test_test_channel_without_channels_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, [])
    assert main(["test-channel", "--config", str(path)]) == 2
    assert "no channels configured" in capsys.readouterr().err


def test_the_example_config_documents_channels() -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    example = yaml.safe_load(text)
    assert example["service"]["channels"] == []
    assert example["businesses"][0]["channels"] == []
    assert "${TELEGRAM_TOKEN}" in text
