"""Whole crawls in a child process against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest import MonkeyPatch

from crawler.demo.site import DemoSite
from crawler.middleware import retry_after_seconds
from crawler.runner import run_crawl
from crawler.scrapy_settings import scrapy_settings
from crawler.settings import CrawlerSettings
from crawler.spec import CrawlSpec
from storage.models import CrawlStatus
from tests.crawl_spiders import BurstSpider, CrashingSpider
from tests.google_fake import GoogleFake, gbp_review
from tests.httpserver import Hit, LocalServer, Reply
from tests.waiting import wait_for

FAST = CrawlerSettings(
    contact_url="https://example.test/kontakt",
    download_delay=0,
    download_timeout=5,
    retry_times=2,
    crawl_timeout=30,
)
TP_PATH = "/review/baeckerei-beispiel.de"


def spec(kind: str, url: str, **kw: Any) -> CrawlSpec:
    return CrawlSpec(type=kind, url=url, settings=kw.pop("settings", FAST), **kw)


@pytest.mark.slow
def test_trustpilot_follows_pages_newest_first_politely(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    DemoSite(tmp_path)
    settings = FAST.model_copy(update={"download_delay": 0.6})
    with LocalServer(tmp_path) as server:
        result = run_crawl(spec("trustpilot", server.url(TP_PATH), settings=settings))
    assert (result.status, result.pages, result.error) == (CrawlStatus.OK, 2, None)
    assert len(result.items) == 12
    dates = [r.published_at for r in result.items]
    assert dates == sorted(dates, reverse=True)
    assert server.paths() == [
        "/robots.txt",
        f"{TP_PATH}?sort=recency",
        f"{TP_PATH}?sort=recency&page=2",
    ]
    gaps = [b.started - a.ended for a, b in pairwise(server.hits)]
    assert min(gaps) >= 0.3  # download_delay 0.6 s ± 50 % jitter
    agent = server.hits[1].headers["user-agent"]
    assert agent.startswith("Leumund/") and agent.endswith("(+https://example.test/kontakt)")
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.slow
def test_first_crawl_bounded_and_incremental_stops_at_known(tmp_path: Path) -> None:
    site = DemoSite(tmp_path)
    newest = sorted(site.reviews, key=lambda r: r.published, reverse=True)
    with LocalServer(tmp_path) as server:
        bounded = run_crawl(spec("trustpilot", server.url(TP_PATH), max_pages=1))
        known = frozenset({newest[3].id})
        incremental = run_crawl(spec("trustpilot", server.url(TP_PATH), known_ids=known))
    assert (len(bounded.items), bounded.pages) == (6, 1)
    assert (len(incremental.items), incremental.pages) == (6, 1)
    assert (bounded.more_pages, incremental.more_pages) == (True, False)  # stopped at known
    assert not any("page=2" in p for p in server.paths())


@pytest.mark.slow
def test_schema_org_pagination_by_css_selector(tmp_path: Path) -> None:
    DemoSite(tmp_path)
    with LocalServer(tmp_path) as server:
        result = run_crawl(spec("schema_org", server.url("/bewertungen/"), next_page="a.next"))
    assert (result.status, result.pages, len(result.items)) == (CrawlStatus.OK, 2, 12)
    assert "/bewertungen/seite-2.html" in server.paths()
    assert sum(r.reply is not None for r in result.items) == 5


@pytest.mark.slow
def test_robots_txt_disallowed_path_is_never_fetched(tmp_path: Path) -> None:
    DemoSite(tmp_path)
    with LocalServer(tmp_path) as server:
        server.robots("User-agent: Leumund\nDisallow: /bewertungen/\n\nUser-agent: *\nAllow: /\n")
        result = run_crawl(spec("schema_org", server.url("/bewertungen/")))
    assert result.status is CrawlStatus.FAILED
    assert result.error == f"blocked by robots.txt: {server.url('/bewertungen/')}"
    assert server.paths() == ["/robots.txt"]


@pytest.mark.slow
def test_robots_txt_stops_pagination_into_a_disallowed_path(tmp_path: Path) -> None:
    DemoSite(tmp_path)
    with LocalServer(tmp_path) as server:
        server.robots("User-agent: *\nDisallow: /bewertungen/seite-\n")
        result = run_crawl(spec("schema_org", server.url("/bewertungen/"), next_page="a.next"))
    assert (result.status, result.pages, len(result.items)) == (CrawlStatus.OK, 1, 6)
    assert not any("seite-" in path for path in server.paths())


@pytest.mark.slow
def test_429_with_retry_after_then_success(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crawler.middleware")
    DemoSite(tmp_path)
    page = (tmp_path / "bewertungen/index.html").read_bytes()
    with LocalServer(tmp_path) as server:
        server.script(
            "/bewertungen/",
            Reply(429, "slow down", headers={"Retry-After": "2"}),
            Reply(body=page),
        )
        result = run_crawl(spec("schema_org", server.url("/bewertungen/")))
    assert (result.status, result.http_errors, len(result.items)) == (CrawlStatus.OK, 1, 6)
    tries = [h for h in server.hits if h.path == "/bewertungen/"]
    assert len(tries) == 2
    assert tries[1].started - tries[0].ended >= 1.9  # Retry-After honoured
    waits = [r for r in caplog.records if r.name == "crawler.middleware"]  # from the child
    assert [r.getMessage() for r in waits] == [
        f"HTTP 429 from {server.url('/bewertungen/')}; retrying in 2.0 s"
    ]


@pytest.mark.slow
def test_persistent_503_gives_up_with_reason(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        server.script("/bewertungen/", Reply(503, "maintenance"))
        settings = FAST.model_copy(update={"retry_times": 1})
        result = run_crawl(spec("schema_org", server.url("/bewertungen/"), settings=settings))
    assert result.status is CrawlStatus.FAILED
    assert result.error == f"HTTP 503 from {server.url('/bewertungen/')}"
    assert result.http_errors == 2
    tries = [h for h in server.hits if h.path == "/bewertungen/"]
    assert tries[1].started - tries[0].ended >= 0.9  # backoff, not an immediate retry


@pytest.mark.slow
def test_request_timeout_is_retried_then_reported(tmp_path: Path) -> None:
    settings = FAST.model_copy(update={"download_timeout": 1, "retry_times": 1})
    with LocalServer(tmp_path) as server:
        server.script("/langsam", Reply(hang=True))
        result = run_crawl(spec("schema_org", server.url("/langsam"), settings=settings))
    assert result.status is CrawlStatus.FAILED
    assert result.error == f"timed out fetching {server.url('/langsam')}"
    assert server.paths().count("/langsam") == 2
    assert result.http_errors == 2


@pytest.mark.slow
def test_child_that_dies_is_a_failed_crawl(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    DemoSite(tmp_path)
    marker = tmp_path / "main-imported"
    script = tmp_path / "heavy_main.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    fake_main = ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    with LocalServer(tmp_path) as server:
        result = run_crawl(spec("crash", server.url("/bewertungen/")), spider_cls=CrashingSpider)
    assert result.status is CrawlStatus.FAILED
    assert result.error == "crawler process ended without a result (exit code 3)"
    assert not marker.exists()  # the child did not re-run the parent's main module
    assert sys.modules["__main__"] is fake_main and fake_main.__file__ == str(script)


BROKEN = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Bakery", "name": "Bäckerei Beispiel",
 "review": [{"@type": "Review", "@id": "r-1", "author": {"@type": "Person", "name": "Ute"},
   "reviewBody": "Super Brot,
aber teuer.", "datePublished": "2026-11-01",
   "reviewRating": {"@type": "Rating", "ratingValue": "4", "bestRating": "5"},},]}
</script></head><body></body></html>"""


