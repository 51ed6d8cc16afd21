"""Serving the dashboard: the parts it needs from the config, and uvicorn in a thread.

`leumund web` runs it alone; `leumund run` with `web.enabled` and `leumund demo --serve` run
it beside their own work in the same process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import Any

import uvicorn

from crawler.runner import run_crawl
from leumund.config import Config, SourceConfig
from leumund.jobs.crawl import crawl_source, crawl_spec
from leumund.parts import Parts
from leumund.web.app import create_app
from leumund.web.context import WebContext
from storage.models import CrawlStatus

log = logging.getLogger(__name__)


def try_source(config: Config, source_type: str, url: str) -> list[dict[str, Any]]:
    """What `try-source` shows, for the operator's form; ValueError with the reason."""
    source = SourceConfig(name="try", type=source_type, url=url)
    result = run_crawl(crawl_spec(config, source, expect_reviews=True))
    if result.status is not CrawlStatus.OK:
        raise ValueError(str(result.error))
    return [asdict(item) for item in result.items]


def web_context(parts: Parts) -> WebContext:
    """The dashboard's view of the parts (one engine, mailer and renderer per process)."""
    config, engine = parts.config, parts.engine

    def crawl_now(business: str, source: str) -> None:
        bconf = config.watched_business(business)
        sconf = next(s for s in bconf.sources if s.name == source)
        crawl_source(engine, config, bconf, sconf)

    return WebContext(
        config=config,
        engine=engine,
        mailer=parts.mailer,
        renderer=parts.renderer,
        crawl_now=crawl_now,
        try_source=lambda kind, url: try_source(config, kind, url),
    )


class WebServer:
    """uvicorn on its own thread; `stop()` ends it and waits."""

    def __init__(self, ctx: WebContext, host: str, port: int) -> None:
        settings = uvicorn.Config(
            create_app(ctx), host=host, port=port, log_level="warning", proxy_headers=False,
            server_header=False,
        )  # fmt: skip
        self.server = uvicorn.Server(settings)
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def start(self) -> WebServer:
        self.thread.start()
        return self

    def wait_started(self, stop: threading.Event) -> bool:
        """Wait until uvicorn listens (or gave up, or `stop` is set)."""
        while not self.server.started and self.thread.is_alive() and not stop.wait(0.05):
            pass
        return self.server.started

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
