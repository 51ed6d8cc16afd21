"""Spiders used only by tests; the spawned crawl child imports them from here."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.base import Page, ReviewSpider
from crawler.platforms.jsonld import reviews_from_html


class BurstSpider(ReviewSpider):
    """Asks for many pages at once (comma-separated URLs), so only settings keep order."""

    name = "burst"

    def first_requests(self) -> Iterable[Request]:
        return [self.page_request(url) for url in self.spec.url.split(",")]

    def extract(self, response: Response) -> Page:
        return Page(reviews_from_html(response.text, response.url))


class CrashingSpider(ReviewSpider):
    """Dies hard on the first page, like a segfault in a parser would."""

    name = "crash"

    def extract(self, response: Response) -> Any:
        os._exit(3)
