"""Delivering the outbox: claim due rows, send, mark sent — or back off and keep the error.

A row is claimed by a conditional UPDATE that also sets a lease (`next_attempt_at`), so two
senders never take the same row, and a sender that dies mid-way leaves the row to be sent
again once the lease has passed — with the same Message-ID, so a duplicate is recognisable.
Delivery is at-least-once, not exactly-once: when the server accepted a message but the
process dies before `mark_sent` commits, the row is sent again after the lease; the second
copy carries the same Message-ID (mail clients and servers may fold it away).

Every email is rendered here, when it is sent, from the row's typed payload (`alerts.payloads`;
rows of older versions through `alerts.legacy`): its Date is the send time. Digest rows of one
business and recipient that are due together become ONE email and are marked sent together.
With `SendPolicy.base_url` mails link into the dashboard; their signed links are made per
copy and kept only when that copy was accepted (`alerts.links`).

Only a message the server refused for good (a 5xx reply) or one that cannot render counts
toward `max_attempts`. While the server cannot be reached at all (refused connection,
timeout, DNS, login or TLS failing) the row is postponed without counting an attempt: the
delay doubles with the time it is overdue, capped at `outage_cap`, and `last_error` keeps the
reason — an outage of hours or days loses nothing. A temporary refusal of one message (a 4xx
reply such as "451 try again later" to RCPT or DATA) is postponed the same way, and the
run goes on with the other rows. `leumund alerts retry-failed` re-queues given-up rows.

Rows to a chat channel or webhook (recipient `channel:<id>`) are left to
`alerts.channel_outbox`, which claims and marks them with the functions here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from jinja2 import TemplateError
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.channel_urls import channel_of
from alerts.dedup import dedup_key, dedup_recipient
from alerts.legacy import legacy_alert, legacy_timing, stored_message
from alerts.links import MailLinks, mail_links
from alerts.mail import Mailer, MailError
from alerts.payloads import AlertPayload, is_typed, read_payload
from alerts.render import Envelope, Renderer
from alerts.settings import QuietHours
from alerts.timing import after_quiet_hours
from storage.db import session_scope
from storage.installation import installation_id
from storage.models import Notification, NotificationStatus
from storage.outbox import claim as claim_row
from storage.outbox import due, mark_attempt_failed, mark_sent, postpone
from storage.web_auth import store_tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendPolicy:
    max_attempts: int = 6
    retry_base: timedelta = timedelta(seconds=60)
    lease: timedelta = timedelta(minutes=10)
    outage_cap: timedelta = timedelta(hours=1)
    base_url: str | None = None  # the dashboard (`web.base_url`): mails link into it

    def outage_delay(self, overdue: timedelta) -> timedelta:
        """Wait as long as the row is already overdue, at least `retry_base`, at most the cap."""
        return min(self.outage_cap, max(self.retry_base, overdue, timedelta(seconds=1)))


@dataclass
class SendSummary:
    """Rows delivered, emails sent (a digest is one email for many rows), retries, give-ups."""

    sent: int = 0
    emails: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    channel_messages: int = 0

    def __str__(self) -> str:
        channels = f", {self.channel_messages} channel messages" if self.channel_messages else ""
        return (
            f"{self.emails} emails sent{channels} ({self.sent} notifications),"
            f" {self.retrying} to retry, {self.failed} failed for good"
        )


def _groups(rows: list[Notification]) -> Iterator[list[Notification]]:
    """Each row alone, except digest rows: one group per business and recipient."""
    digests: dict[tuple[int | None, str], list[Notification]] = {}
    for row in rows:
        if row.digest:
            digests.setdefault((row.business_id, dedup_recipient(row.recipient)), []).append(row)
        else:
            yield [row]
    yield from digests.values()


def claim(engine: Engine, rows: list[Notification], now: datetime, lease: timedelta) -> list[int]:
    """Take the rows for this sender; the ids actually won (another sender may be faster)."""
    won: list[int] = []
    with session_scope(engine) as session:
        for row in rows:
            if row.id is not None and claim_row(session, row.id, now, now + lease):
                won.append(row.id)
    return won


def _fresh(engine: Engine, ids: list[int | None]) -> list[Notification]:
    """The claimed rows as stored after the claim: a pending burst message may have grown
    since they were listed, and no decision changes a row once it is claimed."""
    with session_scope(engine) as session:
        rows = (session.get(Notification, i) for i in ids if i is not None)
        return [row for row in rows if row is not None]


def build(
    renderer: Renderer,
    rows: list[Notification],
    now: datetime,
    installation: str,
    links: MailLinks | None = None,
) -> EmailMessage:
    """The email for `rows`, rendered now; digest rows become one email, oldest first."""
    first = rows[0]
    if first.digest:
        alerts = sorted((_alert(r), r.id or 0) for r in rows)
        ids = "-".join(str(i) for _, i in alerts)
        key = dedup_key("digest", first.business_id, ids, recipient=first.recipient)
        envelope = Envelope(first.recipient, key, now, installation, links)
        return renderer.digest([a.payload for a, _ in alerts], envelope)
    if is_typed(first.payload):
        envelope = Envelope(first.recipient, first.dedup_key, now, installation, links)
        return renderer.render(read_payload(first.payload), envelope)
    if first.message is None:
        raise ValueError(f"notification {first.id} has neither a payload nor a message")
    return stored_message(first.message, now)


@dataclass(frozen=True, order=True)
class _Dated:
    published: datetime
    payload: AlertPayload = field(compare=False)


def _alert(row: Notification) -> _Dated:
    if is_typed(row.payload):
        payload = read_payload(row.payload)
        if not isinstance(payload, AlertPayload):
            raise ValueError(f"digest row {row.id} holds a {payload.kind} payload")
    else:
        payload = legacy_alert(row.payload)
    return _Dated(payload.review.published_at or datetime.min.replace(tzinfo=UTC), payload)


def _send_window(row: Notification) -> tuple[QuietHours | None, str]:
    """The quiet hours and time zone a retry of this row respects."""
    if not is_typed(row.payload):
        legacy = legacy_timing(row.payload)
        return legacy.quiet_hours, legacy.timezone or "Europe/Berlin"
    try:
        payload = read_payload(row.payload)
    except ValidationError:
        return None, "Europe/Berlin"
    return payload.quiet_hours, payload.timezone


def _retry_time(row: Notification, when: datetime) -> datetime:
    quiet, timezone = _send_window(row)
    return after_quiet_hours(when, quiet, timezone)


def send_due(
    engine: Engine, mailer: Mailer, renderer: Renderer, now: datetime, policy: SendPolicy
) -> SendSummary:
    """Send every email due by `now`; stops early when the server cannot be reached."""
    summary = SendSummary()
    with session_scope(engine) as session:
        rows = [r for r in due(session, now, channels=False) if channel_of(r.recipient) is None]
        installation = installation_id(session)
    for group in _groups(rows):
        ids = claim(engine, group, now, policy.lease)
        if not ids:
            summary.skipped += len(group)
            continue
        claimed = _fresh(engine, [r.id for r in group if r.id in ids])
        sent = _deliver(engine, mailer, renderer, claimed, now, installation, policy, summary)
        if not sent:
            log.warning("mail server unreachable: the rest waits for the next run")
            break
    if summary.emails or summary.retrying or summary.failed:
        log.info("outbox: %s", summary)
    return summary


def _deliver(
    engine: Engine,
    mailer: Mailer,
    renderer: Renderer,
    rows: list[Notification],
    now: datetime,
    installation: str,
    policy: SendPolicy,
    summary: SendSummary,
) -> bool:
    """Send one email for `rows`; False when the server is unreachable (stop this run)."""
    links, tokens = mail_links(policy.base_url, rows, now)
    try:
        message = build(renderer, rows, now, installation, links)
        mailer.send(message)
    except MailError as exc:
        if exc.unreachable or exc.temporary:
            _postpone(engine, rows, str(exc), now, policy, summary)
            return not exc.unreachable
        _failed(engine, rows, str(exc), now, policy, summary)
        return True
    except (ValueError, LookupError, TemplateError) as exc:  # a row that can never render
        _failed(engine, rows, f"cannot render: {exc}", now, SendPolicy(max_attempts=1), summary)
        return True
    with session_scope(engine) as session:
        for stored in _reloaded(session, rows):
            mark_sent(session, stored, now)
        store_tokens(session, tokens, now)  # only a copy that may have arrived has links
    summary.sent += len(rows)
    summary.emails += 1
    return True


def _reloaded(session: Session, rows: list[Notification]) -> Iterator[Notification]:
    """The claimed rows as stored now, in this session (a row deleted meanwhile is skipped)."""
    for row in rows:
        stored = session.get(Notification, row.id)
        if stored is not None:
            yield stored


def _postpone(
    engine: Engine,
    rows: list[Notification],
    error: str,
    now: datetime,
    policy: SendPolicy,
    summary: SendSummary,
) -> None:
    """Server unreachable or "try later": push the rows back without spending an attempt."""
    with session_scope(engine) as session:
        for stored in _reloaded(session, rows):
            delay = policy.outage_delay(now - stored.send_after)
            postpone(session, stored, error, now, delay)
            assert stored.next_attempt_at is not None
            stored.next_attempt_at = _retry_time(stored, stored.next_attempt_at)
            summary.retrying += 1
            log.warning(
                "notification %s to %s: not delivered for now, next try at %s: %s",
                stored.id, stored.recipient, stored.next_attempt_at.isoformat(), error,
            )  # fmt: skip


def _failed(
    engine: Engine,
    rows: list[Notification],
    error: str,
    now: datetime,
    policy: SendPolicy,
    summary: SendSummary,
) -> None:
    with session_scope(engine) as session:
        for stored in _reloaded(session, rows):
            mark_attempt_failed(session, stored, error, now, policy.max_attempts, policy.retry_base)
            if stored.next_attempt_at is not None:
                stored.next_attempt_at = _retry_time(stored, stored.next_attempt_at)
            if stored.status == NotificationStatus.FAILED.value:
                summary.failed += 1
                log.error(
                    "notification %s (%s to %s) failed for good after %d attempts: %s",
                    stored.id, stored.kind, stored.recipient, stored.attempts, error,
                )  # fmt: skip
            else:
                summary.retrying += 1
                log.warning(
                    "notification %s to %s: attempt %d failed, next at %s: %s",
                    stored.id, stored.recipient, stored.attempts,
                    stored.next_attempt_at.isoformat() if stored.next_attempt_at else "-", error,
                )  # fmt: skip
