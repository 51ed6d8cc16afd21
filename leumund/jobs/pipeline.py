"""The whole pipeline run once, and the config mirror and report slots it needs.

Each step lives in its own module of `leumund.jobs`. `run_pipeline_once` isolates every
step: one that fails is logged and recorded, the others still run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from alerts.report.weeks import IsoWeek
from alerts.settings import Weekday
from leumund.config import BusinessConfig, Config
from leumund.jobs.alerts import decide_alerts, make_mailer, send_due
from leumund.jobs.classify import classify_pending, load_configured_classifier, topic_setup
from leumund.jobs.crawl import business_spec, crawl_source
from leumund.jobs.health import check_sources
from leumund.jobs.report import enqueue_weekly_reports, watched_before
from storage.db import session_scope
from storage.registry import sync_businesses

log = logging.getLogger(__name__)
T = TypeVar("T")
_WEEKDAYS: tuple[str, ...] = get_args(Weekday)


@dataclass
class PipelineResult:
    """Which steps ran and which failed (with a one-line reason)."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def run_step(result: PipelineResult, name: str, func: Callable[[], T]) -> T | None:
    """Run one step; an exception is logged and recorded, never passed on."""
    try:
        value = func()
    except Exception as exc:
        log.exception("step %r failed", name)
        result.failed[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        return None
    result.done.append(name)
    return value


def sync_config(engine: Engine, config: Config) -> None:
    """Mirror the configured businesses and sources into the database."""
    with session_scope(engine) as session:
        sync_businesses(session, [business_spec(b) for b in config.businesses])


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


def enqueue_due_reports(
    engine: Engine, config: Config, now: datetime, business_name: str | None = None
) -> int:
    added = 0
    for business in config.businesses:
        if business_name is not None and business.name != business_name:
            continue
        week = report_week_due(business, now)
        if week is None:
            continue
        if not watched_before(engine, business, IsoWeek.parse(week)):
            log.info(
                "weekly report %s for %r not sent: no source was read before that week ended",
                week, business.name,
            )  # fmt: skip
            continue
        added += enqueue_weekly_reports(engine, config, now, business.name, week)
    return added


def _crawl_steps(
    engine: Engine, config: Config, result: PipelineResult, stop: threading.Event
) -> None:
    for business in config.businesses:
        for source in business.sources:
            if source.enabled and not stop.is_set():
                run_step(
                    result,
                    f"crawl {business.name} / {source.name}",
                    partial(crawl_source, engine, config, business, source),
                )


def run_pipeline_once(
    engine: Engine, config: Config, now: datetime, *, stop: threading.Event | None = None
) -> PipelineResult:
    """Crawl every enabled source → classify → decide → reports → health → send.

    Sending comes last so the reports and operator emails of this run go out with the
    alerts. When `stop` is set, the remaining steps are skipped.
    """
    stop = stop or threading.Event()
    result = PipelineResult()
    run_step(result, "sync config", lambda: sync_config(engine, config))
    _crawl_steps(engine, config, result, stop)
    if not stop.is_set():
        classifier = run_step(result, "load model", lambda: load_configured_classifier(config))
        if classifier is not None:
            batch, topics = config.sentiment.batch_size, topic_setup(config)
            run_step(
                result, "classify", lambda: classify_pending(engine, classifier, batch, topics)
            )
    steps: list[tuple[str, Callable[[], object]]] = [
        ("decide alerts", lambda: decide_alerts(engine, config, now)),
        ("weekly reports", lambda: enqueue_due_reports(engine, config, now)),
        ("health check", lambda: check_sources(engine, config, now)),
        ("send", lambda: send_due(engine, config, make_mailer(config), now)),
    ]
    for name, func in steps:
        if not stop.is_set():
            run_step(result, name, func)
    return result
