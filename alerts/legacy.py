"""Outbox rows written before payload version 2 still go out after an upgrade.

Those rows keep an untyped dict and, except digest rows, the email rendered when it was
decided. A stored email is sent as it is, with its Date set to the send time; a digest row's
dict becomes an `AlertPayload` and is rendered like a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from alerts.message import from_text
from alerts.payloads import AlertPayload, ReviewSnapshot
from alerts.rules import RuleHit
from alerts.settings import QuietHours


class LegacyTiming(BaseModel):
    """What a retry needs from any old payload: the business's quiet hours and zone."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    timezone: str | None = None
    quiet_hours: QuietHours | None = None


class LegacyAlert(LegacyTiming):
    """An alert payload as 0.x wrote it (flat; `version` is the review's version)."""

    business: str
    language: str | None = None
    review_id: int | None = None
    version: int = 1
    platform: str = ""
    source: str = ""
    author: str | None = None
    rating: float | None = None
    title: str | None = None
    text: str = ""
    truncated: bool = False
    published_at: AwareDatetime | None = None
    url: str | None = None
    rules: tuple[RuleHit, ...] = ()
    sentiment: str | None = None
    negative_probability: float | None = None
    reply_draft: str | None = None
    answer_url: str | None = None

    def upgrade(self) -> AlertPayload:
        review = ReviewSnapshot(
            review_id=self.review_id, review_version=self.version, platform=self.platform,
            source=self.source, author=self.author or "", rating=self.rating,
            title=self.title or "", text=self.text, truncated=self.truncated,
            published_at=self.published_at, url=self.url, rules=self.rules,
            sentiment=self.sentiment, negative_probability=self.negative_probability,
        )  # fmt: skip
        return AlertPayload(
            business=self.business,
            language=self.language or "de",
            timezone=self.timezone or "Europe/Berlin",
            quiet_hours=self.quiet_hours,
            review=review,
            reply_draft=self.reply_draft or "",
            answer_url=self.answer_url,
        )


def legacy_timing(data: Mapping[str, object]) -> LegacyTiming:
    """Quiet hours and zone of an old row; none when the old dict does not say."""
    try:
        return LegacyTiming.model_validate(data)
    except ValidationError:
        return LegacyTiming()


def legacy_alert(data: Mapping[str, object]) -> AlertPayload:
    """An old digest row's dict as today's payload; ValidationError when it is not one."""
    return LegacyAlert.model_validate(data).upgrade()


def stored_message(text: str, now: datetime) -> EmailMessage:
    """An email rendered by 0.x, dated when it is sent (Message-ID unchanged)."""
    message = from_text(text)
    del message["Date"]
    message["Date"] = format_datetime(now)
    return message
