"""The shared base spider: page budget, incremental stop and fetch errors live here once.

A platform spider only says where to start and how to read one page (`extract`); the base
yields its `ReviewData` items, stops at the first review already stored (when the platform
lists newest first) and follows the next page within the page budget.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from crawler.spec import CrawlSpec
from crawler.values import clamp_stars
from storage.models import ReviewData
from storage.reviews import platform_key

log = logging.getLogger(__name__)
fetch_log = logging.getLogger("crawler.fetch")
"""Pages that could not be fetched or read: the crawl's error repeats the last of them."""

INCREMENTAL_PAGE_FACTOR = 10
PAGE_PARSED = object()
"""Signal sent once per review page read, so the parent can count pages as they come."""


@dataclass
class Page:
    """What one page holds: its reviews, newest first, and the request for the next page."""

    reviews: list[ReviewData]
    next: Request | None = None


class ReviewSpider(scrapy.Spider):
    """Base of every platform spider; subclasses set `name` and implement `extract`."""

    name = "review"
    newest_first = True

    def __init__(self, spec: CrawlSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.pages = 0
        self.reviews_found = 0
        self.fetch_error: str | None = None
        self.clamp_warned = False
        self.more_pages = False

    async def start(self) -> AsyncIterator[Any]:
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[Request]:
        return [self.page_request(self.spec.url)]

    def page_request(self, url: str, **kwargs: Any) -> Request:
        return Request(url, callback=self.parse_page, errback=self.on_error, **kwargs)

    def extract(self, response: Response) -> Page:
        raise NotImplementedError

    def page_budget(self) -> int:
        """The first crawl is bounded by max_pages; later ones stop at known reviews."""
        if self.spec.known_ids:
            return self.spec.max_pages * INCREMENTAL_PAGE_FACTOR
        return self.spec.max_pages

    def parse_page(self, response: Response) -> Iterator[Any]:
        self.pages += 1
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(signal=PAGE_PARSED, url=response.url)
        try:
            page = self.extract(response)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.fetch_error = f"cannot read {response.url}: {type(exc).__name__}: {exc}"[:300]
            fetch_log.warning("%s: %s", self.name, self.fetch_error)
            return
        self.reviews_found += len(page.reviews)
        reached_known = False
        for review in page.reviews:
            reached_known |= platform_key(review) in self.spec.known_ids
            yield self.clamped(review)
        if reached_known and self.newest_first:
            log.info("%s: stopping at a known review on %s", self.name, response.url)
            return
        if page.next is not None and self.pages < self.page_budget():
            yield page.next
        elif page.next is not None:
            self.more_pages = True  # try-source tells the operator

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

    def on_error(self, failure: Failure) -> None:
        """A lost page fails the crawl, except a later page robots.txt forbids: the end."""
        error = describe_failure(failure)
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
