"""Trusted Shops public API (v2 JSON): `response.data.shop|product.reviews[]`.

Each review has `UID`, `mark` (1–5 as a string), `comment`, `creationDate` with offset;
product reviews may name the reviewer (`reviewer.profile.firstname` / `lastname`). The API
shows no shop replies and no link to a single review. `url` is the API URL of the shop's or
product's reviews, e.g. https://api.trustedshops.com/rest/public/v2/shops/{tsId}/reviews.json
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.http import Response

from crawler.base import Page, ReviewSpider
from crawler.values import dig, parse_time, text_of, to_float
from storage.models import ReviewData


def reviewer_name(item: dict[str, Any]) -> str:
    profile = dig(item, "reviewer", "profile")
    if not isinstance(profile, dict):
        return ""
    return text_of(" ".join(text_of(profile.get(k)) for k in ("firstname", "lastname")))


def trustedshops_review(item: dict[str, Any]) -> ReviewData:
    raw = to_float(item.get("mark"))
    return ReviewData(
        platform_id=str(item.get("UID") or ""),
        author=reviewer_name(item),
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
    expects_json = True
    type_hint = "schema_org or trustpilot"

    def extract(self, response: Response) -> Page:
        reviews = trustedshops_reviews(json.loads(response.text))
        return Page(reviews, sees_replies=False, sees_links=False)
