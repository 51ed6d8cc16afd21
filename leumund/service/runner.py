"""The long-running service: scheduled jobs that survive faults, and a clean stop.

A job never takes the service down (`leumund.service.supervision` waits out a database that went
away and logs any other error; the job tries again at its next run). Classification, alert
decisions and sending are serialised by one lock, so two jobs never send the same outbox
row. SIGTERM or Ctrl-C: no new steps start, running crawl children are stopped, the
scheduler waits for running jobs, exit 0.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from leumund.config import Config
from leumund.jobs.alerts import decide_alerts, make_mailer, send_due
from leumund.jobs.classify import classify_pending, load_configured_classifier
from leumund.jobs.crawl import crawl_source
from leumund.jobs.health import check_sources
from leumund.jobs.pipeline import enqueue_due_reports, report_slot, run_pipeline_once, sync_config
from leumund.service.scheduler import (
    Runner,
    add_jobs,
    overdue_sources,
    resume_intervals,
    schedule_catch_up,
    scheduler_options,
)
from leumund.service.supervision import (
    DB_RETRY_DELAYS,
    STOP_GRACE_SECONDS,
    children_stopped_after,
    with_db_retry,
)
from sentiment.base import Classifier
from storage.db import init_schema, session_scope
from storage.models import utcnow
from storage.registry import first_crawl_times
from storage.registry import last_attempts as stored_last_attempts

log = logging.getLogger(__name__)
T = TypeVar("T")
MODEL_RETRY = timedelta(minutes=15)


@dataclass
class Service:
    """The scheduled jobs (the scheduler's `Runner`), holding what is loaded once."""

    engine: Engine
    config: Config
    stop: threading.Event
    db_retry_delays: tuple[float, ...] = DB_RETRY_DELAYS
    model_retry: timedelta = MODEL_RETRY

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._classifier: Classifier | None = None
        self._model_retry_at: datetime | None = None

    def _run(self, name: str, func: Callable[[], T]) -> T | None:
        if self.stop.is_set():
            return None
        return with_db_retry(name, func, self.stop, self.db_retry_delays)

    def _model(self) -> Classifier | None:
        """The classifier, loaded once; a failed load is retried after `model_retry`."""
        now = utcnow()
        if self._classifier is not None or (
            self._model_retry_at is not None and now < self._model_retry_at
        ):
            return self._classifier
        self._model_retry_at = now + self.model_retry  # also when loading raises
        self._classifier = load_configured_classifier(self.config)
        if self._classifier is None:
            log.warning("reviews stay unclassified; star-based alerts still go out")
        return self._classifier

    def process(self) -> None:
        """Send what is due, classify what is pending, decide alerts, send the new ones.

        Sending first means rows decided before a restart go out without waiting for the
        model to load.
        """
        engine, config = self.engine, self.config
        with self._lock:
            self._run("send", self._send)
            classifier = self._run("load model", self._model)
            if classifier is not None:
                batch = config.sentiment.batch_size
                self._run("classify", lambda: classify_pending(engine, classifier, batch))
            self._run("decide alerts", lambda: decide_alerts(engine, config, utcnow()))
            self._run("send", self._send)

    def _send(self) -> object:
        return send_due(self.engine, self.config, make_mailer(self.config), utcnow())

    def crawl_and_process(self, business: str, source: str) -> None:
        bconf = self.config.business(business)
        sconf = next(s for s in bconf.sources if s.name == source)
        name = f"crawl {business} / {source}"
        self._run(name, lambda: crawl_source(self.engine, self.config, bconf, sconf))
        self._run("health check", lambda: check_sources(self.engine, self.config, utcnow()))
        self.process()

    def send_outbox(self) -> None:
        self.process()

    def weekly_report(self, business: str) -> None:
        self._run(
            f"weekly report {business}",
            lambda: enqueue_due_reports(self.engine, self.config, utcnow(), business),
        )
        self.process()

    def health_check(self) -> None:
        self._run("health check", lambda: check_sources(self.engine, self.config, utcnow()))
        self.process()


def wait_for_database(engine: Engine, config: Config, stop: threading.Event) -> bool:
    """Create the schema and mirror the config, waiting as long as the database is down."""
    delays = (*DB_RETRY_DELAYS, *([300.0] * 10_000))

    def prepare() -> bool:
        init_schema(engine)
        sync_config(engine, config)
        return True

    return bool(with_db_retry("start", prepare, stop, delays))


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
    config = service.config
    scheduler = BackgroundScheduler(timezone=config.service.timezone, **scheduler_options())
    runner: Runner = service
    add_jobs(scheduler, config, runner)
    attempts = last_attempts(service.engine)
    overdue = overdue_sources(config, attempts, now)
    schedule_catch_up(scheduler, overdue, now)
    resume_intervals(scheduler, config, attempts, now)
    for name in reports_to_catch_up(service.engine, config, now):
        scheduler.add_job(runner.weekly_report, args=(name,), id=f"catch-up report:{name}")
    scheduler.modify_job("outbox", next_run_time=now)
    scheduler.start()
    log.info(
        "service started: %d jobs, %d overdue source(s) run now",
        len(scheduler.get_jobs()), len(overdue),
    )  # fmt: skip
    return scheduler


def run_service(engine: Engine, config: Config, stop: threading.Event) -> int:
    """Run until `stop` is set; returns the exit code."""
    if not wait_for_database(engine, config, stop):
        return 0
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    service = Service(engine, config, stop)
    scheduler = start_scheduler(service, utcnow())
    while not stop.wait(1.0):
        pass
    log.info("stopping: waiting for running jobs")
    with children_stopped_after(stop, STOP_GRACE_SECONDS):
        scheduler.shutdown(wait=True)
    log.info("stopped")
    return 0


def run_once(engine: Engine, config: Config, stop: threading.Event) -> int:
    """Every step once, for cron or a systemd timer; exit 1 if any step failed."""
    if not wait_for_database(engine, config, stop):
        return 0
    with children_stopped_after(stop, STOP_GRACE_SECONDS):
        result = run_pipeline_once(engine, config, utcnow(), stop=stop)
    for name, reason in result.failed.items():
        log.error("step %r failed: %s", name, reason)
    log.info("run finished: %d steps done, %d failed", len(result.done), len(result.failed))
    return 0 if result.ok or stop.is_set() else 1
