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
from crawler.values import on_scale, stars
from leumund.config import SECRET_ENV_KEYS, BusinessConfig, Config, SourceConfig
from storage.crawls import CrawlOutcome, finish_run, running_runs, start_run
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Source, utcnow
from storage.registry import BusinessSpec, SourceSpec, get_source, sync_businesses
from storage.reviews import (
    UpsertResult,
    describe_skips,
    has_reviews,
    known_platform_ids,
    rescale_ratings,
    upsert_reviews,
)

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
        order=source.order,
        scale=source.scale,
        place_id=source.place_id,
        location=source.location,
        api_base=api_base,
        token_url=f"{api_base}/token" if api_base else None,
        secrets=secrets,
    )


def business_spec(business: BusinessConfig) -> BusinessSpec:
    """A configured business as the database mirrors it."""
    sources = tuple(SourceSpec(s.name, s.type, s.url, s.enabled, s.label) for s in business.sources)
    return BusinessSpec(
        business.name, business.timezone, business.language, sources,
        competitor_of=business.competitor_of,
        label=business.label if business.competitor_of else None,
    )  # fmt: skip


def _source_row(session: Session, business: BusinessConfig, source: SourceConfig) -> Source:
    row = get_source(session, business.name, source.name)
    if row is None:
        sync_businesses(session, [business_spec(business)])
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
        apply_scale(session, row, source.scale)
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


def apply_scale(session: Session, source: Source, setting: str) -> int:
    """A changed `scale:` re-normalises the source's stored ratings from their raw values,
    quietly: no edit records, no new versions, so no alerts. Returns the reviews changed."""
    if source.scale == setting or (source.scale is None and setting == "auto"):
        return 0

    def convert(raw: float) -> tuple[float | None, str]:
        if setting == "auto":  # what the markup declares comes back with the next crawl
            return stars(raw), "1-5"
        return on_scale(raw, setting)

    assert source.id is not None
    changed = rescale_ratings(session, source.id, convert)
    log.info("source %s: scale %s → %s, %d ratings re-normalised", source.name,
             source.scale or "auto", setting, changed)  # fmt: skip
    source.scale = setting
    session.add(source)
    return changed


def _notes(result: CrawlResult, stored: UpsertResult, dates_unread: int) -> str | None:
    parts = [describe_skips(stored), *result.dropped]
    if stored.duplicates:
        parts.append(f"{stored.duplicates} duplicate review id(s) on the pages; first kept")
    if dates_unread:
        parts.append(f"{dates_unread} review(s) without a readable date; dated when first seen")
    if result.unordered:
        parts.append("reviews not listed newest first; read up to max_pages")
    return "; ".join(p for p in parts if p) or None


def _remember_visibility(source: Source, result: CrawlResult) -> None:
    """What the latest successful parse could see, for reports that list unanswered reviews."""
    if result.status is CrawlStatus.OK and result.items:
        source.sees_replies = any(item.sees_reply for item in result.items)
        source.sees_links = any(item.sees_link for item in result.items)


def _store(engine: Engine, source_id: int, run_id: int, result: CrawlResult) -> CrawlRun:
    with session_scope(engine) as session:
        row, run = session.get_one(Source, source_id), session.get_one(CrawlRun, run_id)
        stored = upsert_reviews(session, row, result.items)
        dates_unread = sum(item.published_at is None for item in result.items)
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
        run.reviews_skipped, run.duplicates = stored.skipped, stored.duplicates
        run.dates_unread, run.pages_dropped = dates_unread, len(result.dropped)
        run.notes = _notes(result, stored, dates_unread)
        _remember_visibility(row, result)
        if stored.skipped or result.dropped or dates_unread:
            log.warning("crawl of %s: %s", row.name, run.notes)
        return run


def _store_failed(
    engine: Engine, source_id: int, run_id: int, result: CrawlResult, error: str
) -> CrawlRun:
    """Storing failed as a whole: the run is failed, but keeps the pages it fetched."""
    failed = CrawlResult(
        CrawlStatus.FAILED, pages=result.pages, http_errors=result.http_errors, error=error
    )
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
        error = f"storing reviews failed: {exc}"
        run = _store_failed(engine, source_id, run_id, result, error)
    log.info(
        "crawl %s / %s %s: %d pages, %d new, %d updated, %d HTTP errors%s%s",
        business.name,
        source.name,
        run.status,
        run.pages,
        run.reviews_new,
        run.reviews_updated,
        run.http_errors,
        f" — {run.error}" if run.error else "",
        f" ({run.notes})" if run.notes else "",
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
    for business in config.watched():
        if business_name not in (None, business.name, business.competitor_of):
            continue  # a business's competitors are crawled with it
        for source in business.sources:
            if source_name is not None and source.name != source_name:
                continue
            if source.enabled or source_name is not None:
                runs.append(crawl_source(engine, config, business, source))
    return runs
