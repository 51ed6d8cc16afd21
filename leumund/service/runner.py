"""The long-running service: scheduled jobs that survive faults, and a clean stop.

A job never takes the service down (`leumund.service.supervision` waits out a database that went
away and logs any other error; the job tries again at its next run). Classification, alert
decisions and sending are serialised by one lock, so two jobs never send the same outbox
row. SIGTERM or Ctrl-C: no new steps start, running crawl children are stopped, the
scheduler waits for running jobs, exit 0.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from leumund.config import Config
from leumund.jobs.pipeline import (
    PipelineResult,
    Plan,
    due_reports,
    report_slot,
    run_pipeline,
    sync_config,
)
from leumund.parts import Parts
from leumund.service.scheduler import (
    Runner,
    add_jobs,
    enabled_sources,
    overdue_sources,
    resume_intervals,
    schedule_catch_up,
    scheduler_options,
)
from leumund.service.supervision import (
    DB_RETRY_DELAYS,
    STOP_GRACE_SECONDS,
    children_stopped_after,
    is_db_unavailable,
    with_db_retry,
)
from leumund.web.server import WebServer, web_context
from storage.db import init_schema, session_scope
from storage.registry import first_crawl_times
from storage.registry import last_attempts as stored_last_attempts

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Service:
    """The scheduled jobs (the scheduler's `Runner`): each runs the one pipeline with a plan.

    Classification, alert decisions and sending are serialised by one lock; crawls of
    different sources run beside each other.
    """

    parts: Parts
    stop: threading.Event
    db_retry_delays: tuple[float, ...] = DB_RETRY_DELAYS

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _run(self, name: str, func: Callable[[], T]) -> T | None:
        if self.stop.is_set():
            return None
        return with_db_retry(name, func, self.stop, self.db_retry_delays)

    def _pipeline(self, plan: Plan) -> PipelineResult:
        return run_pipeline(self.parts, plan, run=self._run, stop=self.stop, lock=self._lock)

    def process(self) -> None:
        """Send what is due, classify what is pending, decide alerts, send the new ones."""
        self._pipeline(Plan())

    def crawl_and_process(self, business: str, source: str) -> None:
        bconf = self.parts.config.watched_business(business)
        sconf = next(s for s in bconf.sources if s.name == source)
        self._pipeline(Plan(crawls=((bconf, sconf),), health=True))

    def send_outbox(self) -> None:
        self.process()

    def weekly_report(self, business: str) -> None:
        reports = due_reports(self.parts.config, self.parts.clock(), business)
        self._pipeline(Plan(reports=reports))

    def health_check(self) -> None:
        self._pipeline(Plan(health=True))


def _prepare(engine: Engine, config: Config) -> bool:
    init_schema(engine)
    sync_config(engine, config)
    return True


def wait_for_database(engine: Engine, config: Config, stop: threading.Event) -> bool:
    """Create the schema and mirror the config, waiting as long as the database is down."""
    delays = (*DB_RETRY_DELAYS, *([300.0] * 10_000))
    return bool(with_db_retry("start", lambda: _prepare(engine, config), stop, delays))


def prepare_within(engine: Engine, config: Config, stop: threading.Event, seconds: float) -> bool:
    """Like `wait_for_database`, but for at most `seconds`; then the database error is raised.

    False when `stop` was set while waiting.
    """
    deadline = time.monotonic() + seconds
    delays = itertools.chain(DB_RETRY_DELAYS, itertools.repeat(DB_RETRY_DELAYS[-1]))
    while True:
        try:
            return _prepare(engine, config)
        except Exception as exc:
            left = deadline - time.monotonic()
            if not is_db_unavailable(exc) or left <= 0:
                raise
            wait = min(next(delays), left)
            log.warning("database unavailable (%s); retry in %.0f s", _first_line(exc), wait)
            if stop.wait(wait):
                return False


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def last_attempts(engine: Engine) -> dict[tuple[str, str], datetime | None]:
    with session_scope(engine) as session:
        return stored_last_attempts(session)


def reports_to_catch_up(engine: Engine, config: Config, now: datetime) -> list[str]:
    """Businesses whose report slot passed this week while their sources were already crawled."""
    due: list[str] = []
    with session_scope(engine) as session:
        for business in config.businesses:
            slot = report_slot(business, now)
            if slot is None:
                continue
            if any(at <= slot for at in first_crawl_times(session, business.name)):
                due.append(business.name)
    return due


def start_scheduler(service: Service, now: datetime) -> BackgroundScheduler:
    config, engine = service.parts.config, service.parts.engine
    scheduler = BackgroundScheduler(timezone=config.service.timezone, **scheduler_options())
    runner: Runner = service
    add_jobs(scheduler, config, runner)
    attempts = last_attempts(engine)
    overdue = overdue_sources(config, attempts, now)
    schedule_catch_up(scheduler, overdue, now)
    resume_intervals(scheduler, config, attempts, now)
    for name in reports_to_catch_up(engine, config, now):
        scheduler.add_job(runner.weekly_report, args=(name,), id=f"catch-up report:{name}")
    scheduler.modify_job("outbox", next_run_time=now)
    scheduler.start()
    log.info(
        "service started: %d jobs, %d overdue source(s) run now",
        len(scheduler.get_jobs()), len(overdue),
    )  # fmt: skip
    return scheduler


def run_service(parts: Parts, stop: threading.Event) -> int:
    """Run until `stop` is set; returns the exit code."""
    if not wait_for_database(parts.engine, parts.config, stop):
        return 0
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    service = Service(parts, stop)
    scheduler = start_scheduler(service, parts.clock())
    web = _start_web(parts, service)
    while not stop.wait(1.0):
        pass
    log.info("stopping: waiting for running jobs")
    if web is not None:
        web.stop()
    with children_stopped_after(stop, STOP_GRACE_SECONDS):
        scheduler.shutdown(wait=True)
    log.info("stopped")
    return 0


def _start_web(parts: Parts, service: Service) -> WebServer | None:
    """The dashboard in the service's process when `web.enabled`; its "jetzt crawlen" runs
    the same pipeline as a scheduled crawl."""
    settings = parts.config.web
    if not settings.enabled:
        return None
    ctx = web_context(parts)
    ctx.crawl_now = service.crawl_and_process
    server = WebServer(ctx, settings.host, settings.port).start()
    log.info("dashboard at %s", settings.base_url or f"http://{settings.host}:{settings.port}")
    return server


def once_plan(parts: Parts, *, force: bool = False) -> Plan:
    """What `run --once` covers: the sources that are due by the service's rule (all enabled
    ones with `force`), the reports due, and the health check."""
    config, now = parts.config, parts.clock()
    pairs = enabled_sources(config)
    if not force:
        due = set(overdue_sources(config, last_attempts(parts.engine), now))
        pairs = [(b, s) for b, s in pairs if (b.name, s.name) in due]
    skipped = len(enabled_sources(config)) - len(pairs)
    if skipped:
        log.info("%d source(s) not due yet, not crawled (--force crawls them)", skipped)
    return Plan(crawls=tuple(pairs), health=True, reports=due_reports(config, now))


def run_once(parts: Parts, stop: threading.Event, *, force: bool = False) -> int:
    """Every step once, for cron or a systemd timer; exit 1 if any step failed."""
    wait = parts.config.service.database_wait_seconds
    if not prepare_within(parts.engine, parts.config, stop, wait):
        return 0
    plan = once_plan(parts, force=force)
    with children_stopped_after(stop, STOP_GRACE_SECONDS):
        result = run_pipeline(parts, plan, stop=stop)
    for name, reason in result.failed.items():
        log.error("step %r failed: %s", name, reason)
    log.info("run finished: %d steps done, %d failed", len(result.done), len(result.failed))
    return 0 if result.ok or stop.is_set() else 1
