"""Dashboard benchmark: server time of the overview, a filtered list and a search.

Fills a database the way bench/scale.py does (1,000 businesses, 300,000 reviews), signs an
owner in and requests each page N times in-process; the time measured is the application's
own (an ASGI wrapper around it), not the client's. Usage:
    python bench/web.py [--businesses 1000] [--reviews 300000] [--requests 200]
                        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
Last line: `overview_p95_ms=… list_p95_ms=… search_p95_ms=…`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from scale import bulk_insert, config_data, mark_crawled, review_rows
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from alerts.render import Renderer
from leumund.jobs.pipeline import sync_config
from leumund.loading import load_config
from leumund.parts import make_mailer
from leumund.web.app import create_app
from leumund.web.context import SESSION_COOKIE, WebContext
from storage import web_auth
from storage.dashboard import business_by_name
from storage.db import init_schema, make_engine, session_scope


class Timed:
    """Records how long the application takes per request."""

    def __init__(self, app: Any) -> None:
        self.app, self.samples = app, []  # type: ignore[var-annotated]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        self.samples.append((time.perf_counter() - start) * 1000)


def _fill(args: argparse.Namespace, workdir: Path) -> tuple[Any, Any]:
    url = args.database_url or f"sqlite:///{workdir / 'web.db'}"
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config_data(args.businesses, url), allow_unicode=True))
    config = load_config(path, os.environ)
    engine = make_engine(config.database_url())
    init_schema(engine)
    sync_config(engine, config)
    now = datetime.now(UTC)
    sources = mark_crawled(engine, now - timedelta(hours=1))
    bulk_insert(engine, review_rows(sources, args.reviews, now, random.Random(7)))
    return config, engine


def _measure(client: TestClient, timed: Timed, path: str, n: int) -> tuple[float, float]:
    timed.samples.clear()
    for _ in range(n):
        assert client.get(path).status_code == 200, path
    return statistics.median(timed.samples), statistics.quantiles(timed.samples, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leumund-web-"))
    t0 = time.perf_counter()
    config, engine = _fill(args, workdir)
    backend = engine.url.get_backend_name()
    print(f"data: {args.reviews} reviews in {time.perf_counter() - t0:.0f} s ({backend})")
    ctx = WebContext(config, engine, make_mailer(config), Renderer(config.mail.sender))
    timed = Timed(create_app(ctx))
    with session_scope(engine) as session:
        token, _ = web_auth.start_session(
            session, "inhaber7@example.de", datetime.now(UTC), timedelta(hours=1)
        )
    with session_scope(engine) as session:
        business = business_by_name(session, "Betrieb 0007")
        assert business is not None
    pages = {
        "overview": f"/b/{business.id}",
        "list": f"/b/{business.id}/reviews?stars_max=2&handled=no&page=2",
        "search": f"/b/{business.id}/reviews?q=Personal+freundlich",
    }
    results = {}
    with TestClient(timed, cookies={SESSION_COOKIE: token}) as client:
        for name, path in pages.items():
            client.get(path)  # warm up
            results[name] = _measure(client, timed, path, args.requests)
            print(f"{name}: p50 {results[name][0]:.1f} ms, p95 {results[name][1]:.1f} ms")
    engine.dispose()
    print(" ".join(f"{name}_p95_ms={p95:.1f}" for name, (_, p95) in results.items()))


if __name__ == "__main__":
    main()
