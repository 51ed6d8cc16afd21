"""Retries that wait: exponential backoff, and a server's `Retry-After` honoured.

Scrapy's RetryMiddleware re-queues a 429/503 at once; a rate-limited site then sees the
same request again immediately. This one waits first (without blocking other sites).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 300.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """RetryMiddleware with a wait before each retry: Retry-After, else backoff."""

    def backoff(self, request: Request) -> float:
        base: float = max(self.crawler.settings.getfloat("DOWNLOAD_DELAY"), 1.0)
        tries = int(request.meta.get("retry_times", 0))
        return float(min(base * 2**tries, MAX_WAIT_SECONDS))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = self.backoff(request) if wait is None else min(wait, MAX_WAIT_SECONDS)
        log.info("HTTP %s from %s; retrying in %.1f s", response.status, request.url, wait)
        await asyncio.sleep(wait)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.backoff(request))
        return retry
