"""`leumund demo`, the README's first command: offline, end to end, in a fresh folder."""

from __future__ import annotations

import email
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.report.data import compute_report
from alerts.report.weeks import last_complete_week
from crawler.demo.site import BUSINESS, TIMEZONE, bundled_reviews
from leumund import cli
from storage.db import session_scope
from storage.models import Business
from storage.reviews import upsert_reviews
from tests.factories import make_business_and_source, make_review_data


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
    assert "topics this week" in out and "    Qualität " in out  # the bundled model finds them
    assert str(target / "mail") in out and str(target / "report.html") in out
    subjects = _subjects(target / "mail")
    assert len(subjects) == 3  # backlog summary, weekly report, the one new alert
    assert sum("1-Sterne" in s for s in subjects) == 1
    assert sum("Wochenbericht" in s for s in subjects) == 1
    report = (target / "report.html").read_text(encoding="utf-8")
    assert "Bäckerei Beispiel" in report and "<img" in report
    assert "Neue Bewertungen nach Plattform" in report
    assert "Brötchen am Nachmittag altbacken" in report  # the week's critical review
    assert "Keine kritischen Bewertungen" not in report
    # its competitor's page was crawled (8 reviews, no alert) and is compared in the report
    assert "2 page(s), 8 new review(s)" in out
    rivals = report.split(">Mitbewerber</h2>", 1)[1]
    assert "Bäckerei Beispiel (Sie)" in rivals and "Backstube am Markt" in rivals
    compared = out.split("compared with competitors", 1)[1]
    assert "Bäckerei Beispiel (Sie)" in compared and "Backstube am Markt" in compared
    assert "Themen" in report and "„Schade, morgens ist die Qualität deutlich besser.“" in report
    assert (target / "leumund-demo.db").is_file() and (target / "config.yaml").is_file()


def test_demo_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 21, 30, tzinfo=UTC),  # Sunday night, already Monday in Berlin
        datetime(2028, 7, 5, 12, 0, tzinfo=UTC),
    ],
)
def test_demo_reviews_fill_the_report_on_any_date(engine: Engine, now: datetime) -> None:
    """The demo's dates move with the calendar: last week always has a full report."""
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, BUSINESS)
        items = [
            make_review_data(
                platform_id=r.id, author=r.author, rating=float(r.rating), title=r.title,
                text=r.text, published_at=datetime.fromisoformat(r.published), reply=r.reply,
            )
            for r in bundled_reviews(now)
        ]  # fmt: skip
        upsert_reviews(session, source, items)
        business = session.get(Business, source.business_id)
        assert business is not None
    assert max(item.published_at for item in items if item.published_at) < now
    with Session(engine) as session:
        report = compute_report(session, business, last_complete_week(now, TIMEZONE), as_of=now)
    assert report.this_week.count == 3 and report.platforms
    assert [line.rating for line in report.negative] == [2.0]
    assert sum(1 for p in report.trend if p.stats.count) >= 8
    assert report.unanswered_total >= 1
