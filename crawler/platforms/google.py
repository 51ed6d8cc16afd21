"""Google reviews through Google's own APIs (no scraping of Google pages).

- `google_places`: Places API (New) place details with a field mask asking for reviews.
  Google returns at most 5 reviews ("most relevant"), never the full list, and no owner
  replies: good for noticing a new top review, not for a complete history.
- `google_business_profile`: the owner's own reviews through the Business Profile API v4
  (`accounts/*/locations/*/reviews`), all of them, newest update first, with replies; needs
  OAuth client id, secret and a refresh token with scope `business.manage`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from scrapy.http import FormRequest, Request, Response

from crawler.base import Page, ReviewSpider
from crawler.values import as_dict, dig, from_unix, parse_time, text_of, to_float
from storage.models import ReviewData

PLACES_API = "https://places.googleapis.com/v1"
BUSINESS_PROFILE_API = "https://mybusiness.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
PLACES_FIELD_MASK = "id,displayName,rating,userRatingCount,reviews"
STAR_RATING = {"ONE": 1.0, "TWO": 2.0, "THREE": 3.0, "FOUR": 4.0, "FIVE": 5.0}
PAGE_SIZE = 50


def _last_segment(name: Any) -> str:
    return str(name).rsplit("/", 1)[-1] if name else ""


def places_review(item: dict[str, Any]) -> ReviewData:
    """A Places API (New) review; the original text wins over Google's translation."""
    body = item.get("originalText") or item.get("text") or {}
    raw = to_float(item.get("rating"))
    return ReviewData(
        platform_id=_last_segment(item.get("name")),
        author=text_of(dig(item, "authorAttribution", "displayName")),
        rating=raw,
        rating_raw=raw,
        rating_scale="1-5" if raw is not None else None,
        title="",
        text=text_of(body.get("text")),
        language=body.get("languageCode") or None,
        published_at=parse_time(item.get("publishTime")),
        url=item.get("googleMapsUri") or None,
    )


def legacy_places_review(item: dict[str, Any]) -> ReviewData:
    """A Places API (Legacy) review: no review id, so author profile + unix time stand in."""
    raw = to_float(item.get("rating"))
    author_url = str(item.get("author_url") or "")
    contributor = (
        author_url.split("/contrib/")[1].split("/")[0] if "/contrib/" in author_url else ""
    )
    when = from_unix(item.get("time"))
    return ReviewData(
        platform_id=f"{contributor}:{item.get('time')}" if contributor and when else "",
        author=text_of(item.get("author_name")),
        rating=raw,
        rating_raw=raw,
        rating_scale="1-5" if raw is not None else None,
        title="",
        text=text_of(item.get("text")),
        language=item.get("language") or None,
        published_at=when,
        url=author_url or None,
        sees_link=False,  # the author's profile, not the review
    )


def places_reviews(data: Any) -> list[ReviewData]:
    """Reviews of a Places API (New) place; a Legacy `{"result": …}` answer is read too."""
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        legacy = data["result"].get("reviews") or []
        return [legacy_places_review(i) for i in legacy if isinstance(i, dict)]
    items = data.get("reviews") if isinstance(data, dict) else None
    return [places_review(i) for i in items or [] if isinstance(i, dict)]


def profile_review(item: dict[str, Any]) -> ReviewData:
    """A Business Profile API review; STAR_RATING_UNSPECIFIED has no stars."""
    raw = STAR_RATING.get(str(item.get("starRating")))
    reply = as_dict(item.get("reviewReply"))
    reviewer = as_dict(item.get("reviewer"))
    anonymous = bool(reviewer.get("isAnonymous"))
    return ReviewData(
        platform_id=str(item.get("reviewId") or _last_segment(item.get("name"))),
        author="" if anonymous else text_of(reviewer.get("displayName")),
        rating=raw,
        rating_raw=raw,
        rating_scale="1-5" if raw is not None else None,
        title="",
        text=text_of(item.get("comment")),
        language=None,
        published_at=parse_time(item.get("createTime")),
        reply=text_of(reply.get("comment")) or None,
        reply_at=parse_time(reply.get("updateTime")),
        url=None,
    )


def profile_reviews(data: Any) -> tuple[list[ReviewData], str | None]:
    if not isinstance(data, dict):
        return [], None
    items = data.get("reviews") or []
    token = data.get("nextPageToken")
    reviews = [profile_review(i) for i in items if isinstance(i, dict)]
    return reviews, token if isinstance(token, str) and token else None


class GooglePlacesSpider(ReviewSpider):
    name = "google_places"
    newest_first = False
    expects_json = True
    type_hint = ""

    def first_requests(self) -> Iterable[Request]:
        base = (self.spec.api_base or PLACES_API).rstrip("/")
        query = urlencode({"languageCode": "de", "regionCode": "DE"})
        headers = {
            "X-Goog-Api-Key": self.spec.secrets.get("api_key", ""),
            "X-Goog-FieldMask": PLACES_FIELD_MASK,
        }
        url = f"{base}/places/{self.spec.place_id}?{query}"
        return [self.page_request(url, headers=headers, meta={"dont_obey_robotstxt": True})]

    def extract(self, response: Response) -> Page:
        return Page(places_reviews(json.loads(response.text)), sees_replies=False)


class GoogleBusinessProfileSpider(ReviewSpider):
    name = "google_business_profile"
    expects_json = True
    type_hint = ""

    access_token = ""

    def first_requests(self) -> Iterable[Request]:
        secrets = self.spec.secrets
        form = {
            "client_id": secrets.get("client_id", ""),
            "client_secret": secrets.get("client_secret", ""),
            "refresh_token": secrets.get("refresh_token", ""),
            "grant_type": "refresh_token",
        }
        return [
            FormRequest(
                self.spec.token_url or TOKEN_URL,
                formdata=form,
                callback=self.on_token,
                errback=self.on_error,
                meta={"dont_obey_robotstxt": True},
            )
        ]

    def on_token(self, response: Response) -> Iterable[Request]:
        self.access_token = str(json.loads(response.text).get("access_token", ""))
        return [self.reviews_request(None)]

    def reviews_request(self, page_token: str | None) -> Request:
        base = (self.spec.api_base or BUSINESS_PROFILE_API).rstrip("/")
        params = {"pageSize": str(PAGE_SIZE), "orderBy": "updateTime desc"}
        if page_token:
            params["pageToken"] = page_token
        url = f"{base}/v4/{self.spec.location}/reviews?{urlencode(params)}"
        headers = {"Authorization": f"Bearer {self.access_token}"}
        return self.page_request(url, headers=headers, meta={"dont_obey_robotstxt": True})

    def extract(self, response: Response) -> Page:
        reviews, token = profile_reviews(json.loads(response.text))
        next_request = self.reviews_request(token) if token else None
        return Page(reviews, next_request, sees_links=False)
