"""Sending the outbox's channel rows: the guarantees of mail, one channel's trouble its own.

Rows are claimed with a lease, marked sent in one transaction after the channel took them,
and digest rows of one business and channel go as one message, exactly as for email
(`alerts.sending`, whose functions this uses). A channel that does not take a message — its
service unreachable, refusing, or the URL wrong — is postponed without counting an attempt,
with a delay that grows with the time the row is overdue (capped at `outage_cap`), so an
outage of days loses nothing; the channel's other rows are postponed with it, untried (one
slow timeout per channel and run, not one per row), and the other channels go on. A row
whose channel is no longer in config.yaml fails at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from jinja2 import TemplateError
from sqlalchemy.engine import Engine

from alerts.channel_urls import channel_of
from alerts.channels import ChannelBook, ChannelError, channel_message
from alerts.render import Renderer
from alerts.sending import (
    SendPolicy,
    SendSummary,
    _failed,
    _fresh,
    _groups,
    _postpone,
    build,
    claim,
)
from storage.db import session_scope
from storage.installation import installation_id
from storage.models import Notification
from storage.outbox import due, mark_sent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Run:
    engine: Engine
    book: ChannelBook
    renderer: Renderer
    now: datetime
    installation: str
    policy: SendPolicy
    summary: SendSummary


def send_channels(
    engine: Engine,
    book: ChannelBook,
    renderer: Renderer,
    now: datetime,
    policy: SendPolicy,
    summary: SendSummary | None = None,
) -> SendSummary:
    """Send every channel row due by `now`; adds to `summary` (the mail run's) when given."""
    summary = summary if summary is not None else SendSummary()
    with session_scope(engine) as session:
        rows = [r for r in due(session, now, channels=True) if channel_of(r.recipient)]
        installation = installation_id(session)
    run = _Run(engine, book, renderer, now, installation, policy, summary)
    failing: dict[str | None, str] = {}  # channel → why its first message of this run failed
    for group in _groups(rows):
        channel_id = channel_of(group[0].recipient)
        ids = claim(engine, group, now, policy.lease)
        if not ids:
            summary.skipped += len(group)
            continue
        claimed = _fresh(engine, [r.id for r in group if r.id in ids])  # a burst may have grown
        if channel_id in failing:  # one try per channel and run; its other rows wait too
            _postpone(engine, claimed, failing[channel_id], now, policy, summary)
            continue
        error = _deliver(run, channel_id, claimed)
        if error is not None:
            failing[channel_id] = error
    return summary


def _deliver(run: _Run, channel_id: str | None, rows: list[Notification]) -> str | None:
    """One message for `rows`; the reason when the channel did not take it."""
    channel = run.book.get(channel_id) if channel_id else None
    once = SendPolicy(max_attempts=1)
    if channel is None:
        error = f"channel {channel_id} is no longer in config.yaml; the message is not sent"
        _failed(run.engine, rows, error, run.now, once, run.summary)
        return None
    try:
        mail = build(run.renderer, rows, run.now, run.installation)
        message = channel_message(rows, mail, run.installation, run.book.link)
        run.book.notifier.notify(channel, message)
    except ChannelError as exc:
        _postpone(run.engine, rows, str(exc), run.now, run.policy, run.summary)
        return str(exc)
    except (ValueError, LookupError, TemplateError) as exc:  # a row that can never render
        _failed(run.engine, rows, f"cannot render: {exc}", run.now, once, run.summary)
        return None
    with session_scope(run.engine) as session:
        for row in rows:
            stored = session.get(Notification, row.id)
            if stored is not None:
                mark_sent(session, stored, run.now)
    run.summary.sent += len(rows)
    run.summary.channel_messages += 1
    log.info("%s sent to %s (%d notifications)", rows[0].kind, channel.label, len(rows))
    return None
