"""One business's alert policy and the row shape deciding works on, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.replies import ReplyDrafter
from alerts.settings import AlertRules
from storage.models import Business, Review, Source

Row = tuple[Review, Source, Business]


@dataclass(frozen=True)
class AlertPolicy:
    """One business's rules and where its alerts go, as plain data."""

    business: str
    rules: AlertRules
    recipients: tuple[str, ...]
    language: str = "de"
    timezone: str = "Europe/Berlin"
    reply_draft: str = ""  # the business's reply suggestion, shown with each alert
    drafter: ReplyDrafter | None = None  # drafts that take up a review's negative topics
