"""The shared base spider: page budget, incremental stop and fetch errors live here once.

A platform spider only says where to start and how to read one page (`extract`); the base
yields its `ReviewData` items, stops at the first review already stored (when the platform
lists newest first) and follows the next page within the page budget.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from crawler.spec import CrawlSpec
from crawler.values import clamp_stars, on_scale
from storage.cleaning import clean_review
from storage.models import ReviewData
from storage.reviews import platform_key, raw_key

log = logging.getLogger(__name__)
fetch_log = logging.getLogger("crawler.fetch")
"""Pages that could not be fetched or read: the crawl's error repeats the last of them."""

INCREMENTAL_PAGE_FACTOR = 10
PAGE_PARSED = object()
"""Signal sent once per review page read, so the parent can count pages as they come."""


@dataclass
class Page:
    """What one page holds: its reviews, the request for the next page, and what this
    page's parse can see (a fallback parser may see no replies or no review links)."""

    reviews: list[ReviewData]
    next: Request | None = None
    sees_replies: bool = True
    sees_links: bool = True


def looks_like_json(response: Response) -> bool:
    kind = (response.headers.get(b"Content-Type") or b"").lower()
    return b"json" in kind or response.body.lstrip()[:1] in (b"{", b"[")


def dates_descending(reviews: list[ReviewData]) -> bool:
    """True when the page's dates never go up: the list may be newest first."""
    dates = [r.published_at for r in reviews if r.published_at is not None]
    return all(a >= b for a, b in itertools.pairwise(dates))


