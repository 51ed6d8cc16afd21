"""Each crawl in its own child process with a hard timeout.

Scrapy's reactor can run once per process, and a hung or crashing spider must never take
the service down: the parent starts a fresh (spawned) child, receives reviews as they are
scraped, and kills the child when the deadline passes. Reviews received before that are
kept, so the caller can still store them. A child never outlives its parent, and
`stop_running_crawls` stops the children cleanly when the service shuts down.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue as queue_mod
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any

from crawler.base import ReviewSpider
from crawler.child import child_main
from crawler.registry import spider_for
from crawler.spec import CrawlResult, CrawlSpec, SpiderSummary
from storage.models import CrawlStatus, ReviewData

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.2
COMPLETE_REASONS = frozenset({"finished", "closespider_pagecount"})
"""Scrapy close reasons of a crawl that read every page it meant to read."""

_live: dict[int, BaseProcess] = {}
_live_lock = threading.Lock()


def run_crawl(
    spec: CrawlSpec, spider_cls: type[ReviewSpider] | None = None, timeout: float | None = None
) -> CrawlResult:
    """Crawl one source in a child process; never raises for crawl failures."""
    cls = spider_cls or spider_for(spec.type)
    limit = spec.settings.crawl_timeout if timeout is None else timeout
    ctx = multiprocessing.get_context("spawn")
    messages: Queue[tuple[str, Any]] = ctx.Queue()
    args = (spec, messages, cls, os.getpid())
    child = ctx.Process(target=child_main, args=args, daemon=True)
    with _without_main_module():
        child.start()
    _track(child)
    progress = _Progress()
    try:
        summary = _receive(child, messages, progress, time.monotonic() + limit)
    finally:
        _stop(child, kill_now=progress.timed_out)
        _untrack(child)
        messages.close()
        messages.cancel_join_thread()
    return _result(spec, progress, summary, child, limit)


def running_crawls() -> list[BaseProcess]:
    """The crawl children of this process that are still alive."""
    with _live_lock:
        return [child for child in _live.values() if child.is_alive()]


def stop_running_crawls(grace: float = 10.0) -> int:
    """Stop every running crawl child of this process, for a service shutting down.

    Each child gets SIGTERM: Scrapy closes the spider (reason `shutdown`), the reviews
    received so far reach the waiting `run_crawl`, which returns a failed result that the
    caller stores. A child still alive after `grace` seconds is killed. Returns how many
    children were stopped; `run_crawl` calls in other threads return on their own.
    """
    children = running_crawls()
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        child.join(timeout=max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            log.warning("crawl child %s did not stop within %g s; killing it", child.pid, grace)
            child.kill()
            child.join(timeout=5)
    return len(children)


def _track(child: BaseProcess) -> None:
    with _live_lock:
        _live[id(child)] = child


def _untrack(child: BaseProcess) -> None:
    with _live_lock:
        _live.pop(id(child), None)


@contextmanager
def _without_main_module() -> Iterator[None]:
    """Start the child without re-importing the parent's `__main__`.

    A spawned child imports the parent's main module first; for the `leumund` CLI that is
    every component, the sentiment model's torch included — seconds and hundreds of MB per
    crawl for nothing. The child needs only `crawler` and `storage.models`, so multiprocessing
    is shown a main module without a name or file while the child starts.
    """
    main = sys.modules["__main__"]
    saved: dict[str, Any] = {k: v for k, v in vars(main).items() if k in ("__spec__", "__file__")}
    main.__dict__["__spec__"] = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


@dataclass
class _Progress:
    items: list[ReviewData] = field(default_factory=list)
    pages: int = 0
    timed_out: bool = False


def _receive(
    child: BaseProcess, messages: Queue[tuple[str, Any]], progress: _Progress, deadline: float
) -> SpiderSummary | None:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            progress.timed_out = True
            return None
        try:
            kind, payload = messages.get(timeout=min(remaining, _POLL_SECONDS))
        except queue_mod.Empty:
            if child.is_alive():
                continue
            try:
                kind, payload = messages.get(timeout=_POLL_SECONDS)
            except queue_mod.Empty:
                return None
        if kind == "item":
            progress.items.append(payload)
        elif kind == "log":
            _handle_log(payload)
        elif kind == "page":
            progress.pages += 1
        elif kind == "done":
            return payload if isinstance(payload, SpiderSummary) else None


def _handle_log(record: logging.LogRecord) -> None:
    """A child's record, subject to the parent's levels (try-source quiets Scrapy)."""
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)


def _stop(child: BaseProcess, kill_now: bool) -> None:
    if not kill_now:
        child.join(timeout=5)
    if child.is_alive():
        child.kill()
        child.join(timeout=5)


def _result(
    spec: CrawlSpec,
    progress: _Progress,
    summary: SpiderSummary | None,
    child: BaseProcess,
    limit: float,
) -> CrawlResult:
    result = CrawlResult(CrawlStatus.FAILED, progress.items, pages=progress.pages)
    if progress.timed_out:
        result.status = CrawlStatus.TIMEOUT
        result.error = f"crawl did not finish within {limit:g} s; child process stopped"
    elif summary is None:
        result.error = f"crawler process ended without a result (exit code {child.exitcode})"
    else:
        result.pages, result.http_errors = summary.pages, summary.http_errors
        result.more_pages = summary.more_pages
        result.status, result.error = judge(spec, summary)
    return result


def judge(spec: CrawlSpec, summary: SpiderSummary) -> tuple[CrawlStatus, str | None]:
    """Success needs every page read to the normal end, with reviews where seen before.

    A crawl that lost a page or was stopped halfway is not a success even with reviews:
    its reviews are stored, but `last_success_at` stays, so the next crawl does not stop
    at them and reaches the reviews this one missed.
    """
    if summary.close_reason == "closespider_timeout":
        return CrawlStatus.TIMEOUT, f"spider timed out after {summary.pages} pages"
    if summary.pages == 0:
        return CrawlStatus.FAILED, summary.fetch_error or f"no page fetched from {spec.url}"
    if summary.close_reason not in COMPLETE_REASONS:
        reason = summary.close_reason or "unknown reason"
        return CrawlStatus.FAILED, f"interrupted ({reason}) after {summary.pages} pages"
    if summary.fetch_error:
        return CrawlStatus.FAILED, summary.fetch_error
    if summary.reviews_found == 0 and spec.expect_reviews:
        where = spec.url or spec.place_id or spec.location or spec.type
        return CrawlStatus.FAILED, f"page structure changed? 0 reviews found on {where}"
    return CrawlStatus.OK, None
