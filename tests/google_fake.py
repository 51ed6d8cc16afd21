"""A local fake of Google's OAuth token endpoint and Business Profile API v4 reviews.

Serves on a `LocalServer` what Google documents (see tests/test_google_reply.py for the
request and response shapes, and ../shared/fixtures/google/API_SHAPES.md):

- `POST /token` (refresh-token grant) → an access token, or 400 `invalid_grant`;
- `GET /v4/{location}/reviews?pageSize=&pageToken=&orderBy=` → `ListReviewsResponse` pages;
- `PUT /v4/{location}/reviews/{reviewId}/reply` with `{"comment": …}` → the `ReviewReply`;
  the reply then shows in the listed review, as on Google.

Anything else with a wrong bearer token answers 401 UNAUTHENTICATED.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.httpserver import Hit, LocalServer, Reply

LOCATION = "accounts/1/locations/2"
ACCESS_TOKEN = "ya29.fake"
CREDENTIALS = {"client_id": "cid", "client_secret": "cs", "refresh_token": "rt"}
REPLY_TIME = "2026-12-04T15:30:00.123456Z"


def json_reply(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body), content_type="application/json; charset=UTF-8")


def google_error(status: int, code: str, message: str) -> Reply:
    return json_reply(status, {"error": {"code": status, "status": code, "message": message}})


def gbp_review(n: int, stars: str, reply: bool = False) -> dict[str, Any]:
    """A Review as the API lists it (keys in the order of a real response)."""
    review: dict[str, Any] = {
        "reviewer": {"displayName": f"Kunde {n}"},
        "starRating": stars,
        "comment": f"Bewertung Nummer {n}",
        "createTime": f"2026-11-{20 - n:02d}T10:00:00.123456789Z",
        "updateTime": f"2026-11-{20 - n:02d}T10:00:00.123456789Z",
        "name": f"{LOCATION}/reviews/rev{n}",
    }
    if reply:
        review["reviewReply"] = {"comment": "Danke!", "updateTime": "2026-11-20T12:00:00Z"}
    return review


class GoogleFake:
    """Install with `GoogleFake(server, pages)`; `pages` maps pageToken ('' first) to a page."""

    def __init__(self, server: LocalServer, pages: dict[str, dict[str, Any]]) -> None:
        self.pages = pages
        self.server = server
        self.reply_hits: list[Hit] = []
        self.fail_replies_with: Reply | None = None
        server.handle("/token", self.token)
        server.handle(f"/v4/{LOCATION}/reviews", self.reviews)
        for page in pages.values():
            for review in page.get("reviews", []):
                server.handle(f"/v4/{review['name']}/reply", self.reply)

    def publish(self, review: dict[str, Any]) -> None:
        """A new review appears on top of the first page."""
        self.pages[""].setdefault("reviews", []).insert(0, review)
        self.server.handle(f"/v4/{review['name']}/reply", self.reply)

    def token(self, hit: Hit) -> Reply:
        assert hit.method == "POST"
        assert hit.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(hit.body.decode()).items()}
        if form != {**CREDENTIALS, "grant_type": "refresh_token"}:
            return json_reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        return json_reply(
            200,
            {
                "access_token": ACCESS_TOKEN,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/business.manage",
                "token_type": "Bearer",
            },
        )

    def reviews(self, hit: Hit) -> Reply:
        assert (hit.method, hit.body) == ("GET", b"")
        if hit.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _unauthenticated()
        query = parse_qs(urlsplit(hit.path).query)
        return json_reply(200, self.pages[query.get("pageToken", [""])[0]])

    def reply(self, hit: Hit) -> Reply:
        """updateReply: PUT …/reviews/{id}/reply, body a ReviewReply with only `comment`."""
        self.reply_hits.append(hit)
        if hit.method != "PUT":
            return google_error(405, "METHOD_NOT_ALLOWED", "use PUT")
        if hit.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _unauthenticated()
        if self.fail_replies_with is not None:
            return self.fail_replies_with
        body = json.loads(hit.body or b"{}")
        comment = body.get("comment") if isinstance(body, dict) else None
        if not isinstance(comment, str) or not comment or len(comment.encode()) > 4096:
            return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        answer = {"comment": comment, "updateTime": REPLY_TIME}
        name = urlsplit(hit.path).path.removeprefix("/v4/").removesuffix("/reply")
        for page in self.pages.values():
            for review in page.get("reviews", []):
                if review["name"] == name:
                    review["reviewReply"] = answer
        return json_reply(200, answer)


def _unauthenticated() -> Reply:
    return google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
