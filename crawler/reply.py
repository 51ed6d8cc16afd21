"""Posting the owner's reply where a platform's API allows it (the page where one answers
by hand everywhere else is `alerts.replies.answer_url`).

Only the Google Business Profile API lets an owner reply through an API
(`PUT accounts/*/locations/*/reviews/*/reply`, body `{"comment": …}`, answer: the
`ReviewReply` with `comment` and `updateTime`). A PUT replaces an existing reply, so
posting the same text again after a crash is harmless.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from crawler.platforms.google import BUSINESS_PROFILE_API, TOKEN_URL
from crawler.values import parse_time

log = logging.getLogger(__name__)

REPLY_MAX_BYTES = 4096
POSTABLE = ("google_business_profile",)


class ReplyError(Exception):
    """The reply was not posted; the message says why in one line."""


@dataclass(frozen=True)
class GoogleAccess:
    """OAuth client and refresh token of the owner's Business Profile, and the API hosts."""

    client_id: str
    client_secret: str
    refresh_token: str
    api_base: str = BUSINESS_PROFILE_API
    token_url: str = TOKEN_URL
    timeout: float = 30.0


@dataclass(frozen=True)
class PostedReply:
    comment: str
    updated_at: datetime | None


def check_reply_text(text: str) -> str:
    """The text as it will be posted; ReplyError when empty or over Google's 4096 bytes."""
    cleaned = text.strip()
    if not cleaned:
        raise ReplyError("the reply text is empty")
    size = len(cleaned.encode("utf-8"))
    if size > REPLY_MAX_BYTES:
        raise ReplyError(f"the reply is {size} bytes long; Google accepts at most 4096")
    return cleaned


def post_google_reply(access: GoogleAccess, review_name: str, text: str) -> PostedReply:
    """PUT the reply for `accounts/…/locations/…/reviews/…`; ReplyError on any failure."""
    comment = check_reply_text(text)
    token = _access_token(access)
    url = f"{access.api_base.rstrip('/')}/v4/{review_name}/reply"
    body = json.dumps({"comment": comment}).encode("utf-8")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answer = _call(Request(url, data=body, headers=headers, method="PUT"), access.timeout)
    log.info("reply posted to %s", review_name)
    return PostedReply(
        comment=str(answer.get("comment") or comment),
        updated_at=parse_time(answer.get("updateTime")),
    )


def _access_token(access: GoogleAccess) -> str:
    form = {
        "client_id": access.client_id,
        "client_secret": access.client_secret,
        "refresh_token": access.refresh_token,
        "grant_type": "refresh_token",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = Request(access.token_url, data=urlencode(form).encode(), headers=headers)
    token = _call(request, access.timeout).get("access_token")
    if not isinstance(token, str) or not token:
        raise ReplyError(f"no access_token in the answer of {access.token_url}")
    return token


def _call(request: Request, timeout: float) -> dict[str, Any]:
    try:
        with urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read() or b"{}")
    except HTTPError as exc:
        raise ReplyError(f"HTTP {exc.code} from {request.full_url}: {_google_error(exc)}") from None
    except (URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReplyError(f"{request.full_url} unreachable: {reason}") from None
    except json.JSONDecodeError:
        raise ReplyError(f"{request.full_url} did not answer with JSON") from None
    return data if isinstance(data, dict) else {}


def _google_error(exc: HTTPError) -> str:
    """'PERMISSION_DENIED The caller does not have permission' from Google's error JSON."""
    try:
        data = json.loads(exc.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        return str(exc.reason)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return " ".join(str(error.get(k)) for k in ("status", "message") if error.get(k))
    if isinstance(error, str):
        return " ".join(p for p in (error, str(data.get("error_description") or "")) if p)
    return str(exc.reason)