@pytest.mark.slow
def test_broken_jsonld_still_yields_the_review(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        server.script("/shop", Reply(body=BROKEN))
        result = run_crawl(spec("schema_org", server.url("/shop")))
    assert result.status is CrawlStatus.OK
    (review,) = result.items
    assert (review.platform_id, review.author, review.rating) == ("r-1", "Ute", 4.0)
    assert review.text == "Super Brot,\naber teuer."


@pytest.mark.slow
def test_changed_page_structure_fails_when_reviews_were_seen(tmp_path: Path) -> None:
    relaunch = "<html><body><div class='new-widget'>Bewertungen laden…</div></body></html>"
    with LocalServer(tmp_path) as server:
        server.script(TP_PATH, Reply(body=relaunch))
        seen_before = run_crawl(spec("trustpilot", server.url(TP_PATH), expect_reviews=True))
        never_seen = run_crawl(spec("trustpilot", server.url(TP_PATH)))
    assert seen_before.status is CrawlStatus.FAILED
    assert seen_before.error == f"page structure changed? 0 reviews found on {server.url(TP_PATH)}"
    assert (never_seen.status, never_seen.items) == (CrawlStatus.OK, [])


@pytest.mark.slow
def test_one_request_at_a_time_per_site(tmp_path: Path) -> None:
    DemoSite(tmp_path)
    with LocalServer(tmp_path, delay=0.4) as server:
        urls = [server.url(f"/bewertungen/?n={i}") for i in range(3)]
        other = [u.replace("127.0.0.1", "localhost") for u in urls]
        result = run_crawl(spec("burst", ",".join(urls)), spider_cls=BurstSpider)
        single_site_peak = server.max_in_flight
        server.max_in_flight = 0
        two_sites = run_crawl(spec("burst", ",".join(urls + other)), spider_cls=BurstSpider)
        two_site_peak = server.max_in_flight
    assert (result.status, result.pages, two_sites.pages) == (CrawlStatus.OK, 3, 6)
    assert single_site_peak == 1
    assert two_site_peak >= 2  # the server can see overlap: the limit is per site


PARENT = """
import sys, threading, time
from crawler.runner import run_crawl, running_crawls
from crawler.settings import CrawlerSettings
from crawler.spec import CrawlSpec
settings = CrawlerSettings(contact_url="https://example.test/k", download_delay=0,
                           download_timeout=60, retry_times=0, crawl_timeout=120)
threading.Thread(target=run_crawl, args=(CrawlSpec("schema_org", sys.argv[1], settings),)).start()
while not running_crawls():
    time.sleep(0.02)
print(running_crawls()[0].pid, flush=True)
"""


def _gone(pid: int) -> bool:
    """No such process, or a zombie nobody reaps: it runs no more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.slow
def test_crawl_child_dies_with_its_killed_parent(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        server.script("/langsam", Reply(hang=True))
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, server.url("/langsam")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        try:
            wait_for(lambda: "/langsam" in server.paths(), "the child's request")
            os.kill(parent.pid, signal.SIGKILL)  # the parent only, not its group
            parent.wait(timeout=60)
            # the child would live on for its 120 s crawl timeout if it ignored its parent
            wait_for(lambda: _gone(child), "the child to die with its parent", timeout=60)
        finally:
            parent.stdout.close()
            if not _gone(child):
                os.kill(child, signal.SIGKILL)


UNDECLARED_SCALE = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Restaurant", "review": [
 {"@type": "Review", "@id": "a", "reviewBody": "Gut", "datePublished": "2026-11-02",
  "reviewRating": {"@type": "Rating", "ratingValue": "8"}},
 {"@type": "Review", "@id": "b", "reviewBody": "Top", "datePublished": "2026-11-01",
  "reviewRating": {"@type": "Rating", "ratingValue": "10"}},
 {"@type": "Review", "@id": "c", "reviewBody": "Na ja", "datePublished": "2026-10-30",
  "reviewRating": {"@type": "Rating", "ratingValue": "-1"}}]}
</script></head><body></body></html>"""


@pytest.mark.slow
def test_ratings_outside_0_to_5_are_clamped_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalServer(tmp_path) as server:
        server.script("/shop", Reply(body=UNDECLARED_SCALE))
        result = run_crawl(spec("schema_org", server.url("/shop")))
    assert result.status is CrawlStatus.OK
    assert [(r.rating, r.rating_raw) for r in result.items] == [
        (5.0, 8.0),
        (5.0, 10.0),
        (0.0, -1.0),
    ]
    warnings = [r.getMessage() for r in caplog.records if r.name == "crawler.base"]
    assert warnings == [
        "schema_org: rating 8 (raw 8.0 on scale 1-5) outside 0-5, stored as 5.0; the site may"
        f" use a scale it does not declare (bestRating) — {server.url('/shop')}"
    ]


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body), content_type="application/json; charset=UTF-8")


