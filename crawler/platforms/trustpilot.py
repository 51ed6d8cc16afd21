"""Trustpilot public review pages: `__NEXT_DATA__` first, the page's JSON-LD as fallback.

`props.pageProps.reviews[]` carries id, rating (1–5), title, text, language, dates, the
consumer's display name and the owner's reply; `filters.pagination` says how many pages
there are. The JSON-LD `@graph` repeats the reviews as schema.org nodes, without replies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Request, Response
from w3lib.url import add_or_replace_parameter

from crawler.base import Page, ReviewSpider
from crawler.platforms.jsonld import reviews_from_html
from crawler.values import as_dict, dig, parse_time, text_of, to_float
from storage.models import ReviewData


def next_data(html: str) -> dict[str, Any] | None:
    raw = Selector(text=html).css("script#__NEXT_DATA__::text").get()
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def review_from_json(item: dict[str, Any], page_url: str) -> ReviewData:
    """One entry of `pageProps.reviews`."""
    raw = to_float(item.get("rating"))
    reply = as_dict(item.get("reply"))
    review_id = str(item.get("id") or "")
    return ReviewData(
        platform_id=review_id,
        author=text_of(dig(item, "consumer", "displayName")),
        rating=raw,
        rating_raw=raw,
        rating_scale="1-5" if raw is not None else None,
        title=text_of(item.get("title")),
        text=text_of(item.get("text")),
        language=text_of(item.get("language")) or None,
        published_at=parse_time(dig(item, "dates", "publishedDate")),
        reply=text_of(reply.get("message")) or None,
        reply_at=parse_time(reply.get("updatedDate") or reply.get("publishedDate")),
        url=urljoin(page_url, f"/reviews/{review_id}") if review_id else page_url,
    )


def reviews_from_page_props(props: dict[str, Any], page_url: str) -> list[ReviewData]:
    items = props.get("reviews")
    if not isinstance(items, list):
        return []
    return [review_from_json(item, page_url) for item in items if isinstance(item, dict)]


def next_page_url(props: dict[str, Any], page_url: str) -> str | None:
    pagination = dig(props, "filters", "pagination") or {}
    current, total = pagination.get("currentPage"), pagination.get("totalPages")
    if isinstance(current, int) and isinstance(total, int) and current < total:
        return add_or_replace_parameter(page_url, "page", str(current + 1))
    return None


def parse_page(html: str, page_url: str) -> tuple[list[ReviewData], str | None]:
    """Reviews and the next page's URL, from `__NEXT_DATA__` or else from JSON-LD."""
    reviews, next_url, _ = read_page(html, page_url)
    return reviews, next_url


def read_page(html: str, page_url: str) -> tuple[list[ReviewData], str | None, bool]:
    """Reviews, the next page's URL, and whether the parse saw replies (only
    `__NEXT_DATA__` has them; the JSON-LD fallback has neither replies nor review links)."""
    props = dig(next_data(html), "props", "pageProps")
    if isinstance(props, dict) and isinstance(props.get("reviews"), list):
        return reviews_from_page_props(props, page_url), next_page_url(props, page_url), True
    selector = Selector(text=html)
    href = selector.css(
        'link[rel="next"]::attr(href), a[name="pagination-button-next"]::attr(href)'
    ).get()
    next_url = urljoin(page_url, href) if href else None
    return reviews_from_html(html, page_url), next_url, False


class TrustpilotSpider(ReviewSpider):
    name = "trustpilot"

    def first_requests(self) -> Iterable[Request]:
        return [self.page_request(add_or_replace_parameter(self.spec.url, "sort", "recency"))]

    def extract(self, response: Response) -> Page:
        reviews, next_url, full = read_page(response.text, response.url)
        next_request = self.page_request(next_url) if next_url else None
        return Page(reviews, next_request, sees_replies=full, sees_links=full)
