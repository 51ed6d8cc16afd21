"""Alert jobs: config → rules; decide alerts into the outbox; send what is due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from alerts.channel_outbox import send_channels
from alerts.decide import decide_alerts as decide_into_outbox
from alerts.policy import AlertPolicy
from alerts.replies import ReplyTemplateError
from alerts.sending import SendPolicy, SendSummary
from alerts.sending import send_due as send_outbox
from leumund.config import BusinessConfig, Config
from leumund.jobs.reply import draft_for
from leumund.parts import Parts
from storage.db import session_scope
from storage.outbox import requeue_failed

__all__ = [
    "SendSummary",
    "alert_policies",
    "decide_alerts",
    "retry_failed",
    "send_due",
]

log = logging.getLogger(__name__)


def alert_policies(config: Config) -> dict[str, AlertPolicy]:
    return {
        b.name: AlertPolicy(
            business=b.name,
            rules=b.alerts,
            recipients=(*b.alert_recipients(), *b.channel_recipients()),
            language=b.language,
            timezone=b.timezone,
            reply_draft=_draft(config, b),
        )
        for b in config.businesses
    }


def _draft(config: Config, business: BusinessConfig) -> str:
    """The business's reply suggestion; a broken operator template costs the draft, never
    the alert."""
    try:
        return draft_for(config, business)
    except ReplyTemplateError as exc:
        log.error("business %r: alerts go out without a reply draft: %s", business.name, exc)
        return ""


def decide_alerts(parts: Parts, now: datetime) -> int:
    """Turn every open review into outbox rows (or close it); returns rows added."""
    summary = decide_into_outbox(parts.engine, alert_policies(parts.config), now)
    if summary.added or summary.closed:
        log.info(
            "alerts decided: %d reviews closed, %d alerts, %d backlog summaries, %d waiting"
            " for sentiment",
            summary.closed, summary.alerts, summary.backlog_summaries, summary.waiting,
        )  # fmt: skip
    return summary.added


def send_due(parts: Parts, now: datetime) -> SendSummary:
    """Send every outbox row that is due: emails with the parts' mailer, then the channels."""
    mail = parts.config.mail
    policy = SendPolicy(
        max_attempts=mail.max_attempts, retry_base=timedelta(seconds=mail.retry_base_seconds)
    )
    summary = send_outbox(parts.engine, parts.mailer, parts.renderer, now, policy)
    return send_channels(parts.engine, parts.channels, parts.renderer, now, policy, summary)


def retry_failed(engine: Engine, now: datetime) -> int:
    """Re-queue every notification that was given up on; how many."""
    with session_scope(engine) as session:
        count = requeue_failed(session, now)
    if count:
        log.info("%d failed notifications re-queued", count)
    return count