@pytest.mark.slow
def test_business_profile_token_then_all_pages(tmp_path: Path) -> None:
    pages = {
        "": {
            "reviews": [gbp_review(1, "ONE", reply=True), gbp_review(2, "FIVE")],
            "averageRating": 3.3,
            "totalReviewCount": 3,
            "nextPageToken": "p2",
        },
        "p2": {"reviews": [gbp_review(3, "FOUR")], "averageRating": 3.3, "totalReviewCount": 3},
    }
    secrets = {"client_id": "cid", "client_secret": "cs", "refresh_token": "rt"}
    with LocalServer(tmp_path) as server:
        GoogleFake(server, pages)
        base = server.base_url
        kw = {"location": "accounts/1/locations/2", "api_base": base, "token_url": f"{base}/token"}
        result = run_crawl(spec("google_business_profile", "", secrets=secrets, **kw))
        wrong = run_crawl(
            spec("google_business_profile", "", secrets={**secrets, "client_id": "x"}, **kw)
        )
    assert (result.status, result.pages) == (CrawlStatus.OK, 2)
    assert [(r.platform_id, r.rating) for r in result.items] == [
        ("rev1", 1.0),
        ("rev2", 5.0),
        ("rev3", 4.0),
    ]
    assert result.items[0].reply == "Danke!"
    review_hits = [h for h in server.hits if h.path.startswith("/v4/")]
    assert [parse_qs(urlsplit(h.path).query).get("pageSize") for h in review_hits] == [["50"]] * 2
    assert "pageToken=p2" in review_hits[1].path
    assert wrong.status is CrawlStatus.FAILED
    assert wrong.error == f"HTTP 400 from {base}/token: invalid_grant Bad Request"


