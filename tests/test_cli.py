from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leumund.cli import build_parser, main


def test_help_lists_every_command_with_one_line_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert "check-config" in helps
    for name, text in helps.items():
        assert text and "\n" not in text, f"{name} has no one-line help"


@pytest.mark.slow
def test_operator_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("businesses: [{name: A}]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "leumund", "check-config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{bad}: businesses[0].owner_emails: required key is missing"
    assert "Traceback" not in proc.stderr


def test_unknown_command_exits_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def _run(tmp_path: Path, url: str, *command: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage: {{url: '{url}'}}\n"
        "businesses: [{name: A, owner_emails: [a@example.de], sources: []}]\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "leumund", *command, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("command", [("crawl",), ("alerts", "send")])
@pytest.mark.slow
def test_unreachable_database_is_one_line_without_password(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    proc = _run(tmp_path, "postgresql+psycopg://leumund:secretpw@127.0.0.1:1/leumund", *command)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "secretpw" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        "leumund: database postgresql+psycopg://leumund:***@127.0.0.1:1/leumund unavailable: "
    )


@pytest.mark.slow
def test_sqlite_file_in_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    proc = _run(tmp_path, f"sqlite:///{tmp_path}/missing/leumund.db", "alerts", "send")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"leumund: database sqlite:///{tmp_path}/missing/leumund.db unavailable:"
        " unable to open database file"
    )


@pytest.mark.slow
def test_unsupported_database_url_is_refused_by_check_config(tmp_path: Path) -> None:
    proc = _run(tmp_path, "foo://bar", "crawl")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().endswith(
        "storage.url: expected 'sqlite:///path/to/leumund.db' or"
        " 'postgresql+psycopg://user@host:5432/dbname', got a URL of type 'foo'"
    )
