"""Links into the dashboard that mails carry: a review page, and one-click "Erledigt"."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage import web_auth
from storage.web_auth import DONE_LIFETIME, DONE_PURPOSE


def review_link(base_url: str, review_id: int) -> str:
    return f"{base_url.rstrip('/')}/r/{review_id}"


def handled_link(session: Session, base_url: str, review_id: int, email: str, now: datetime) -> str:
    """A signed, single-use link that marks one review handled without signing in."""
    token = web_auth.new_token(
        session, purpose=DONE_PURPOSE, email=email, now=now, lifetime=DONE_LIFETIME,
        review_id=review_id,
    )  # fmt: skip
    return f"{base_url.rstrip('/')}/done/{token}"
