"""Dashboard sign-in state: single-use links, sessions and user settings.

Only SHA-256 hashes of tokens are stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import WebSession, WebToken, WebUser

# Links that mails carry (made when the mail is sent, one set per recipient and copy):
# one-click "Erledigt" for one review, and pausing a business's alerts (List-Unsubscribe).
DONE_PURPOSE = "handled"
DONE_LIFETIME = timedelta(days=14)
PAUSE_PURPOSE = "pause"
PAUSE_LIFETIME = timedelta(days=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    *,
    purpose: str,
    email: str,
    now: datetime,
    lifetime: timedelta,
    review_id: int | None = None,
    business_id: int | None = None,
) -> tuple[str, WebToken]:
    """A fresh random token and the row that keeps its hash, not yet stored: a mail's
    tokens are stored only once the mail was accepted (see `alerts.sending`)."""
    token = secrets.token_urlsafe(32)
    row = WebToken(
        token_hash=token_hash(token),
        purpose=purpose,
        email=email.lower(),
        review_id=review_id,
        business_id=business_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    return token, row


def new_token(
    session: Session,
    *,
    purpose: str,
    email: str,
    now: datetime,
    lifetime: timedelta,
    review_id: int | None = None,
    business_id: int | None = None,
) -> str:
    """A fresh random token; the caller mails it, the database keeps its hash."""
    token, row = issue(
        purpose=purpose, email=email, now=now, lifetime=lifetime, review_id=review_id,
        business_id=business_id,
    )  # fmt: skip
    session.add(row)
    return token


def store_tokens(session: Session, rows: list[WebToken], now: datetime) -> None:
    """Keep the hashes of a sent mail's tokens; expired tokens are removed on the way."""
    session.add_all(rows)
    session.exec(delete(WebToken).where(col(WebToken.expires_at) < now))


def peek_token(session: Session, token: str, purpose: str, now: datetime) -> WebToken | None:
    """The token's row if it is valid now (right purpose, not expired, not used)."""
    row = find_token(session, token, purpose, now)
    return row if row is not None and row.used_at is None else None


def find_token(session: Session, token: str, purpose: str, now: datetime) -> WebToken | None:
    """The token's row if it has the purpose and has not expired, used or not."""
    row = session.get(WebToken, token_hash(token))
    if row is None or row.purpose != purpose:
        return None
    return row if row.expires_at > now else None


def use_token(session: Session, token: str, purpose: str, now: datetime) -> WebToken | None:
    """Spend a valid token once; a second use, a wrong purpose or an old one give None."""
    row = peek_token(session, token, purpose, now)
    if row is None:
        return None
    row.used_at = now
    session.add(row)
    session.flush()
    return row


def start_session(
    session: Session, email: str, now: datetime, lifetime: timedelta
) -> tuple[str, str]:
    """A new browser session: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            email=email.lower(),
            csrf=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
    return token, csrf


def session_of(session: Session, token: str, now: datetime) -> WebSession | None:
    row = session.get(WebSession, token_hash(token))
    return row if row is not None and row.expires_at > now else None


def end_session(session: Session, token: str) -> None:
    row = session.get(WebSession, token_hash(token))
    if row is not None:
        session.delete(row)


def user(session: Session, email: str) -> WebUser | None:
    return session.get(WebUser, email.lower())


def save_user(
    session: Session,
    email: str,
    now: datetime,
    *,
    password_hash: str | None = None,
    language: str | None = None,
) -> WebUser:
    """Create or update a user's own settings; None leaves a setting unchanged."""
    row = session.get(WebUser, email.lower()) or WebUser(email=email.lower())
    if password_hash is not None:
        row.password_hash = password_hash
    if language is not None:
        row.language = language
    row.updated_at = now
    session.add(row)
    return row
