"""The report job and `leumund report`: outbox rows once per week and recipient, the file."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, message_from_string, policy
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.report.weeks import IsoWeek
from leumund.cli import main
from leumund.errors import OperatorError
from leumund.jobs.report import enqueue_weekly_reports, report_week
from leumund.loading import load_config
from storage.db import session_scope
from storage.models import Notification
from tests.test_report_data import add_business, seed_many

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

CONFIG = """
storage: {url: "sqlite:///test.db"}
mail: {backend: file, directory: mail, sender: "Leumund <leumund@baeckerei.example>"}
businesses:
  - name: Bäckerei Beispiel
    owner_emails: [inhaber@baeckerei.example]
    report: {recipients: [chefin@baeckerei.example, filiale@baeckerei.example]}
    sources: [{name: trustpilot, type: trustpilot, url: "https://tp.example/b"}]
  - name: Praxis Still
    language: en
    owner_emails: [praxis@example.org]
    report: {enabled: false}
"""


@pytest.fixture
def config_path(tmp_path: Path, engine: Engine) -> Path:
    """A config whose SQLite file is the `engine` fixture's database, with data in it."""
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    seed_many(engine, count=300)
    with session_scope(engine) as s:
        add_business(s, "Praxis Still", {"google": "google_places"}, language="en")
    return path


def reports(engine: Engine) -> list[Notification]:
    with Session(engine) as s:
        return list(s.exec(select(Notification).order_by(col(Notification.id))))


def test_enqueue_once_per_week_and_recipient(engine: Engine, config_path: Path) -> None:
    config = load_config(config_path, {})
    assert enqueue_weekly_reports(engine, config, NOW) == 2
    assert enqueue_weekly_reports(engine, config, NOW, week="2026-W47") == 0
    rows = reports(engine)
    assert [(r.kind, r.dedup_key, r.recipient) for r in rows] == [
        ("report", "report:1:2026-W47:chefin@baeckerei.example", "chefin@baeckerei.example"),
        ("report", "report:1:2026-W47:filiale@baeckerei.example", "filiale@baeckerei.example"),
    ]
    assert rows[0].message is not None
    msg = message_from_string(rows[0].message, policy=policy.default)
    assert msg["To"] == "chefin@baeckerei.example"
    types = [p.get_content_type() for p in msg.walk()]
    assert types == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    assert enqueue_weekly_reports(engine, config, NOW, week="2026-W46") == 2


def test_named_business_is_reported_even_when_disabled(engine: Engine, config_path: Path) -> None:
    config = load_config(config_path, {})
    assert enqueue_weekly_reports(engine, config, NOW, "Praxis Still", "2026-W47") == 1
    (row,) = reports(engine)
    assert row.message is not None
    msg = message_from_string(row.message, policy=policy.default)
    assert msg["Subject"] == "Weekly report week 47, 2026 – Praxis Still"
    body = msg.get_body(("plain",))
    assert body is not None and "No new reviews came in this week." in body.get_content()


def test_cli_out_writes_a_standalone_html_file(tmp_path: Path, config_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    args = ["report", "-c", str(config_path), "--business", "Bäckerei Beispiel"]
    assert main([*args, "--week", "2026-W47", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert 'src="data:image/png;base64,' in html and "cid:" not in html
    assert "KW 47/2026: 16.11.2026 bis 22.11.2026" in html


def test_cli_sends_the_report_once(
    tmp_path: Path, config_path: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "-c", str(config_path), "--week", "2026-W47"]
    assert main(args) == 0
    assert main(args) == 0
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    sent = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {m["To"] for m in sent} == {"chefin@baeckerei.example", "filiale@baeckerei.example"}
    assert all(m["Subject"] == "Wochenbericht KW 47/2026 – Bäckerei Beispiel" for m in sent)
    assert {r.status for r in reports(engine)} == {"sent"}
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("report: 2 new message(s) queued")
    assert out[1].startswith("report: 0 new message(s) queued")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (["--week", "2026-47"], "leumund: --week: expected an ISO week like '2026-W47'"),
        (["--business", "Nirgendwo"], "leumund: no business named 'Nirgendwo'"),
        (["--out", "x.html"], "leumund: --out writes one business's report"),
    ],
)
def test_cli_mistakes_are_one_line(
    config_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], error: str
) -> None:
    if extra[0] == "--out":  # two businesses with reports: --out cannot choose
        config_path.write_text(CONFIG.replace("report: {enabled: false}", ""), "utf-8")
    assert main(["report", "-c", str(config_path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(error) and "\n" not in err


def test_week_as_kw_or_iso_and_never_one_not_over(config_path: Path) -> None:
    business = load_config(config_path, {}).businesses[0]
    friday = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # in 2026-W49
    assert report_week(business, friday, "KW48") == IsoWeek(2026, 48)
    assert report_week(business, friday, "kw 48") == report_week(business, friday, "2026-W48")
    assert report_week(business, friday, "KW50") == IsoWeek(2025, 50)  # the latest week 50
    assert report_week(business, friday, "KW49", complete=False) == IsoWeek(2026, 49)
    assert report_week(business, friday, None) == IsoWeek(2026, 48)
    refused = {
        "KW49": "--week KW49: 2026-W49 is not over yet (it ends on Sunday 2026-12-06);"
        " the last complete week is 2026-W48",
        "2026-W50": "--week 2026-W50: 2026-W50 has not begun yet; the last complete week is"
        " 2026-W48",
        "KW53": "--week KW53: no week 53 in 2025 or 2026",
        "49": "--week: expected an ISO week like '2026-W47', got '49' or 'KW47'",
    }
    for text, message in refused.items():
        with pytest.raises(OperatorError) as info:
            report_week(business, friday, text)
        assert str(info.value) == message


def test_cli_refuses_a_future_week(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "-c", str(config_path), "--week", "2999-W01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("leumund: --week 2999-W01: 2999-W01 has not begun yet;")


def test_cli_resend_sends_a_sent_report_again(
    tmp_path: Path, config_path: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "-c", str(config_path), "--week", "2026-W47"]
    assert main(args) == 0
    assert main(args) == 0
    assert main([*args, "--resend"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].endswith("(a week's report goes out once; --resend sends it again)")
    assert out[2].startswith("report: 2 new message(s) queued; outbox: 2 emails sent")
    files = sorted((tmp_path / "mail").glob("*.eml"))
    sent = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert len(sent) == 4 and len({m["Message-ID"] for m in sent}) == 4
    assert sorted(m["To"] for m in sent) == sorted(2 * ["chefin@baeckerei.example",
                                                        "filiale@baeckerei.example"])  # fmt: skip
    keys = [r.dedup_key for r in reports(engine)]
    assert keys[:2] == [
        "report:1:2026-W47:chefin@baeckerei.example",
        "report:1:2026-W47:filiale@baeckerei.example",
    ]
    assert all(
        k.startswith(f"{first}:resend:") for k, first in zip(keys[2:], keys[:2], strict=True)
    )
