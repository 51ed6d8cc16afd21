"""What the report says about its sources: names, reply visibility, sources that deliver nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.payloads import ReportPayload, read_payload
from alerts.render import Envelope, Renderer
from alerts.report.data import compute_report
from alerts.report.model import WeeklyReport
from alerts.report.weeks import IsoWeek
from alerts.settings import AlertRules
from leumund.jobs.pipeline import enqueue_due_reports, sync_config
from leumund.loading import load_config
from leumund.parts import build_parts
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Notification, Source
from storage.registry import get_source
from tests.test_report_data import WEEK, WEEK_END, Seeded, add_business, review
from tests.test_report_render import email_of

AS_OF = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday morning after WEEK
IN_WEEK = datetime(2026, 11, 18, 10, tzinfo=UTC)


def _report(engine: Engine, seeded: Seeded, as_of: datetime = AS_OF) -> WeeklyReport:
    with Session(engine) as session:
        return compute_report(session, seeded.business, WEEK, as_of=as_of)


def _practice(engine: Engine) -> Seeded:
    """A dental practice: Trustpilot (shows replies), Google Places (cannot), two websites."""
    with session_scope(engine) as s:
        business, sources = add_business(
            s,
            "Zahnarztpraxis Dr. Roth",
            {
                "tp": "trustpilot",
                "google": "google_places",
                "jameda": "schema_org",
                "home": "schema_org",
            },
        )
        sources["jameda"].label = "Jameda"
        sources["jameda"].sees_replies = True  # its last parse found reply markup
        sources["jameda"].url = "https://www.jameda.de/roth"
        sources["home"].url = "https://www.praxis-roth.de/bewertungen"
        s.add_all(sources.values())
        seeded = Seeded(business, sources)
        for n, name in enumerate(["tp", "google", "jameda", "home"]):
            s.add(review(seeded, name, n, rating=4.0, published_at=IN_WEEK + timedelta(hours=n)))
        s.add(review(seeded, "tp", 9, rating=5.0, published_at=IN_WEEK, reply_text="Danke!"))
    return seeded


def test_unanswered_only_from_sources_that_show_replies(any_engine: Engine) -> None:
    seeded = _practice(any_engine)
    report = _report(any_engine, seeded)
    assert {line.display_name for line in report.unanswered} == {"Trustpilot", "Jameda"}
    assert report.unanswered_total == 2
    assert report.replies.checked == 3
    assert report.replies.blind == (("google_places", "Google"), ("schema_org", "praxis-roth.de"))
    rendered, _ = email_of(report)
    note = (
        "Ob Sie auf Google und auf praxis-roth.de schon geantwortet haben, kann Leumund nicht"
        " sehen – bitte dort selbst nachsehen."
    )
    assert note in rendered.text
    assert "Alle Bewertungen" not in rendered.text


def test_sources_shown_by_label_platform_or_host(any_engine: Engine) -> None:
    seeded = _practice(any_engine)
    report = _report(any_engine, seeded)
    names = {p.source_name: p.display_name for p in report.platforms}
    assert names == {
        "tp": "Trustpilot",
        "google": "Google",
        "jameda": "Jameda",
        "home": "praxis-roth.de",
    }
    rendered, _ = email_of(report)
    for shown in ("Trustpilot: 2", "Google: 1", "Jameda: 1", "praxis-roth.de: 1"):
        assert f"  {shown}" in rendered.text
    assert "Website" not in rendered.text and "(home)" not in rendered.text


def test_two_sources_with_one_name_are_told_apart(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        business, sources = add_business(
            s, "Café Doppelt", {"nord": "schema_org", "süd": "schema_org"}
        )
        seeded = Seeded(business, sources)
    report = _report(any_engine, seeded)
    assert sorted(p.display_name for p in report.platforms) == ["Website (nord)", "Website (süd)"]


def _fail(engine: Engine, seeded: Seeded, name: str, since: datetime, *, ever_ok: bool) -> None:
    with session_scope(engine) as s:
        source = s.get(Source, seeded.sources[name].id)
        assert source is not None
        source.failing_since = since
        source.consecutive_failures = 5
        source.last_error = "HTTP 403 von de.trustpilot.com"
        source.last_success_at = since - timedelta(hours=6) if ever_ok else None
        s.add(source)
        s.add(CrawlRun(source_id=source.id, started_at=since, status="failed", error="HTTP 403"))


def test_broken_source_heads_the_report(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        business, sources = add_business(
            s, "Bäckerei Kaputt", {"tp": "trustpilot", "shop": "trustedshops"}
        )
        seeded = Seeded(business, sources)
        s.add(review(seeded, "shop", 1, rating=5.0, published_at=IN_WEEK))
    _fail(any_engine, seeded, "tp", datetime(2026, 11, 20, 5, tzinfo=UTC), ever_ok=True)
    report = _report(any_engine, seeded)
    rendered, _ = email_of(report)
    headline = "Trustpilot liefert seit 3 Tagen keine Daten."
    assert headline in rendered.text and headline in rendered.html
    assert rendered.text.index(headline) < rendered.text.index("1 neue Bewertung")
    assert rendered.html.index(headline) < rendered.html.index("1 neue Bewertung")
    assert "Letzter Fehler: HTTP 403 von de.trustpilot.com" in rendered.text
    assert "  Trusted Shops: 1" in rendered.text
    assert not report.nothing_read


@pytest.mark.parametrize(
    ("since", "phrase"),
    [
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "seit heute"),  # 00:30 in Berlin
        (datetime(2026, 11, 22, 22, 30, tzinfo=UTC), "seit gestern"),  # 23:30 in Berlin
    ],
)
def test_broken_since_counts_calendar_days(engine: Engine, since: datetime, phrase: str) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(s, "Kiosk", {"tp": "trustpilot"})
        seeded = Seeded(business, sources)
    _fail(engine, seeded, "tp", since, ever_ok=True)
    rendered, _ = email_of(_report(engine, seeded))
    assert f"Trustpilot liefert {phrase} keine Daten." in rendered.text


def test_only_source_never_worked(any_engine: Engine) -> None:
    """No thumbs-up, no "no new reviews": the report says nothing could be read."""
    with session_scope(any_engine) as s:
        business, sources = add_business(s, "Praxis Neu", {"tp": "trustpilot"})
        seeded = Seeded(business, sources)
    _fail(any_engine, seeded, "tp", datetime(2026, 11, 17, 9, tzinfo=UTC), ever_ok=False)
    report = _report(any_engine, seeded)
    assert report.nothing_read
    rendered, _ = email_of(report)
    for body in (rendered.text, rendered.html):
        assert "Trustpilot konnte noch nie gelesen werden (erster Versuch am 17.11.2026)." in body
        assert "Keine Ihrer Quellen liefert Daten" in body
        assert "Ob in dieser Woche neue Bewertungen eingegangen sind, ist deshalb nicht" in body
        assert "👍" not in body
        assert "keine neuen Bewertungen eingegangen" not in body
        assert "Durchschnittliche Bewertung" not in body  # nothing was ever read
        assert "Noch ohne Ihre Antwort" not in body


CONFIG = """
storage: {{url: "sqlite:///{db}"}}
mail: {{backend: file, directory: mail}}
businesses:
  - name: Praxis Neu
    owner_emails: [praxis@example.org]
    sources:
      - {{name: tp, type: trustpilot, url: "https://tp.example/praxis", label: "Trustpilot Praxis"}}
