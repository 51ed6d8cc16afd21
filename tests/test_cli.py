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
