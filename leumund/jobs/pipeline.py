"""The pipeline, defined once: crawl → health check → send what is due → classify → decide
alerts → weekly reports → send.

`run --once`, the service's scheduled jobs and the demo all run `run_pipeline` with a `Plan`
saying which sources to crawl and which reports to queue; the order never differs. Every
step is isolated: one that fails is logged and recorded, the others still run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from alerts.report.weeks import IsoWeek
from alerts.sending import SendSummary
from alerts.settings import Weekday
from leumund.config import BusinessConfig, Config, SourceConfig
from leumund.jobs.alerts import decide_alerts, send_due
from leumund.jobs.classify import classify_pending, round_size, topic_setup
from leumund.jobs.crawl import business_spec, crawl_source
from leumund.jobs.health import check_sources
from leumund.jobs.report import enqueue_weekly_reports, watched_before
from leumund.parts import Parts
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus
from storage.registry import sync_businesses

log = logging.getLogger(__name__)
T = TypeVar("T")
_WEEKDAYS: tuple[str, ...] = get_args(Weekday)

SourcePair = tuple[BusinessConfig, SourceConfig]


@dataclass(frozen=True)
class Plan:
    """What one pass of the pipeline covers; the order of the steps is always the same."""

    crawls: tuple[SourcePair, ...] = ()
    health: bool = False
    reports: tuple[tuple[str, str], ...] = ()
    """(business name, ISO week like '2026-W47') whose report is queued."""
    running_week: bool = False
    """The reports may cover the week still running (only the demo wants that)."""
    unwatched_weeks: bool = False
    """Report even a week that ended before any source was read (only the demo wants that:
    the schedule never sends a first report about a week Leumund did not watch)."""


@dataclass
class PipelineResult:
    """Which steps ran and which failed (with a one-line reason), and what they produced."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    crawls: list[CrawlRun] = field(default_factory=list)
    model: str | None = None
    classified: int | None = None
    decided: int | None = None
    sent: SendSummary | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def run_step(self, name: str, func: Callable[[], T]) -> T | None:
        """Run one step; an exception is logged and recorded, never passed on."""
        try:
            value = func()
        except Exception as exc:
            log.exception("step %r failed", name)
            self.failed[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            return None
        self.done.append(name)
        return value


class StepRunner(Protocol):
    """Runs one named step and returns its value, or None when it failed (never raises)."""

    def __call__(self, name: str, func: Callable[[], T], /) -> T | None: ...


def sync_config(engine: Engine, config: Config) -> None:
    """Mirror the configured businesses and sources into the database."""
    with session_scope(engine) as session:
        sync_businesses(session, [business_spec(b) for b in config.watched()])


def report_slot(business: BusinessConfig, now: datetime) -> datetime | None:
    """This week's report time if it has passed (local week of the business), else None."""
    if not business.report.enabled:
        return None
    local = now.astimezone(ZoneInfo(business.timezone))
    monday = local.date() - timedelta(days=local.weekday())
    slot_day = monday + timedelta(days=_WEEKDAYS.index(business.report.weekday))
    slot = datetime.combine(slot_day, business.report.time, tzinfo=local.tzinfo)
    return slot if slot <= local else None


def report_week_due(business: BusinessConfig, now: datetime) -> str | None:
    """The ISO week ('2026-W47') whose report is due by `now`, or None before this week's slot.

    The report sent on a week's slot covers the week before; enqueueing is idempotent per
    business, week and recipient, so asking again later in the week sends nothing new.
    """
    slot = report_slot(business, now)
    if slot is None:
        return None
    year, week, _ = (slot.date() - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def due_reports(
    config: Config, now: datetime, business_name: str | None = None
) -> tuple[tuple[str, str], ...]:
    """(business, week) of every report due by `now` (optionally of one business)."""
    due: list[tuple[str, str]] = []
    for business in config.businesses:
        if business_name in (None, business.name):
            week = report_week_due(business, now)
            if week is not None:
                due.append((business.name, week))
    return tuple(due)


def queue_report(
    parts: Parts,
    business: str,
    week: str,
    now: datetime,
    *,
    running_week: bool = False,
    unwatched_weeks: bool = False,
) -> int:
    """Enqueue a week's report, unless no source had been read before that week ended
    (the first run does not send last week's report for a business with no data)."""
    bconf = parts.config.business(business)
    if not unwatched_weeks and not watched_before(parts.engine, bconf, IsoWeek.parse(week)):
        log.info("weekly report %s for %r not sent: no source was read before that week"
                 " ended", week, business)  # fmt: skip
        return 0
    return enqueue_weekly_reports(
        parts.engine, parts.config, now, business, week, running_week=running_week
    )


def enqueue_due_reports(parts: Parts, now: datetime, business_name: str | None = None) -> int:
    """Every report due by `now` (optionally of one business), queued; how many rows."""
    return sum(
        queue_report(parts, business, week, now)
        for business, week in due_reports(parts.config, now, business_name)
    )


@dataclass
class _Pass:
    """One run of the pipeline: the parts, what to cover, how steps run, when to stop."""

    parts: Parts
    plan: Plan
    result: PipelineResult
    run: StepRunner
    stop: threading.Event

    def crawl(self, business: BusinessConfig, source: SourceConfig) -> None:
        parts, name = self.parts, f"crawl {business.name} / {source.name}"
        crawled = self.run(name, lambda: crawl_source(parts.engine, parts.config, business, source))
        if crawled is None:
            return
        self.result.crawls.append(crawled)
        if crawled.status != CrawlStatus.OK.value:  # what it could read is stored all the same
            self.result.failed[name] = f"{crawled.status}: {crawled.error or 'no reason given'}"

    def health(self) -> None:
        parts = self.parts
        self.run("health check", lambda: check_sources(parts.engine, parts.config, parts.clock()))

    def send(self) -> None:
        self.result.sent = self.run("send", lambda: send_due(self.parts, self.parts.clock()))

    def classify(self) -> None:
        classifier = self.run("load model", self.parts.classifier)
        if classifier is None:
            return
        self.result.model = classifier.name
        engine, batch = self.parts.engine, round_size(self.parts.config.sentiment.batch_size)
        topics = topic_setup(self.parts.config)
        done = self.run("classify", lambda: classify_pending(engine, classifier, batch, topics))
        self.result.classified = done

    def decide(self) -> None:
        parts = self.parts
        classified = self.result.classified is not None  # what is unclassified came after
        self.result.decided = self.run(
            "decide alerts", lambda: decide_alerts(parts, parts.clock(), classified)
        )

    def report(self, business: str, week: str) -> None:
        plan, parts = self.plan, self.parts
        self.run(
            f"weekly report {business}",
            lambda: queue_report(
                parts, business, week, parts.clock(),
                running_week=plan.running_week, unwatched_weeks=plan.unwatched_weeks,
            ),
        )  # fmt: skip

    def then(self, step: Callable[[], None]) -> None:
        """Run `step` unless a stop was asked for."""
        if not self.stop.is_set():
            step()


def run_pipeline(
    parts: Parts,
    plan: Plan,
    *,
    run: StepRunner | None = None,
    stop: threading.Event | None = None,
    lock: AbstractContextManager[object] | None = None,
) -> PipelineResult:
    """Crawl → health check → send → classify → decide alerts → weekly reports → send.

    Sending comes first so mail decided before (a restart, a digest now due) does not wait
    for the model, and last so this pass's alerts, reports and operator emails go out now.
    Crawls run outside `lock`, the rest inside it (the service serialises that part). When
    `stop` is set, the remaining steps are skipped.
    """
    result = PipelineResult()
    one = _Pass(parts, plan, result, run or result.run_step, stop or threading.Event())
    for business, source in plan.crawls:
        one.then(partial(one.crawl, business, source))
    with lock or nullcontext():
        if plan.health:
            one.then(one.health)
        one.then(one.send)
        one.then(one.classify)
        one.then(one.decide)
        for business_name, week in plan.reports:
            one.then(partial(one.report, business_name, week))
        one.then(one.send)
    return result
