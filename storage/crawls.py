"""Crawl runs and source health: what the operator reads in logs and `leumund status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import CrawlRun, CrawlStatus, Source, utcnow

_FAILED = (CrawlStatus.FAILED.value, CrawlStatus.TIMEOUT.value)


@dataclass(frozen=True, slots=True)
class CrawlOutcome:
    status: CrawlStatus
    pages: int
    reviews_seen: int
    reviews_new: int
    reviews_updated: int
    http_errors: int
    error: str | None


def start_run(session: Session, source: Source) -> CrawlRun:
    """Open a run; the source's `last_attempt_at` moves only when the run finishes, so a
    crawl cut short by a crash still counts as missed and is made up on restart."""
    assert source.id is not None
    run = CrawlRun(source_id=source.id)
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, source: Source, run: CrawlRun, outcome: CrawlOutcome) -> None:
    """Close the run and update the source's health counters in one transaction."""
    now = utcnow()
    run.finished_at = now
    source.last_attempt_at = now
    run.status = outcome.status.value
    run.pages, run.reviews_seen = outcome.pages, outcome.reviews_seen
    run.reviews_new, run.reviews_updated = outcome.reviews_new, outcome.reviews_updated
    run.http_errors, run.error = outcome.http_errors, outcome.error
    if outcome.status is CrawlStatus.OK:
        source.first_crawl_at = source.first_crawl_at or now
        source.last_success_at = now
        source.last_error = None
        source.consecutive_failures = 0
        source.failing_since = None
        source.reviews_seen_ever += outcome.reviews_seen
    else:
        source.last_error = outcome.error
        source.consecutive_failures += 1
        source.failing_since = source.failing_since or run.started_at
    session.add(run)
    session.add(source)


def recent_runs(session: Session, source_id: int, limit: int = 10) -> list[CrawlRun]:
    return list(
        session.exec(
            select(CrawlRun)
            .where(CrawlRun.source_id == source_id)
            .order_by(col(CrawlRun.started_at).desc())
            .limit(limit)
        )
    )


def running_runs(session: Session, source_id: int, started_before: datetime) -> list[CrawlRun]:
    """Runs of a source still marked running that started before `started_before`."""
    return list(
        session.exec(
            select(CrawlRun).where(
                CrawlRun.source_id == source_id,
                CrawlRun.status == CrawlStatus.RUNNING.value,
                col(CrawlRun.started_at) < started_before,
            )
        )
    )


@dataclass(frozen=True, slots=True)
class CrawlHealth:
    """A source with its runs started in a period: how many, how many failed, the last error."""

    source: Source
    total_runs: int
    failed_runs: int
    last_failure_error: str | None


def crawl_health(
    session: Session, business_id: int, start: datetime, end: datetime
) -> list[CrawlHealth]:
    """Every source of a business (by name) with its runs started in [start, end)."""
    runs = session.exec(
        select(CrawlRun)
        .join(Source, col(Source.id) == col(CrawlRun.source_id))
        .where(
            col(Source.business_id) == business_id,
            col(CrawlRun.started_at) >= start,
            col(CrawlRun.started_at) < end,
        )
        .order_by(col(CrawlRun.started_at))
    )
    totals: dict[int, int] = {}
    failures: dict[int, int] = {}
    last_error: dict[int, str | None] = {}
    for run in runs:
        totals[run.source_id] = totals.get(run.source_id, 0) + 1
        if run.status in _FAILED:
            failures[run.source_id] = failures.get(run.source_id, 0) + 1
            last_error[run.source_id] = run.error
    sources = session.exec(
        select(Source).where(col(Source.business_id) == business_id).order_by(col(Source.name))
    )
    return [
        CrawlHealth(
            s, totals.get(s.id or 0, 0), failures.get(s.id or 0, 0), last_error.get(s.id or 0)
        )
        for s in sources
    ]
