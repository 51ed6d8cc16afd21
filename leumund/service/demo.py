"""`leumund demo`: the whole pipeline on built-in demo pages, offline, in one folder.

It serves the demo business's pages on 127.0.0.1, writes a config using SQLite and the file
mail backend, runs crawl → classify → alerts → weekly report, then adds one negative review
to the site and runs again to show that exactly one new alert goes out.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from alerts.i18n import wording
from alerts.report.topics import topic_rows
from alerts.report.versus import versus_view
from alerts.report.weeks import IsoWeek, last_complete_week
from crawler.demo import DemoSite, serve_directory
from crawler.demo.site import BUSINESS, TIMEZONE, bundled_reviews
from leumund.errors import OperatorError
from leumund.jobs.pipeline import PipelineResult, Plan, run_pipeline, sync_config
from leumund.jobs.report import load_report, write_report_html
from leumund.loading import load_config
from leumund.parts import Parts, open_parts
from leumund.service.scheduler import enabled_sources
from leumund.web.server import WebServer, web_context
from storage import figures, web_auth
from storage.db import display_url, init_schema, session_scope
from storage.models import NotificationKind
from storage.outbox import count_notifications

DEFAULT_DIR = "leumund-demo"
MARKER = ".leumund-demo"
OWNER = "inhaber@baeckerei-beispiel.de"
OPERATOR = "it@baeckerei-beispiel.de"
Out = Callable[[str], object]


def prepare_directory(directory: Path) -> None:
    """A fresh folder; a previous demo's folder (marked) is cleared, anything else refused."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise OperatorError(f"{directory} exists and is not empty; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by `leumund demo`; safe to delete\n", encoding="utf-8")


COMPETITOR = "Backstube am Markt"
COMPETITOR_DIR = "mitbewerber"


def competitor_site(site: DemoSite) -> DemoSite:
    """The demo competitor's own review page, served beside the bakery's."""
    return DemoSite(site.directory / COMPETITOR_DIR, bundled_reviews(name="competitor.json"))


def demo_config(site_url: str, competitor_url: str | None = None) -> dict[str, object]:
    return {
        "service": {"operator_emails": [OPERATOR]},
        "storage": {"url": "sqlite:///leumund-demo.db"},
        "crawler": {"download_delay": 0.2, "autothrottle": False, "crawl_timeout": 60},
        "sentiment": {"model": "bundled"},
        "mail": {"backend": "file", "directory": "mail", "sender": "Leumund <leumund@localhost>"},
        "businesses": [
            {
                "name": BUSINESS,
                "language": "de",
                "owner_emails": [OWNER],
                "alerts": {"star_threshold": 2, "keywords": ["Hygiene", "Schimmel"]},
                "sources": [
                    {"name": "trustpilot", "type": "trustpilot", "url": site_url, "schedule": "6h"}
                ],
                "competitors": [
                    {"name": COMPETITOR, "sources": [
                        {"name": "website", "type": "schema_org", "url": competitor_url,
                         "schedule": "1d", "next_page": "a.next"},
                    ]},
                ] if competitor_url else [],
            }
        ],
    }  # fmt: skip


def write_config(directory: Path, site_url: str, competitor_url: str | None = None) -> Path:
    path = directory / "config.yaml"
    header = "# Written by `leumund demo`. Try: leumund status --config config.yaml\n"
    data = demo_config(site_url, competitor_url)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(header + body, encoding="utf-8")
    return path


@dataclass
class Demo:
    directory: Path
    parts: Parts
    out: Out

    def mail_files(self) -> set[Path]:
        return set(self.parts.config.mail_directory().glob("*.eml"))

    def run(
        self, reports: tuple[tuple[str, str], ...] = (), running_week: bool = False
    ) -> PipelineResult:
        """The pipeline every other run uses, over every enabled source, told as it goes."""
        config = self.parts.config
        before = self.mail_files()
        crawls = tuple(enabled_sources(config))
        plan = Plan(crawls=crawls, reports=reports, running_week=running_week, unwatched_weeks=True)
        result = run_pipeline(self.parts, plan)
        for run in result.crawls:
            self.out(
                f"  crawl: {run.status}, {run.pages} page(s), {run.reviews_new} new review(s)"
                + (f" — {run.error}" if run.error else "")
            )
        if result.model is None:
            self.out("  sentiment: model not available; star-based alerts still work")
        else:
            self.out(f"  sentiment: {result.classified} review(s) classified with {result.model}")
        self.out(f"  alerts: {result.decided} notification(s) decided")
        for path in sorted(self.mail_files() - before):
            self.out(f"  mail: {path.relative_to(self.directory)}  {_subject(path)}")
        for name, reason in result.failed.items():
            self.out(f"  step {name!r} failed: {reason}")
        return result


def _subject(path: Path) -> str:
    with path.open("rb") as handle:
        message = BytesParser(policy=default).parse(handle, headersonly=True)
    subject = message["Subject"]
    return f"— {subject}" if subject else ""


def count_alerts(engine: Engine) -> int:
    with session_scope(engine) as session:
        return count_notifications(session, kind=NotificationKind.ALERT.value)


def count_reviews(engine: Engine) -> int:
    with session_scope(engine) as session:
        return figures.count_reviews(session)