"""


def test_first_run_sends_no_report_for_a_week_before_leumund_watched(
    tmp_path: Path, engine: Engine
) -> None:
    db = engine.url.database
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(db=db), encoding="utf-8")
    config = load_config(path, {})
    sync_config(engine, config)
    business = config.businesses[0]
    # first run on Wednesday of the next week: the Monday report slot has passed
    first_run = WEEK_END + timedelta(days=2)
    with session_scope(engine) as s:
        source = get_source(s, business.name, "tp")
        assert source is not None and source.label == "Trustpilot Praxis"
        run = start_run(s, source)
        run.started_at = first_run
        finish_run(s, source, run, CrawlOutcome(CrawlStatus.FAILED, 0, 0, 0, 0, 1, "HTTP 403"))
    parts = build_parts(config, engine=engine)
    assert enqueue_due_reports(parts, first_run) == 0
    # one week later the source has been tried during the reported week: the report goes out
    assert enqueue_due_reports(parts, first_run + timedelta(days=7)) == 1
    with Session(engine) as s:
        [row] = s.exec(select(Notification)).all()
    payload = read_payload(row.payload)
    assert isinstance(payload, ReportPayload) and payload.report.week == IsoWeek(2026, 48)
    envelope = Envelope(row.recipient, row.dedup_key, first_run + timedelta(days=7), "inst")
    message = Renderer("Leumund <l@example.org>").render(payload, envelope)
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    text = body.get_content()
    assert (
        "Trustpilot Praxis konnte noch nie gelesen werden (erster Versuch am 25.11.2026)." in text
    )


def test_critical_list_says_why_beyond_the_stars(engine: Engine) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(s, "Praxis Warum", {"tp": "trustpilot"})
        seeded = Seeded(business, sources)
        s.add(review(seeded, "tp", 1, rating=3.0, text="Lange Wartezeit.", published_at=IN_WEEK))
    with Session(engine) as session:
        rules = AlertRules(keywords=["Wartezeit"])
        report = compute_report(session, seeded.business, WEEK, rules, AS_OF)
    rendered, _ = email_of(report)
    assert "(Stichwort „Wartezeit“ im Text)" in rendered.text
    assert "Stichwort „Wartezeit“ im Text</span>" in rendered.html
