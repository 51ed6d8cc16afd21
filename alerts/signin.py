"""The dashboard's sign-in email: sent at once by the web layer, never through the outbox.

A sign-in link is only useful for minutes, so quiet hours and backoff would defeat it; its
Message-ID is random because every link is new, and carries the installation id like all.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from email.message import EmailMessage

from alerts.i18n import wording
from alerts.render import Envelope, Renderer


def signin_message(
    renderer: Renderer, recipient: str, link: str, minutes: int, now: datetime, language: str,
    installation: str,
) -> EmailMessage:  # fmt: skip
    t = wording(language)
    envelope = Envelope(recipient, f"signin:{secrets.token_hex(16)}", now, installation)
    return renderer.message("signin", t, t("signin_subject"), envelope, link=link, minutes=minutes)
