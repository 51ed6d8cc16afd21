"""`leumund demo`, the README's first command: offline, end to end, in a fresh folder."""

from __future__ import annotations

import email
import subprocess
import sys
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from leumund import cli


def _subjects(mail_dir: Path) -> list[str]:
    subjects = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        subjects.append(str(message["Subject"]))
    return subjects


@pytest.mark.slow
def test_demo_runs_end_to_end_in_a_fresh_folder(tmp_path: Path) -> None:
    target = tmp_path / "leumund-demo"
    done = subprocess.run(
        [sys.executable, "-m", "leumund", "demo", "--dir", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "12 new review(s)" in out and "1 new review(s)" in out
    assert "exactly 1 new alert" in out
    assert str(target / "mail") in out and str(target / "report.html") in out
    subjects = _subjects(target / "mail")
    assert len(subjects) == 3  # backlog summary, weekly report, the one new alert
    assert sum("1-Sterne" in s for s in subjects) == 1
    assert sum("Wochenbericht" in s for s in subjects) == 1
    report = (target / "report.html").read_text(encoding="utf-8")
    assert "Bäckerei Beispiel" in report and "<img" in report
    assert (target / "leumund-demo.db").is_file() and (target / "config.yaml").is_file()


def test_demo_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
