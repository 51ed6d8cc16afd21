"""The scheduler maps config to triggers: schedules, jitter, time zones, coalesced catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import select

from leumund.config import Config
from leumund.jobs.pipeline import report_week_due, sync_config
from leumund.service.runner import last_attempts, reports_to_catch_up
from leumund.service.scheduler import (
    add_jobs,
    crontab_trigger,
    overdue_sources,
    resume_intervals,
    schedule_catch_up,
    scheduler_options,
)
from leumund.service.status import next_crawl
from storage.crawls import CrawlOutcome, finish_run, start_run
from storage.db import session_scope
from storage.models import CrawlStatus, Source, utcnow
from storage.registry import get_source
from tests.waiting import wait_for

BERLIN = ZoneInfo("Europe/Berlin")


def _config(**service: Any) -> Config:
    return Config.model_validate(
        {
            "service": {"jitter_seconds": 90, "outbox_interval_seconds": 30, **service},
            "businesses": [
                {
                    "name": "Bäckerei Beispiel",
                    "owner_emails": ["inhaber@example.de"],
                    "report": {"weekday": "monday", "time": "08:00"},
                    "sources": [
                        {"name": "tp", "type": "trustpilot", "url": "http://x", "schedule": "6h"},
                        {
                            "name": "web",
                            "type": "schema_org",
                            "url": "http://y",
                            "schedule": "15 6 * * 1-5",
                        },
                        {"name": "off", "type": "schema_org", "url": "http://z", "enabled": False},
                    ],
                },
                {
                    "name": "Praxis",
                    "timezone": "America/New_York",
                    "owner_emails": ["praxis@example.de"],
                    "report": {"weekday": "friday", "time": "17:30"},
                    "sources": [{"name": "tp", "type": "trustpilot", "url": "http://q"}],
                },
            ],
        }
    )


class Calls:
    """Records what the scheduled jobs were asked to do."""

    def __init__(self) -> None:
        self.log: list[tuple[str, ...]] = []

    def crawl_and_process(self, business: str, source: str) -> None:
        self.log.append(("crawl", business, source))

    def send_outbox(self) -> None:
        self.log.append(("outbox",))

    def weekly_report(self, business: str) -> None:
        self.log.append(("report", business))

    def health_check(self) -> None:
        self.log.append(("health",))


def _scheduler(config: Config) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=BERLIN, **scheduler_options())
    add_jobs(scheduler, config, Calls())
    return scheduler


def test_jobs_map_config_to_triggers() -> None:
    jobs = {job.id: job for job in _scheduler(_config()).get_jobs()}
    assert set(jobs) == {
        "crawl:Bäckerei Beispiel:tp",
        "crawl:Bäckerei Beispiel:web",
        "crawl:Praxis:tp",
        "outbox",
        "report:Bäckerei Beispiel",
        "report:Praxis",
        "health",
    }
    tp = jobs["crawl:Bäckerei Beispiel:tp"].trigger
    assert isinstance(tp, IntervalTrigger)
    assert tp.interval == timedelta(hours=6) and tp.jitter == 90 and tp.timezone == BERLIN
    assert jobs["crawl:Bäckerei Beispiel:tp"].args == ("Bäckerei Beispiel", "tp")
    web = jobs["crawl:Bäckerei Beispiel:web"].trigger
    assert isinstance(web, CronTrigger) and web.jitter == 90
    outbox = jobs["outbox"].trigger
    assert isinstance(outbox, IntervalTrigger) and outbox.interval == timedelta(seconds=30)


def test_crontab_weekdays_keep_crontab_meaning_in_business_time_zone() -> None:
    trigger = crontab_trigger("15 6 * * 1-5", BERLIN)
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire == datetime(2026, 11, 23, 6, 15, tzinfo=BERLIN)  # Monday, not Sunday
    sunday_only = crontab_trigger("0 9 * * 0", BERLIN).get_next_fire_time(None, saturday)
    assert sunday_only is not None and sunday_only.strftime("%a %H:%M") == "Sun 09:00"
    every_other, fire, days = crontab_trigger("0 9 * * */2", BERLIN), saturday, []
    for _ in range(4):
        fire = every_other.get_next_fire_time(fire, fire + timedelta(seconds=1))
        days.append(fire.strftime("%a"))
    assert days == ["Sun", "Tue", "Thu", "Sat"]


def test_reports_fire_in_each_business_time_zone() -> None:
    jobs = {job.id: job for job in _scheduler(_config()).get_jobs()}
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday
    berlin = jobs["report:Bäckerei Beispiel"].trigger.get_next_fire_time(None, start)
    assert berlin.astimezone(UTC) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    new_york = jobs["report:Praxis"].trigger.get_next_fire_time(None, start)
    assert new_york.astimezone(UTC) == datetime(2026, 11, 27, 22, 30, tzinfo=UTC)
    health = jobs["health"].trigger.get_next_fire_time(None, start)
    assert health.astimezone(UTC) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_jitter_spreads_sources_that_share_a_schedule() -> None:
    config = _config(jitter_seconds=600)
    trigger = _scheduler(config).get_job("crawl:Bäckerei Beispiel:tp").trigger
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    fires = {trigger.get_next_fire_time(now, now) for _ in range(20)}
    assert len(fires) > 1
    assert all(
        now + timedelta(hours=6) <= f <= now + timedelta(hours=6, seconds=600) for f in fires
    )


def test_defaults_coalesce_and_single_instance() -> None:
    scheduler = _scheduler(_config())
    scheduler.start(paused=True)
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time >= 3600
    finally:
        scheduler.shutdown()


def test_missed_runs_are_made_up_once() -> None:
    config = _config()
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday 13:00 in Berlin
    attempts = {
        ("Bäckerei Beispiel", "tp"): now - timedelta(days=3),  # 12 missed 6h slots
        ("Bäckerei Beispiel", "web"): now - timedelta(hours=1),  # 06:15 slot was before that
        ("Praxis", "tp"): None,  # never crawled
    }
    overdue = overdue_sources(config, attempts, now)
    assert overdue == [("Bäckerei Beispiel", "tp"), ("Praxis", "tp")]
    attempts[("Bäckerei Beispiel", "web")] = now - timedelta(days=4)
    assert ("Bäckerei Beispiel", "web") in overdue_sources(config, attempts, now)


def test_a_crawl_cut_short_by_a_crash_is_made_up_on_restart(engine: Engine) -> None:
    config = _config()
    sync_config(engine, config)
    key = ("Bäckerei Beispiel", "tp")
    with session_scope(engine) as session:
        source = get_source(session, *key)
        assert source is not None
        finish_run(session, source, start_run(session, source), CrawlOutcome(
            CrawlStatus.OK, 1, 0, 0, 0, 0, None))  # fmt: skip
        finished = source.last_attempt_at
        assert finished is not None
        source.last_attempt_at = finished - timedelta(hours=7)  # it finished 7 hours ago
    assert key in overdue_sources(config, last_attempts(engine), utcnow())
    with session_scope(engine) as session:
        source = get_source(session, *key)
        assert source is not None
        start_run(session, source)  # the next crawl starts ... and the process is killed
    assert key in overdue_sources(config, last_attempts(engine), utcnow())


def test_catch_up_runs_each_overdue_source_exactly_once() -> None:
    config = _config(jitter_seconds=0)
    calls = Calls()
    scheduler = BackgroundScheduler(timezone=BERLIN, **scheduler_options())
    add_jobs(scheduler, config, calls)
    now = datetime.now(UTC)
    schedule_catch_up(scheduler, [("Bäckerei Beispiel", "tp"), ("Praxis", "tp")], now, 0.05)
    scheduler.start()
    try:

        def both_crawled() -> bool:
            scheduler.wakeup()
            return len([c for c in calls.log if c[0] == "crawl"]) >= 2

        wait_for(both_crawled, "both catch-up crawls")
    finally:
        scheduler.shutdown(wait=True)
    crawls = sorted(c for c in calls.log if c[0] == "crawl")
    assert crawls == [("crawl", "Bäckerei Beispiel", "tp"), ("crawl", "Praxis", "tp")]
    job_next = {j.id: j.next_run_time for j in scheduler.get_jobs()}
    assert all(t is None or t > now + timedelta(hours=5) for i, t in job_next.items() if "tp" in i)


def test_sources_not_yet_due_continue_from_their_last_attempt() -> None:
    config = _config(jitter_seconds=0)
    scheduler = _scheduler(config)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    last = now - timedelta(hours=2)
    attempts = {("Bäckerei Beispiel", "tp"): last, ("Praxis", "tp"): now - timedelta(hours=9)}
    resume_intervals(scheduler, config, attempts, now)
    scheduler.start(paused=True)
    try:
        assert scheduler.get_job("crawl:Bäckerei Beispiel:tp").next_run_time == last + timedelta(
            hours=6
        )
        assert scheduler.get_job("crawl:Praxis:tp").next_run_time > now  # overdue: catch-up's job
    finally:
        scheduler.shutdown()


def test_next_crawl_comes_from_schedule_and_last_attempt() -> None:
    config = _config()
    tp, web, off = config.businesses[0].sources
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday 13:00 in Berlin
    assert next_crawl(tp, BERLIN, now - timedelta(hours=1), now) == now + timedelta(hours=5)
    assert next_crawl(tp, BERLIN, now - timedelta(hours=7), now) == now  # overdue: at start
    assert next_crawl(tp, BERLIN, None, now) == now
    tomorrow = datetime(2026, 11, 24, 6, 15, tzinfo=BERLIN)
    assert next_crawl(web, BERLIN, now - timedelta(hours=1), now) == tomorrow
    assert next_crawl(off, BERLIN, None, now) is None


def test_weekly_report_is_made_up_only_after_its_slot_and_for_crawled_sources(
    engine: Engine,
) -> None:
    config = _config()
    sync_config(engine, config)
    monday_noon = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # after Berlin's 08:00 slot
    assert report_week_due(config.businesses[0], monday_noon) == "2026-W47"
    assert report_week_due(config.businesses[1], monday_noon) is None  # Friday 17:30 New York
    assert reports_to_catch_up(engine, config, monday_noon) == []  # nothing crawled yet
    with session_scope(engine) as session:
        for source in session.exec(select(Source)):
            source.first_crawl_at = monday_noon - timedelta(days=3)
            session.add(source)
    assert reports_to_catch_up(engine, config, monday_noon) == ["Bäckerei Beispiel"]
    sunday = monday_noon - timedelta(days=1)  # Berlin's Monday slot not yet; New York's
    assert reports_to_catch_up(engine, config, sunday) == ["Praxis"]  # Friday slot passed
