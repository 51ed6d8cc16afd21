"""Config → APScheduler jobs: a thin shell; the work itself lives in plain job functions.

Each enabled source gets its own crawl job (interval or cron, in its business's time zone,
with jitter); one outbox job; one weekly report job per business in its own time zone; one
daily health check. Sources whose last finished crawl is overdue get ONE immediate run on
start, however many slots were missed while the service was down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.settings import ReportSettings
from leumund.config import BusinessConfig, Config, ServiceSettings, SourceConfig, parse_interval

MISFIRE_GRACE_SECONDS = 6 * 3600
CRAWL_WORKERS = 4
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")

SourceKey = tuple[str, str]


class Runner(Protocol):
    """What the scheduled jobs call; the service implements it on top of `leumund.jobs`."""

    def crawl_and_process(self, business: str, source: str) -> None: ...

    def send_outbox(self) -> None: ...

    def weekly_report(self, business: str) -> None: ...

    def health_check(self) -> None: ...


def _dow_token(token: str) -> str:
    """One crontab day-of-week token (0/7 = Sunday) as APScheduler day names (0 = Monday)."""
    base, _, step_text = token.partition("/")
    step = int(step_text) if step_text else 1
    if base == "*":
        lo, hi = 0, 6
    elif re.fullmatch(r"\d+(-\d+)?", base):
        lo_text, _, hi_text = base.partition("-")
        lo = int(lo_text)
        hi = int(hi_text) if hi_text else (lo if not step_text else 6)
    else:
        return token
    if not 0 <= lo <= hi <= 7:
        raise ValueError(f"day of week out of range in {token!r}")
    names = dict.fromkeys(_CRONTAB_DAYS[d] for d in range(lo, hi + 1, step))
    return ",".join(names)


def crontab_trigger(expr: str, tz: ZoneInfo, jitter: int | None = None) -> CronTrigger:
    """A standard crontab line; day-of-week numbers keep their crontab meaning (0 = Sunday)."""
    fields = expr.split()
    if len(fields) == 5 and fields[4] != "*":
        fields[4] = ",".join(_dow_token(t) for t in fields[4].split(","))
    trigger = CronTrigger.from_crontab(" ".join(fields), timezone=tz)
    trigger.jitter = jitter or None
    return trigger


def source_trigger(source: SourceConfig, tz: ZoneInfo, jitter: int) -> BaseTrigger:
    interval = parse_interval(source.schedule)
    if interval is not None:
        return IntervalTrigger(seconds=int(interval.total_seconds()), timezone=tz, jitter=jitter)
    return crontab_trigger(source.schedule, tz, jitter)


def report_trigger(report: ReportSettings, tz: ZoneInfo) -> CronTrigger:
    return CronTrigger(
        day_of_week=report.weekday[:3], hour=report.time.hour, minute=report.time.minute,
        timezone=tz,
    )  # fmt: skip


def health_trigger(service: ServiceSettings) -> CronTrigger:
    at = service.health_check_time
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(service.timezone))


def crawl_job_id(business: str, source: str) -> str:
    return f"crawl:{business}:{source}"


def enabled_sources(config: Config) -> list[tuple[BusinessConfig, SourceConfig]]:
    return [(b, s) for b in config.watched() for s in b.sources if s.enabled]


def add_jobs(scheduler: BaseScheduler, config: Config, runner: Runner) -> None:
    """One job per enabled source, the outbox, each business's report, the health check."""
    jitter = config.service.jitter_seconds
    for business, source in enabled_sources(config):
        scheduler.add_job(
            runner.crawl_and_process,
            source_trigger(source, ZoneInfo(business.timezone), jitter),
            args=(business.name, source.name),
            id=crawl_job_id(business.name, source.name),
            name=f"crawl {business.name} / {source.name}",
            executor="crawl",
        )
    scheduler.add_job(
        runner.send_outbox,
        IntervalTrigger(seconds=config.service.outbox_interval_seconds),
        id="outbox",
        name="send due notifications",
    )
    for business in config.businesses:
        if business.report.enabled:
            scheduler.add_job(
                runner.weekly_report,
                report_trigger(business.report, ZoneInfo(business.timezone)),
                args=(business.name,),
                id=f"report:{business.name}",
                name=f"weekly report {business.name}",
            )
    scheduler.add_job(
        runner.health_check, health_trigger(config.service), id="health", name="health check"
    )


def scheduler_options() -> dict[str, Any]:
    """Coalesce missed slots into one run, never run a job twice at once, be lenient on delay."""
    return {
        "executors": {
            "default": ThreadPoolExecutor(4),
            "crawl": ThreadPoolExecutor(CRAWL_WORKERS),
        },
        "job_defaults": {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    }


def is_overdue(
    source: SourceConfig, tz: ZoneInfo, last_attempt: datetime | None, now: datetime
) -> bool:
    """Never finished a crawl, or a scheduled slot passed since the last one finished."""
    if last_attempt is None:
        return True
    interval = parse_interval(source.schedule)
    if interval is not None:
        return last_attempt + interval <= now
    trigger = crontab_trigger(source.schedule, tz)
    slot = trigger.get_next_fire_time(None, last_attempt + timedelta(seconds=1))
    return slot is not None and slot <= now


def overdue_sources(
    config: Config, last_attempts: Mapping[SourceKey, datetime | None], now: datetime
) -> list[SourceKey]:
    return [
        (b.name, s.name)
        for b, s in enabled_sources(config)
        if is_overdue(s, ZoneInfo(b.timezone), last_attempts.get((b.name, s.name)), now)
    ]


def schedule_catch_up(
    scheduler: BaseScheduler, overdue: list[SourceKey], now: datetime, spread_seconds: float = 2
) -> None:
    """Move each overdue crawl job to run once now (slightly staggered), then as scheduled."""
    for index, (business, source) in enumerate(overdue):
        when = now + timedelta(seconds=index * spread_seconds)
        scheduler.modify_job(crawl_job_id(business, source), next_run_time=when)


def resume_intervals(
    scheduler: BaseScheduler,
    config: Config,
    last_attempts: Mapping[SourceKey, datetime | None],
    now: datetime,
) -> None:
    """Interval sources not yet due continue from their last attempt, not from the restart."""
    for business, source in enabled_sources(config):
        interval = parse_interval(source.schedule)
        last = last_attempts.get((business.name, source.name))
        if interval is not None and last is not None and last + interval > now:
            job_id = crawl_job_id(business.name, source.name)
            scheduler.modify_job(job_id, next_run_time=last + interval)
