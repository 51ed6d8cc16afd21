"""Log lines an operator reads days later: full date and UTC offset; JSON for collectors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes


def _log_line(tmp_path: Path, fmt: str = "text") -> str:
    """One line logged by a fresh process in Berlin time, set up as the CLI does."""
    code = (
        "import logging; from leumund.logs import configure_logging;"
        f" configure_logging(False, {fmt!r}); logging.getLogger('leumund.test').warning('Prüfung')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
        env={"TZ": "Europe/Berlin", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return proc.stderr.strip()


def test_text_log_line_has_date_and_utc_offset(tmp_path: Path) -> None:
    line = _log_line(tmp_path)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]0[12]00 WARNING leumund\.test: Prüfung", line
    ), line


def test_json_log_line_has_utc_time(tmp_path: Path) -> None:
    entry = json.loads(_log_line(tmp_path, "json"))
    assert entry["level"] == "warning" and entry["message"] == "Prüfung"
    assert entry["time"].endswith("+00:00")
