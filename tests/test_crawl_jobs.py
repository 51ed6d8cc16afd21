"""crawl_source end to end: child-process crawl of a local server into a real database."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crawler import runner
from crawler.demo.site import SCHEMA_DIR, TRUSTPILOT_DIR, DemoSite
from crawler.runner import running_crawls, stop_running_crawls
from leumund.cli import main
from leumund.config import Config
from leumund.jobs.crawl import INTERRUPTED, crawl_all, crawl_source, crawl_spec
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Review, Source, utcnow
from storage.registry import BusinessSpec, SourceSpec, get_source, sync_businesses
from tests.httpserver import LocalServer, Reply
from tests.waiting import wait_for

PAGE_2 = f"/{TRUSTPILOT_DIR}?sort=recency&page=2"
CRAWLER = {"download_delay": 0, "download_timeout": 5, "retry_times": 1, "crawl_timeout": 30}


def make_config(base_url: str, tmp_path: Path, **crawler: Any) -> Config:
    return Config.model_validate(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'test.db'}"},
            "crawler": {**CRAWLER, **crawler},
            "businesses": [
                {
                    "name": "Bäckerei Beispiel",
                    "owner_emails": ["inhaber@baeckerei-beispiel.de"],
                    "sources": [
                        {"name": "tp", "type": "trustpilot", "url": f"{base_url}/{TRUSTPILOT_DIR}"},
                        {
                            "name": "web",
                            "type": "schema_org",
                            "url": f"{base_url}/{SCHEMA_DIR}/",
                            "next_page": "a.next",
                        },
                    ],
                }
            ],
        }
    ).bind(tmp_path, {})


def crawl(engine: Engine, config: Config, source: str = "tp") -> CrawlRun:
    business = config.businesses[0]
    chosen = next(s for s in business.sources if s.name == source)
    return crawl_source(engine, config, business, chosen)


def reviews(engine: Engine) -> list[Review]:
    with Session(engine) as s:
        return list(s.exec(select(Review).order_by(col(Review.published_at).desc())))


@pytest.mark.slow
def test_first_then_duplicate_then_new_then_edited(engine: Engine, tmp_path: Path) -> None:
    site = DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        config = make_config(server.base_url, tmp_path)
        first = crawl(engine, config)
        again = crawl(engine, config)
        added = site.add_review(author="Rolf", rating=1, title="Schimmel", text="Brot schimmlig.")
        third = crawl(engine, config)
        site.replace_review(replace(added, rating=3, text="Brot war doch nur mehlig."))
        edited = crawl(engine, config)
    assert (first.status, first.pages, first.reviews_new) == ("ok", 2, 12)
    assert (again.status, again.pages, again.reviews_new, again.reviews_updated) == ("ok", 1, 0, 0)
    assert (third.reviews_new, third.reviews_updated) == (1, 0)
    assert (edited.reviews_new, edited.reviews_updated) == (0, 1)
    stored = reviews(engine)
    assert len(stored) == 13
    newest = stored[0]
    assert (newest.platform_id, newest.rating, newest.version) == (added.id, 3.0, 2)
    assert newest.backlog is False and all(r.backlog for r in stored[1:])
    with Session(engine) as s:
        source = get_source(s, "Bäckerei Beispiel", "tp")
    assert source is not None and source.reviews_seen_ever > 0 and source.last_error is None


@pytest.mark.slow
def test_structure_change_after_success_is_a_failed_run(engine: Engine, tmp_path: Path) -> None:
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        config = make_config(server.base_url, tmp_path)
        assert crawl(engine, config, "web").status == "ok"
        server.script(f"/{SCHEMA_DIR}/", Reply(body="<html><body>Neu!</body></html>"))
        broken = crawl(engine, config, "web")
    url = f"{server.base_url}/{SCHEMA_DIR}/"
    assert broken.status == CrawlStatus.FAILED.value
    assert broken.error == f"page structure changed? 0 reviews found on {url}"
    with Session(engine) as s:
        source = get_source(s, "Bäckerei Beispiel", "web")
    assert source is not None
    assert (source.consecutive_failures, source.last_error) == (1, broken.error)


class _HeldClock:
    """`time.monotonic` for the crawl runner: it stands still until the crawl provably hangs
    (page 2 requested, page 1's six reviews received), then leaps past the hard deadline.

    So the parent's kill comes after those events, however slowly a busy machine runs the
    child; with a real 7 s limit a child that started slowly got 0 pages in time.
    """

    def __init__(self, hanging: Callable[[], bool]) -> None:
        self.hanging = hanging
        self.progress: list[runner._Progress] = []
        self.start = time.monotonic()

    def monotonic(self) -> float:
        received = bool(self.progress) and len(self.progress[-1].items) >= 6
        return self.start + (10_000 if received and self.hanging() else 0)

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        clock = self

        class Watched(runner._Progress):
            def __init__(self) -> None:
                super().__init__()
                clock.progress.append(self)

        monkeypatch.setattr(runner, "_Progress", Watched)
        monkeypatch.setattr(runner, "time", SimpleNamespace(monotonic=self.monotonic))


@pytest.mark.slow
def test_hang_keeps_reviews_received_and_closes_stale_runs(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        server.script(PAGE_2, Reply(hang=True))
        # crawl_timeout so long that the spider never closes itself (at 0.9 × the limit):
        # the hard kill comes from the held clock, once the crawl hangs
        config = make_config(server.base_url, tmp_path, download_timeout=900, crawl_timeout=600)
        with session_scope(engine) as s:  # a run whose process was killed long ago
            source = _synced_source(s, config)
            s.add(CrawlRun(source_id=source, started_at=utcnow() - timedelta(hours=2)))
        _HeldClock(lambda: PAGE_2 in server.paths()).watch(monkeypatch)
        run = crawl(engine, config)
    assert run.status == CrawlStatus.TIMEOUT.value
    assert run.error == "crawl did not finish within 600 s; child process stopped"
    assert (run.reviews_new, run.pages) == (6, 1)  # page 1 came before the hang: stored
    assert len(reviews(engine)) == 6
    with Session(engine) as s:
        runs = list(s.exec(select(CrawlRun).order_by(col(CrawlRun.id))))
    assert [r.status for r in runs] == ["failed", "timeout"]
    assert runs[0].error == INTERRUPTED and runs[0].finished_at is not None


def _source_row(engine: Engine, name: str = "tp") -> Source:
    with Session(engine) as s:
        source = get_source(s, "Bäckerei Beispiel", name)
    assert source is not None
    return source


@pytest.mark.slow
def test_failed_later_page_is_not_a_success_and_next_crawl_goes_past_it(
    engine: Engine, tmp_path: Path
) -> None:
    site = DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        config = make_config(server.base_url, tmp_path)
        assert crawl(engine, config).reviews_new == 12
        succeeded_at = _source_row(engine).last_success_at
        for n in range(10):  # the 4 oldest of them, all 1 star, end up on page 2
            site.add_review(author=f"Gast {n}", rating=1 if n < 4 else 5, title="", text=f"#{n}")
        server.script(PAGE_2, Reply(503, "Wartung", headers={"Retry-After": "0"}))
        broken = crawl(engine, config)
        after_broken = _source_row(engine)
        server.routes.clear()
        recovered = crawl(engine, config)
    assert (broken.status, broken.pages, broken.reviews_new) == ("failed", 1, 6)
    assert broken.error == f"HTTP 503 from {server.url(PAGE_2)}"
    assert after_broken.last_success_at == succeeded_at
    assert (recovered.status, recovered.pages, recovered.reviews_new) == ("ok", 2, 4)
    stored = reviews(engine)
    assert len(stored) == 22
    assert sum(1 for r in stored if r.author.startswith("Gast") and r.rating == 1.0) == 4


@pytest.mark.slow
def test_shutdown_mid_crawl_stores_reviews_but_is_not_a_success(
    engine: Engine, tmp_path: Path
) -> None:
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        server.script(PAGE_2, Reply(hang=True))
        config = make_config(server.base_url, tmp_path, download_timeout=2)
        runs: list[CrawlRun] = []
        worker = threading.Thread(target=lambda: runs.append(crawl(engine, config)))
        worker.start()
        wait_for(lambda: PAGE_2 in server.paths(), "page 2 to be requested")
        assert stop_running_crawls(grace=10) == 1
        worker.join(timeout=20)
        server.routes.clear()
        again = crawl(engine, config)
    (stopped,) = runs
    assert (stopped.status, stopped.pages, stopped.reviews_new) == ("failed", 1, 6)
    assert stopped.error == "interrupted (shutdown) after 1 pages"
    assert (again.status, again.pages, again.reviews_new) == ("ok", 2, 6)
    assert len(reviews(engine)) == 12 and running_crawls() == []


def _synced_source(session: Session, config: Config) -> int:
    business = config.businesses[0]
    specs = tuple(SourceSpec(s.name, s.type, s.url, s.enabled) for s in business.sources)
    sync_businesses(session, [BusinessSpec(business.name, business.timezone, "de", specs)])
    source = get_source(session, business.name, "tp")
    assert source is not None and source.id is not None
    return source.id


@pytest.mark.slow
def test_crawl_all_unknown_business_crawls_nothing(engine: Engine, tmp_path: Path) -> None:
    config = make_config("http://127.0.0.1:9", tmp_path)
    assert crawl_all(engine, config, "Unbekannt") == []
    assert crawl_all(engine, config, None, "kein-solcher-name") == []


def _write_config(tmp_path: Path, base_url: str, **crawler: Any) -> Path:
    config = make_config(base_url, tmp_path, **crawler)
    data = config.model_dump(mode="json", exclude_defaults=True)
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


@pytest.mark.slow
def test_try_source_json_keys_and_crawl_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    DemoSite(tmp_path / "site")
    with LocalServer(tmp_path / "site") as server:
        path = _write_config(tmp_path, server.base_url)
        url = f"{server.base_url}/{TRUSTPILOT_DIR}"
        args = ["try-source", "--type", "trustpilot", "--url", url, "--json", "-c", str(path)]
        assert main(args) == 0
        lines = capsys.readouterr().out.splitlines()
        assert main(["crawl", "--source", "web", "-c", str(path)]) == 0
        crawled = capsys.readouterr().out
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 6  # --max-pages defaults to 1
    assert list(rows[0]) == [
        "platform_id", "author", "rating", "rating_raw", "rating_scale", "title", "text",
        "language", "published_at", "reply", "url",
    ]  # fmt: skip
    assert rows[0]["published_at"].endswith("+00:00")
    assert crawled.startswith("Bäckerei Beispiel / web: ok, 2 pages, 12 new, 0 updated")


@pytest.mark.slow
def test_try_source_unreachable_is_one_line_and_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalServer(tmp_path) as server:
        server.script("/shop", Reply(404, "weg"))
        path = _write_config(tmp_path, server.base_url)
        code = main(["try-source", "--type", "schema_org", "--url", server.url("/shop"),
                     "-c", str(path)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1] == f"leumund: try-source: HTTP 404 from {server.url('/shop')}"
    assert err == [f"leumund: try-source: HTTP 404 from {server.url('/shop')}"]


@pytest.mark.slow
def test_try_source_refused_connection_is_exactly_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/shop"
    path = _write_config(tmp_path, "http://127.0.0.1:9", retry_times=0)
    code = main(["try-source", "--type", "schema_org", "--url", url, "-c", str(path)])
    assert code == 1
    assert capsys.readouterr().err == f"leumund: try-source: connection refused fetching {url}\n"


def test_crawl_spec_resolves_secrets_and_google_api_base(tmp_path: Path) -> None:
    config = Config.model_validate(
        {
            "crawler": {"max_pages": 4},
            "businesses": [
                {
                    "name": "Praxis",
                    "owner_emails": ["praxis@example.de"],
                    "sources": [
                        {
                            "name": "gbp",
                            "type": "google_business_profile",
                            "url": "http://127.0.0.1:8080/",
                            "location": "accounts/1/locations/2",
                            "client_id_env": "T_CID",
                            "client_secret_env": "T_CS",
                            "refresh_token_env": "T_RT",
                        },
                        {
                            "name": "tp",
                            "type": "trustpilot",
                            "url": "https://x.test/r",
                            "max_pages": 2,
                        },
                    ],
                }
            ],
        }
    ).bind(
        tmp_path, {"T_CID": SecretStr("cid"), "T_CS": SecretStr("geheim"), "T_RT": SecretStr("rt")}
    )
    gbp, tp = config.businesses[0].sources
    spec = crawl_spec(config, gbp, frozenset({"a"}), expect_reviews=True)
    assert spec.secrets == {"client_id": "cid", "client_secret": "geheim", "refresh_token": "rt"}
    assert (spec.api_base, spec.token_url) == (
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/token",
    )
    assert (spec.max_pages, spec.known_ids, spec.expect_reviews) == (4, frozenset({"a"}), True)
    assert "geheim" not in repr(spec)
    plain = crawl_spec(config, tp)
    assert (plain.max_pages, plain.api_base, plain.token_url) == (2, None, None)
