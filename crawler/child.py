"""The child side of a crawl: one Scrapy run, everything it finds sent to the parent.

Runs in a freshly spawned process (see `crawler.runner`); it ends itself when its parent
dies, so an orphaned crawl never goes on crawling with nobody to store what it finds.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import signal
import sys
import threading
import time
from logging.handlers import QueueHandler
from multiprocessing.queues import Queue
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess

from crawler.base import PAGE_PARSED, ReviewSpider
from crawler.scrapy_settings import scrapy_settings
from crawler.spec import CrawlSpec, SpiderSummary

log = logging.getLogger(__name__)

_STATUS_KEY = re.compile(r"^(downloader|robotstxt)/response_status_count/(\d+)$")
_ORPHAN_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def child_main(
    spec: CrawlSpec, messages: Queue[tuple[str, Any]], cls: type[ReviewSpider], parent: int
) -> None:
    """Runs in the child: one Scrapy crawl, every item, page and log line sent to the parent."""
    _die_with_parent(parent)
    _log_to_parent(messages)
    settings = {**scrapy_settings(spec.settings), "LOG_INSTALL_ROOT_HANDLER": False}
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(cls)

    def on_item(item: Any, **_: Any) -> None:
        messages.put(("item", item))

    def on_page(**_: Any) -> None:
        messages.put(("page", None))

    crawler.signals.connect(on_item, signal=signals.item_scraped)
    crawler.signals.connect(on_page, signal=PAGE_PARSED)
    process.crawl(crawler, spec=spec)
    process.start()
    messages.put(("done", summarize(crawler)))
    messages.close()
    messages.join_thread()
    # Everything is sent; skip the slow interpreter teardown of Twisted and Scrapy.
    os._exit(0)


def _die_with_parent(parent: int) -> None:
    """An orphaned crawl must not go on: nobody would store what it finds.

    `daemon=True` covers only a parent that exits normally. On Linux the kernel sends
    SIGTERM when the parent dies (also by SIGKILL or the OOM killer) — strictly, when the
    parent's thread that started the child ends, which `run_crawl` outlives. Elsewhere, and
    as a backstop, a thread notices the new parent process id and ends the child at once.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable; polling the parent only")
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_ORPHAN_POLL_SECONDS)
    os._exit(1)


_RECORD_KEYS = frozenset(logging.makeLogRecord({}).__dict__)


class _ParentLogHandler(QueueHandler):
    """Log records go to the parent, which writes them in the service's own log format.

    Our own INFO lines pass; Scrapy's and Twisted's only from WARNING up.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name.startswith("crawler")
        return record.levelno >= (logging.INFO if ours else logging.WARNING)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if not record.name.startswith("crawler"):
            record.exc_info, record.exc_text = None, None  # Scrapy internals: the line says it
        flat = super().prepare(record)  # message formatted, args and traceback folded in
        return logging.makeLogRecord({k: v for k, v in vars(flat).items() if k in _RECORD_KEYS})

    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put_nowait(("log", record))


def _log_to_parent(messages: Queue[tuple[str, Any]]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [_ParentLogHandler(messages)]
    root.setLevel(logging.INFO)


def summarize(crawler: Crawler) -> SpiderSummary:
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    spider = crawler.spider
    errors = int(stats.get("downloader/exception_count", 0))
    for key, count in stats.items():
        match = _STATUS_KEY.match(key)
        if match and int(match.group(2)) >= 400:
            # robots.txt answers are fetched by the downloader too; a missing one is fine
            errors += int(count) if match.group(1) == "downloader" else -int(count)
    return SpiderSummary(
        pages=getattr(spider, "pages", 0),
        reviews_found=getattr(spider, "reviews_found", 0),
        http_errors=errors,
        fetch_error=getattr(spider, "fetch_error", None),
        close_reason=str(stats.get("finish_reason", "")),
        more_pages=getattr(spider, "more_pages", False),
    )
