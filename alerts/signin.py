"""The dashboard's sign-in email: sent at once by the web layer, never through the outbox.

A sign-in link is only useful for minutes, so quiet hours and backoff would defeat it; its
Message-ID is random because every link is new.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from email.message import EmailMessage

from alerts.i18n import wording
from alerts.render import Renderer


def signin_message(
    renderer: Renderer, recipient: str, link: str, minutes: int, now: datetime, language: str
) -> EmailMessage:
    t = wording(language)
    key = f"signin:{secrets.token_hex(16)}"
    return renderer.message(
        "signin", t, t("signin_subject"), recipient, key, now, link=link, minutes=minutes
    )
