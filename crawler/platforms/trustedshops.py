"""Trusted Shops public API (v2 JSON): `response.data.shop|product.reviews[]`.

Each review has `UID`, `mark` (1–5 as a string), `comment`, `creationDate` with offset; the
API shows no reviewer names and no shop replies. `url` is the API URL of the shop's or
product's reviews, e.g. https://api.trustedshops.com/rest/public/v2/shops/{tsId}/reviews.json
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.http import Response

from crawler.base import Page, ReviewSpider
from crawler.values import dig, parse_time, text_of, to_float
from storage.models import ReviewData


def trustedshops_review(item: dict[str, Any]) -> ReviewData:
    raw = to_float(item.get("mark"))
    return ReviewData(
        platform_id=str(item.get("UID") or ""),
        author="",
        rating=raw,
        rating_raw=raw,
        rating_scale="1-5" if raw is not None else None,
        title="",
        text=text_of(item.get("comment")),
        language=None,
        published_at=parse_time(item.get("creationDate")),
    )


def trustedshops_reviews(data: Any) -> list[ReviewData]:
    for owner in ("shop", "product"):
        items = dig(data, "response", "data", owner, "reviews")
        if isinstance(items, list):
            return [trustedshops_review(i) for i in items if isinstance(i, dict)]
    return []


class TrustedShopsSpider(ReviewSpider):
    name = "trustedshops"

    def extract(self, response: Response) -> Page:
        return Page(trustedshops_reviews(json.loads(response.text)))
