"""Crawl jobs: one source per child process, reviews stored and the run recorded here.

The parent never trusts the child to finish: a crawl that hangs is killed at
`crawler.crawl_timeout`, one that crashes is recorded as failed, and reviews received
before either are still stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.runner import run_crawl
from crawler.spec import CrawlResult, CrawlSpec
from leumund.config import SECRET_ENV_KEYS, BusinessConfig, Config, SourceConfig
from storage.crawls import CrawlOutcome, finish_run, running_runs, start_run
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Source, utcnow
from storage.registry import BusinessSpec, SourceSpec, get_source, sync_businesses
from storage.reviews import has_reviews, known_platform_ids, upsert_reviews

log = logging.getLogger(__name__)

SECRET_KEYS = {key: key.removesuffix("_env") for key in SECRET_ENV_KEYS}
INTERRUPTED = "interrupted: the process running this crawl ended before it finished"


def crawl_spec(
    config: Config,
    source: SourceConfig,
    known_ids: frozenset[str] = frozenset(),
    expect_reviews: bool = False,
) -> CrawlSpec:
    """Plain data for the child: source options, secrets resolved, what is already known.

    For the Google types `url`, when set, replaces the API host (a proxy, or a test
    server); the OAuth token endpoint is then `<url>/token`.
    """
    secrets: dict[str, str] = {}
    for key, name in SECRET_KEYS.items():
        value = config.secret(getattr(source, key))
        if value is not None:
            secrets[name] = value.get_secret_value()
    is_google = source.type.startswith("google_")
    api_base = source.url.rstrip("/") if is_google and source.url else None
    return CrawlSpec(
        type=source.type,
        url=source.url,
        settings=config.crawler,
        max_pages=source.max_pages or config.crawler.max_pages,
        known_ids=known_ids,
        expect_reviews=expect_reviews,
        next_page=source.next_page,
        place_id=source.place_id,
        location=source.location,
        api_base=api_base,
        token_url=f"{api_base}/token" if api_base else None,
        secrets=secrets,
    )


def _source_row(session: Session, business: BusinessConfig, source: SourceConfig) -> Source:
    row = get_source(session, business.name, source.name)
    if row is None:
        specs = tuple(SourceSpec(s.name, s.type, s.url, s.enabled) for s in business.sources)
        spec = BusinessSpec(business.name, business.timezone, business.language, specs)
        sync_businesses(session, [spec])
        row = get_source(session, business.name, source.name)
    assert row is not None
    return row


def close_interrupted_runs(session: Session, source: Source, crawl_timeout: float) -> int:
    """Runs left 'running' by a killed process become failed once they cannot be alive."""
    cutoff = utcnow() - timedelta(seconds=crawl_timeout + 60)
    assert source.id is not None
    stale = running_runs(session, source.id, started_before=cutoff)
    for run in stale:
        run.status, run.error, run.finished_at = CrawlStatus.FAILED.value, INTERRUPTED, utcnow()
        session.add(run)
    if stale:
        log.warning("closed %d interrupted crawl run(s) of source %s", len(stale), source.name)
    return len(stale)


def _has_reviews(session: Session, source: Source) -> bool:
    assert source.id is not None
    return has_reviews(session, source.id)


def _begin(
    engine: Engine, config: Config, business: BusinessConfig, source: SourceConfig
) -> tuple[int, int, CrawlSpec]:
    with session_scope(engine) as session:
        row = _source_row(session, business, source)
        close_interrupted_runs(session, row, config.crawler.crawl_timeout)
        known = frozenset(known_platform_ids(session, row))
        expect = row.reviews_seen_ever > 0 or _has_reviews(session, row)
        run = start_run(session, row)
        assert row.id is not None and run.id is not None
        return row.id, run.id, crawl_spec(config, source, known, expect)


def _run_safely(spec: CrawlSpec) -> CrawlResult:
    try:
        return run_crawl(spec)
    except Exception as exc:  # starting the child itself failed (e.g. out of memory)
        log.exception("crawl of %s could not run", spec.url or spec.type)
        return CrawlResult(CrawlStatus.FAILED, error=f"crawl could not run: {exc}")


def _store(engine: Engine, source_id: int, run_id: int, result: CrawlResult) -> CrawlRun:
    with session_scope(engine) as session:
        row, run = session.get_one(Source, source_id), session.get_one(CrawlRun, run_id)
        stored = upsert_reviews(session, row, result.items)
        outcome = CrawlOutcome(
            status=result.status,
            pages=result.pages,
            reviews_seen=len(result.items),
            reviews_new=stored.new,
            reviews_updated=stored.updated,
            http_errors=result.http_errors,
            error=result.error,
        )
        finish_run(session, row, run, outcome)
        return run


def _store_failed(engine: Engine, source_id: int, run_id: int, error: str) -> CrawlRun:
    failed = CrawlResult(CrawlStatus.FAILED, error=error)
    return _store(engine, source_id, run_id, failed)


def crawl_source(
    engine: Engine, config: Config, business: BusinessConfig, source: SourceConfig
) -> CrawlRun:
    """Crawl one source now, store what it found and record the run; never raises for
    crawl failures (they end up in the run's status and error)."""
    source_id, run_id, spec = _begin(engine, config, business, source)
    log.info("crawl %s / %s started (%s)", business.name, source.name, source.type)
    result = _run_safely(spec)
    try:
        run = _store(engine, source_id, run_id, result)
    except Exception as exc:
        log.exception("storing reviews of %s / %s failed", business.name, source.name)
        run = _store_failed(engine, source_id, run_id, f"storing reviews failed: {exc}")
    log.info(
        "crawl %s / %s %s: %d pages, %d new, %d updated, %d HTTP errors%s",
        business.name,
        source.name,
        run.status,
        run.pages,
        run.reviews_new,
        run.reviews_updated,
        run.http_errors,
        f" — {run.error}" if run.error else "",
    )
    return run


def crawl_all(
    engine: Engine,
    config: Config,
    business_name: str | None = None,
    source_name: str | None = None,
) -> list[CrawlRun]:
    """Crawl every enabled source (optionally one business / one source), one after another."""
    runs: list[CrawlRun] = []
    for business in config.businesses:
        if business_name is not None and business.name != business_name:
            continue
        for source in business.sources:
            if source_name is not None and source.name != source_name:
                continue
            if source.enabled or source_name is not None:
                runs.append(crawl_source(engine, config, business, source))
    return runs
