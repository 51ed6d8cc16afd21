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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(
    session: Session,
    *,
    purpose: str,
    email: str,
    now: datetime,
    lifetime: timedelta,
    review_id: int | None = None,
) -> str:
    """A fresh random token; the caller mails it, the database keeps its hash."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebToken(
            token_hash=token_hash(token),
            purpose=purpose,
            email=email.lower(),
            review_id=review_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def peek_token(session: Session, token: str, purpose: str, now: datetime) -> WebToken | None:
    """The token's row if it is valid now (right purpose, not expired, not used)."""
    row = session.get(WebToken, token_hash(token))
    if row is None or row.purpose != purpose or row.used_at is not None:
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