class ReviewSpider(scrapy.Spider):
    """Base of every platform spider; subclasses set `name` and implement `extract`."""

    name = "review"
    newest_first = True
    """The platform lists newest first (when `order: auto` and the dates agree)."""
    expects_json = False
    type_hint = "trustedshops"
    """The source type to suggest when the answer is of the other kind (JSON vs. HTML)."""

    def __init__(self, spec: CrawlSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.pages = 0
        self.reviews_found = 0
        self.fetch_error: str | None = None
        self.clamp_warned = False
        self.more_pages = False
        self.unordered = False
        self.dropped: list[str] = []
        self.received: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReviewSpider:
        spider = cls(*args, **kwargs)
        spider._set_crawler(crawler)
        crawler.signals.connect(spider.count_bytes, signal=signals.bytes_received)
        return spider

    def count_bytes(self, data: bytes, request: Request, **_: Any) -> None:
        """Bytes per URL: a streamed page cut off at DOWNLOAD_MAXSIZE says nothing else."""
        self.received[request.url] = self.received.get(request.url, 0) + len(data)

    async def start(self) -> AsyncIterator[Any]:
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[Request]:
        return [self.page_request(self.spec.url)]

    def page_request(self, url: str, **kwargs: Any) -> Request:
        return Request(url, callback=self.parse_page, errback=self.on_error, **kwargs)

    def extract(self, response: Response) -> Page:
        raise NotImplementedError

    def ordered(self) -> bool:
        """May the crawl stop at the first known review? Only for a newest-first list."""
        if self.spec.order == "any" or not self.newest_first:
            return False
        return self.spec.order == "newest_first" or not self.unordered

    def page_budget(self) -> int:
        """The first crawl is bounded by max_pages; later ones stop at known reviews. A list
        not sorted newest first is read to max_pages every time: a new review can be on
        any page, also behind a page of known ones."""
        if self.spec.known_ids and self.ordered():
            return self.spec.max_pages * INCREMENTAL_PAGE_FACTOR
        return self.spec.max_pages

    def parse_page(self, response: Response) -> Iterator[Any]:
        self.pages += 1
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(signal=PAGE_PARSED, url=response.url)
        page = self.read(response)
        if page is None:
            return
        self.reviews_found += len(page.reviews)
        self.check_order(page, response.url)
        reviews = [self.prepared(review, page) for review in page.reviews]
        yield from reviews
        if self.ordered() and any(self.is_known(review) for review in reviews):
            log.info("%s: stopping at a known review on %s", self.name, response.url)
            return
        if page.next is not None and self.pages < self.page_budget():
            yield page.next
        elif page.next is not None:
            self.more_pages = True  # try-source tells the operator

    def read(self, response: Response) -> Page | None:
        """The page's reviews, or None with the reason kept when it cannot be read."""
        if looks_like_json(response) != self.expects_json:
            got, wanted = (
                ("JSON", "an HTML page") if not self.expects_json else ("an HTML page", "JSON")
            )
            hint = f"; did you mean type {self.type_hint}?" if self.type_hint else ""
            self.fetch_error = f"{response.url} returned {got}, not {wanted}{hint}"
        else:
            try:
                return self.extract(response)
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                error = f"cannot read {response.url}: {type(exc).__name__}: {exc}"
                self.fetch_error = error[:300]
        fetch_log.warning("%s: %s", self.name, self.fetch_error)
        return None

    def check_order(self, page: Page, url: str) -> None:
        """With `order: auto`, dates that go up anywhere mark the list as unordered."""
        if self.spec.order != "auto" or self.unordered or not self.newest_first:
            return
        if not dates_descending(page.reviews):
            self.unordered = True
            log.info(
                "%s: reviews on %s are not newest first; reading up to %d pages"
                " (set `order: newest_first` to trust the site's order)",
                self.name, url, self.spec.max_pages,
            )  # fmt: skip

    def is_known(self, review: ReviewData) -> bool:
        known = self.spec.known_ids
        return platform_key(review) in known or raw_key(review) in known

    def prepared(self, review: ReviewData, page: Page) -> ReviewData:
        """Cleaned, on the source's scale, clamped, and marked with what the page sees."""
        review = clean_review(review)
        changes: dict[str, Any] = {}
        if self.spec.scale != "auto" and review.rating_raw is not None:
            changes["rating"], changes["rating_scale"] = on_scale(
                review.rating_raw, self.spec.scale
            )
        if not page.sees_replies:
            changes["sees_reply"] = False
        if not page.sees_links:
            changes["sees_link"] = False
        return self.clamped(dataclasses.replace(review, **changes) if changes else review)

    def clamped(self, review: ReviewData) -> ReviewData:
        """Ratings outside 0–5 are clamped, with one warning per crawl."""
        rating = clamp_stars(review.rating)
        if rating == review.rating:
            return review
        if not self.clamp_warned:
            self.clamp_warned = True
            log.warning(
                "%s: rating %s (raw %s on scale %s) outside 0-5, stored as %s; the site may"
                " use a scale it does not declare (bestRating) — %s",
                self.name,
                f"{review.rating:g}",
                review.rating_raw,
                review.rating_scale,
                rating,
                review.url or self.spec.url,
            )
        return dataclasses.replace(review, rating=rating)

    def too_large(self, failure: Failure) -> bool:
        """Cancelled for its size: announced too large, or cut off once past the limit."""
        if not isinstance(failure.value, DownloadCancelledError):
            return False
        limit = self.spec.settings.max_page_mb * 1024 * 1024
        request = getattr(failure, "request", None)
        received = self.received.get(request.url, 0) if request is not None else 0
        return "max size" in str(failure.value) or received > limit

    def on_error(self, failure: Failure) -> None:
        """A lost page fails the crawl, except a later page robots.txt forbids (the end) and
        a page over `max_page_mb`, which is dropped and named in the crawl record."""
        error = describe_failure(failure)
        if self.too_large(failure):
            limit = f"{self.spec.settings.max_page_mb:g} MB limit (crawler.max_page_mb)"
            url = getattr(getattr(failure, "request", None), "url", self.spec.url)
            error = f"page larger than the {limit}, dropped: {url}"
            self.dropped.append(error)
            fetch_log.warning("%s: %s", self.name, error)
            if self.pages == 0:
                self.fetch_error = error
            return
        if self.pages > 0 and error.startswith("blocked by robots.txt"):
            log.info("%s: not following %s", self.name, error)
            return
        self.fetch_error = error
        fetch_log.warning("%s: %s", self.name, self.fetch_error)


def describe_failure(failure: Failure) -> str:
    """One line for the operator: what went wrong with which URL."""
    request = getattr(failure, "request", None)
    url = request.url if request is not None else "?"
    value = failure.value
    if isinstance(value, HttpError):
        response = value.response
        return f"HTTP {response.status} from {response.url}{_api_message(response)}"
    if isinstance(value, IgnoreRequest):
        why = "blocked by robots.txt" if "robots.txt" in str(value) else f"ignored ({value})"
        return f"{why}: {url}"
    if isinstance(value, TxTimeoutError | TimeoutError | DownloadTimeoutError):
        return f"timed out fetching {url}"
    if isinstance(value, DownloadConnectionRefusedError):
        return f"connection refused fetching {url}"
    if isinstance(value, CannotResolveHostError):
        return f"cannot resolve the host name of {url}"
    return f"{type(value).__name__} fetching {url}: {value}"


def _api_message(response: Response) -> str:
    """Google-style APIs explain errors in `error.message`; show it when present."""
    try:
        data = json.loads(response.body) if response.body.lstrip().startswith(b"{") else None
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(error, str) and isinstance(data, dict):
        message = f"{error} {data.get('error_description') or ''}".strip()
    if isinstance(message, str) and message:
        return f": {message[:200]}"
    return ""