@pytest.mark.slow
def test_google_places_field_mask_and_key(tmp_path: Path) -> None:
    place = {
        "id": "ChIJtest",
        "displayName": {"text": "Bäckerei Beispiel", "languageCode": "de"},
        "rating": 4.5,
        "userRatingCount": 87,
        "reviews": [
            {
                "name": "places/ChIJtest/reviews/AAA",
                "rating": 5,
                "relativePublishTimeDescription": "vor einer Woche",
                "text": {"text": "Lecker!", "languageCode": "de"},
                "originalText": {"text": "Lecker!", "languageCode": "de"},
                "authorAttribution": {"displayName": "Mia"},
                "publishTime": "2026-11-15T08:00:00.942473320Z",
            }
        ],
    }

    def details(hit: Hit) -> Reply:
        mask = hit.headers.get("x-goog-fieldmask", "")
        if hit.headers.get("x-goog-api-key") != "k" or "reviews" not in mask.split(","):
            return _json(400, {"error": {"code": 400, "message": "bad key or mask"}})
        return _json(200, place)

    with LocalServer(tmp_path) as server:
        server.handle("/places/ChIJtest", details)
        result = run_crawl(
            spec(
                "google_places",
                "",
                place_id="ChIJtest",
                api_base=server.base_url,
                secrets={"api_key": "k"},
            )
        )
    assert result.status is CrawlStatus.OK
    (review,) = result.items
    assert (review.platform_id, review.author, review.text) == ("AAA", "Mia", "Lecker!")
    assert "languageCode=de" in server.hits[-1].path


@pytest.mark.slow
def test_real_trustpilot_page_crawled_whole(shared_dir: Path) -> None:
    with LocalServer(shared_dir / "fixtures/trustpilot") as server:
        result = run_crawl(spec("trustpilot", server.url("/eventnet_de_page1.html")))
    assert (result.status, result.pages, len(result.items)) == (CrawlStatus.OK, 1, 20)
    assert sum(r.reply is not None for r in result.items) == 4


@pytest.mark.slow
def test_real_trustedshops_api_response(shared_dir: Path) -> None:
    with LocalServer(shared_dir / "fixtures/trustedshops") as server:
        result = run_crawl(spec("trustedshops", server.url("/productReviews.json")))
    assert (result.status, len(result.items)) == (CrawlStatus.OK, 36)


def test_politeness_is_set_explicitly() -> None:
    values = scrapy_settings(CrawlerSettings(contact_url="https://x.test/about"))
    assert values["ROBOTSTXT_OBEY"] is True
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert values["DOWNLOAD_DELAY"] == 2.0 and values["AUTOTHROTTLE_ENABLED"] is True
    assert values["USER_AGENT"].endswith("(+https://x.test/about)")
    assert 429 in values["RETRY_HTTP_CODES"] and 503 in values["RETRY_HTTP_CODES"]
    assert values["CLOSESPIDER_TIMEOUT"] < 600 and values["DOWNLOAD_TIMEOUT"] == 30.0


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds(b"soon") is None


@pytest.mark.slow
def test_google_places_real_responses_through_the_fake_api(shared_dir: Path) -> None:
    files = {p.stem: p.read_bytes() for p in (shared_dir / "fixtures/google/places_new").iterdir()}

    def details(hit: Hit) -> Reply:
        place = urlsplit(hit.path).path.rsplit("/", 1)[1]
        return Reply(body=files[place], content_type="application/json")

    with LocalServer(shared_dir) as server:
        for name in files:
            server.handle(f"/places/{name}", details)
        results = {
            name: run_crawl(spec("google_places", "", place_id=name, api_base=server.base_url))
            for name in sorted(files)[:1]
        }
    for name, result in results.items():
        expected = json.loads(files[name])["reviews"]
        assert result.status is CrawlStatus.OK
        assert [r.platform_id for r in result.items] == [
            e["name"].rsplit("/", 1)[1] for e in expected
        ]


@pytest.mark.slow
def test_unreadable_api_answer_is_a_failed_crawl(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        truncated = Reply(
            body='{"response": {"data": {"shop": {"reviews": [', content_type="application/json"
        )
        server.script("/api/reviews.json", truncated)
        result = run_crawl(spec("trustedshops", server.url("/api/reviews.json")))
    assert result.status is CrawlStatus.FAILED
    assert result.error is not None
    assert result.error.startswith(
        f"cannot read {server.url('/api/reviews.json')}: JSONDecodeError"
    )