def first_round(demo: Demo) -> None:
    parts = demo.parts
    week_id = last_complete_week(parts.clock(), TIMEZONE).label  # the week a Monday report covers
    demo.out("\n1) First run: crawl → classify → alerts → weekly report")
    demo.run(reports=((BUSINESS, week_id),))
    report = write_report_html(
        parts.engine, parts.config, BUSINESS, week_id, demo.directory / "report.html"
    )
    demo.out(f"  weekly report ({week_id}) as HTML: {report}")
    for line in [*topic_lines(parts, week_id), *competitor_lines(parts, week_id)]:
        demo.out(line)
    database = display_url(parts.config.database_url())
    demo.out(f"  {count_reviews(parts.engine)} reviews stored in {database}")


def topic_lines(parts: Parts, week_id: str) -> list[str]:
    """The report's topic table, as the demo prints it (the report mail shows the same)."""
    business = parts.config.business(BUSINESS)
    report = load_report(parts.engine, business, IsoWeek.parse(week_id), parts.clock())
    if report is None or not report.topics:
        return ["  topics: none found this week"]
    lines = ["  topics this week (mentions, weekly average of the 4 weeks before, negative):"]
    for row in topic_rows(report.topics, wording("de", business.timezone)):
        marker = "  ← biggest change" if row.biggest else ""
        lines.append(
            f"    {row.name:<15} {row.mentions:>3}  Ø {row.previous:<4} {row.negative:>6}{marker}"
        )
    return lines


def competitor_lines(parts: Parts, week_id: str) -> list[str]:
    """The report's competitor comparison, one line per business (the report shows a table)."""
    business = parts.config.business(BUSINESS)
    report = load_report(parts.engine, business, IsoWeek.parse(week_id), parts.clock())
    if report is None or report.competitors is None:
        return ["  competitors: none configured"]
    view = versus_view(wording("de", business.timezone), report.competitors)
    lines = ["  compared with competitors (last 4 weeks: Ø stars, trend, reviews/week, answered):"]
    for row in view.rows:
        lines.append(
            f"    {row.name:<28} {row.average:>4} ★ {row.trend:>6} {row.per_week:>6}/week"
            f" {row.replies:>6}"
        )
    return lines


def second_round(demo: Demo, site: DemoSite) -> int:
    demo.out("\n2) A new negative review appears on the demo site …")
    site.add_review(
        author="Jürgen M.",
        rating=1,
        title="Schimmel im Brot",
        text="Das Roggenbrot von heute Morgen hatte innen Schimmel. Sehr enttäuschend, "
        "die Verkäuferin wollte es nicht einmal umtauschen.",
    )
    alerts_before = count_alerts(demo.parts.engine)
    demo.run()
    new_alerts = count_alerts(demo.parts.engine) - alerts_before
    demo.out(
        f"  → exactly {new_alerts} new alert" if new_alerts == 1 else f"  → {new_alerts} new alerts"
    )
    return new_alerts


def serve_dashboard(parts: Parts, port: int, out: Out, stop: threading.Event) -> None:
    """Keep the demo's dashboard running until `stop`, with a sign-in link printed."""
    server = WebServer(web_context(parts), "127.0.0.1", port).start()
    if not server.wait_started(stop):
        raise OperatorError(f"demo --serve: port {port} could not be opened")
    base = f"http://127.0.0.1:{server.port}"
    with session_scope(parts.engine) as session:
        links = {
            who: web_auth.new_token(session, purpose="signin", email=who, now=parts.clock(),
                                    lifetime=timedelta(minutes=15))
            for who in (OWNER, OPERATOR)
        }  # fmt: skip
    out(f"\nDashboard: {base}  (Ctrl-C ends the demo)")
    out(f"  sign in as the owner (15 minutes, once): {base}/login/{links[OWNER]}")
    out(f"  sign in as the operator:                 {base}/login/{links[OPERATOR]}")
    try:
        stop.wait()
    finally:
        server.stop()


def run_demo(
    directory: Path, out: Out, serve: int | None = None, stop: threading.Event | None = None
) -> int:
    directory = directory.resolve()
    prepare_directory(directory)
    site = DemoSite(directory / "site")
    rival = competitor_site(site)
    server = serve_directory(site.directory)
    try:
        rival_url = rival.schema_org_url(f"{server.base_url}/{COMPETITOR_DIR}")
        path = write_config(directory, site.trustpilot_url(server.base_url), rival_url)
        config = load_config(path, os.environ)
        out(f"Leumund demo in {directory}")
        out(f"Demo pages of “{BUSINESS}” served at {site.trustpilot_url(server.base_url)}")
        out(f"  and of its competitor “{COMPETITOR}” at {rival_url}")
        with open_parts(config) as parts:
            init_schema(parts.engine)
            sync_config(parts.engine, config)
            demo = Demo(directory, parts, out)
            first_round(demo)
            new_alerts = second_round(demo, site)
            if serve is not None:
                serve_dashboard(parts, serve, out, stop or threading.Event())
    finally:
        server.stop()
    out(f"\nEmails (.eml, open with any mail program): {config.mail_directory()}")
    out(f"Weekly report: {directory / 'report.html'}")
    out(f"Config used: {path}  (next: leumund status --config {path})")
    return 0 if new_alerts == 1 else 1
