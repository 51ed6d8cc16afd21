"""Tables shared by every component: the contract between crawler, sentiment and alerts.

All timestamps are timezone-aware UTC. SQLite drops the offset on the way in, so the
`UTCDateTime` column type puts it back on the way out; PostgreSQL stores `timestamptz`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that always round-trips as aware UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


class Business(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    timezone: str = "Europe/Berlin"
    language: str = "de"
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    competitor_of_id: int | None = Field(default=None, foreign_key="business.id", index=True)
    """Set for a competitor: crawled like a business, compared with this one, never alerted."""
    label: str | None = None
    """The name the owner reads (a competitor's configured name; None: `name`)."""


class Source(SQLModel, table=True):
    """One configured place a business is reviewed, plus its crawl health."""

    __table_args__ = (UniqueConstraint("business_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    name: str
    type: str
    label: str | None = None
    url: str = ""
    enabled: bool = True
    first_crawl_at: datetime | None = ts_field()
    last_success_at: datetime | None = ts_field()
    last_attempt_at: datetime | None = ts_field()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consecutive_failures: int = 0
    failing_since: datetime | None = ts_field()
    broken_notified: bool = False
    reviews_seen_ever: int = 0
    # What the latest successful parse could see; None = not known yet.
    sees_replies: bool | None = None
    sees_links: bool | None = None
    scale: str | None = None
    """The `scale` setting its stored ratings were normalised with (None: before 0.2)."""


class Review(SQLModel, table=True):
    """A review as last seen on its platform; `version` grows with each edit."""

    __table_args__ = (UniqueConstraint("source_id", "platform_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    platform_id: str = Field(max_length=255)
    author: str = ""
    rating: float | None = None
    rating_raw: float | None = None
    rating_scale: str | None = None
    title: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    language: str | None = None
    published_at: datetime | None = ts_field(index=True)
    first_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    updated_at: datetime | None = ts_field()
    reply_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reply_at: datetime | None = ts_field()
    url: str | None = None
    content_hash: str = Field(default="", max_length=64)
    version: int = 1
    backlog: bool = False
    sentiment_label: str | None = Field(default=None, index=True)
    sentiment_probs: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))
    sentiment_model: str | None = None
    classified_at: datetime | None = ts_field()
    # [{"topic": "Wartezeit", "polarity": "negative", "quote": "…"}]; None = not analysed yet.
    topics: list[dict[str, str]] | None = Field(default=None, sa_column=Column(JSON))
    alert_checked_version: int = Field(default=0, index=True)
    burst_id: int | None = Field(default=None, foreign_key="burst.id", index=True)
    """The suspicious burst this review was reported in (alerted there, never alone)."""
    handled_at: datetime | None = ts_field()
    handled_by: str | None = None
    handled_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ReviewBurst(SQLModel, table=True):
    """A suspicious burst of negative reviews on one source, reported as one message.

    `last_at` is when its latest review arrived: a negative review arriving within
    `alerts.burst_alerts.JOIN_WINDOW` of it joins. `notified`: its message was queued.
    """

    __tablename__ = "burst"

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    reason: str = Field(max_length=16)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    last_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    count: int = 0
    notified: bool = False


class ReviewTopic(SQLModel, table=True):
    """One topic of a review, copied from `Review.topics` when they are set: an index the
    dashboard filters on alike in SQLite and PostgreSQL (the JSON column is not)."""

    __tablename__ = "review_topic"
    __table_args__ = (Index("ix_review_topic_topic_polarity", "topic", "polarity"),)

    review_id: int = Field(foreign_key="review.id", primary_key=True)
    topic: str = Field(max_length=64, primary_key=True)
    polarity: str = Field(max_length=16)


class ReviewEdit(SQLModel, table=True):
    """What a review said before an edit, so a change is never silently overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    old_rating: float | None = None
    old_title: str = ""
    old_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    new_rating: float | None = None


class OwnerReply(SQLModel, table=True):
    """A reply the owner posted through Leumund: who, when, where and what."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    replied_by: str
    via: str
    replied_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class InviteKit(SQLModel, table=True):
    """When a business's review invitation kit was made, so the report can compare."""

    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", index=True)
    review_url: str
    made_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CrawlStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"


class CrawlRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    finished_at: datetime | None = ts_field()
    status: str = CrawlStatus.RUNNING.value
    pages: int = 0
    reviews_seen: int = 0
    reviews_new: int = 0
    reviews_updated: int = 0
    http_errors: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reviews_skipped: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    duplicates: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    dates_unread: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pages_dropped: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What an `ok` crawl could not store or read, e.g. "2 skipped: …; page … dropped: …"."""


class NotificationKind(enum.StrEnum):
    ALERT = "alert"
    BACKLOG_SUMMARY = "backlog_summary"
    BURST = "burst"
    REPORT = "report"
    SOURCE_BROKEN = "source_broken"
    SOURCE_RECOVERED = "source_recovered"
    TEST = "test"


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    """The outbox: one row per message to one recipient, unique by `dedup_key`.

    A row is written in the same transaction as the decision that caused it, with what the
    email needs in `payload` (JSON; its shape belongs to the alerts package, which renders
    the email when it sends the row). A sender delivers rows whose `send_after` and
    `next_attempt_at` have passed; `digest` rows are grouped per recipient and business into
    one email. `message` holds the email rendered when decided, written only by versions
    before payload version 2; such rows are sent as stored.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    dedup_key: str = Field(unique=True, max_length=255)
    recipient: str
    business_id: int | None = Field(default=None, foreign_key="business.id", index=True)
    review_id: int | None = Field(default=None, foreign_key="review.id", index=True)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    digest: bool = False
    status: str = Field(default=NotificationStatus.PENDING.value, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    send_after: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    next_attempt_at: datetime | None = ts_field()
    sent_at: datetime | None = ts_field()


class Installation(SQLModel, table=True):
    """This installation's random id (one row), part of every Message-ID it sends."""

    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class WebUser(SQLModel, table=True):
    """A dashboard user's own settings; who may see what comes from config.yaml."""

    email: str = Field(primary_key=True, max_length=320)
    password_hash: str | None = None
    language: str | None = None
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class WebToken(SQLModel, table=True):
    """A single-use link (sign-in, or one action from a mail); only its hash is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=32)
    email: str = Field(max_length=320, index=True)
    review_id: int | None = Field(default=None, foreign_key="review.id")
    business_id: int | None = Field(default=None, foreign_key="business.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = ts_field()


class AlertPause(SQLModel, table=True):
    """A recipient who paused a business's alerts (the mail's List-Unsubscribe link).

    While the row exists no alert, digest or first-crawl summary is decided for that
    recipient; weekly reports still go. Deleting the row switches alerts on again.
    """

    __tablename__ = "alert_pause"
    business_id: int = Field(foreign_key="business.id", primary_key=True)
    recipient: str = Field(primary_key=True, max_length=320)
    paused_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    paused_via: str = Field(max_length=32)


class WebSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds the token, the table only its hash."""

    token_hash: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320, index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


@dataclass(frozen=True, slots=True)
class ReviewData:
    """A review as a platform shows it: what the crawler yields and storage upserts.

    `platform_id` may be empty; storage then derives a stable id from author, date and text.
    """

    platform_id: str
    author: str
    rating: float | None
    rating_raw: float | None
    rating_scale: str | None
    title: str
    text: str
    language: str | None
    published_at: datetime | None
    reply: str | None = None
    reply_at: datetime | None = None
    url: str | None = None
    sees_reply: bool = True
    """False when the page's parse cannot see owner replies: `reply` then means "unknown"."""
    sees_link: bool = True
    """False when `url` is not a link to this review (e.g. the page it was found on)."""
