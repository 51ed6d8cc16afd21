"""Alert jobs: config → rules; decide alerts into the outbox; send what is due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from alerts.channel_outbox import send_channels
from alerts.decide import decide_alerts as decide_into_outbox
from alerts.policy import AlertPolicy
from alerts.replies import ReplyDrafter, ReplyTemplateError
from alerts.sending import SendPolicy, SendSummary
from alerts.sending import send_due as send_outbox
from leumund.config import BusinessConfig, Config
from leumund.jobs.reply import drafter_for
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
    return {b.name: _policy(config, b) for b in config.businesses}


def _policy(config: Config, business: BusinessConfig) -> AlertPolicy:
    """A business's rules, recipients and reply drafts (none while its templates are broken)."""
    drafter = drafter_for(config, business)
    draft = _draft(drafter, business)
    return AlertPolicy(
        business=business.name,
        rules=business.alerts,
        recipients=(*business.alert_recipients(), *business.channel_recipients()),
        language=business.language,
        timezone=business.timezone,
        reply_draft=draft,
        drafter=drafter if draft else None,
    )


def _draft(drafter: ReplyDrafter, business: BusinessConfig) -> str:
    """The business's reply suggestion; a broken operator template costs the draft, never
    the alert."""
    try:
        return drafter.draft()
    except ReplyTemplateError as exc:
        log.error("business %r: alerts go out without a reply draft: %s", business.name, exc)
        return ""


def decide_alerts(parts: Parts, now: datetime, classified: bool = False) -> int:
    """Turn every open review into outbox rows (or close it); returns rows added.

    `classified`: the classify step just ran, so an unclassified review waits for it.
    """
    policies = alert_policies(parts.config)
    summary = decide_into_outbox(parts.engine, policies, now, hold_unclassified=classified)
    if summary.added or summary.closed or summary.competitor:
        log.info(
            "alerts decided: %d reviews closed, %d alerts, %d backlog summaries, %d burst"
            " messages, %d waiting for sentiment, %d of competitors (never alerted)",
            summary.closed, summary.alerts, summary.backlog_summaries, summary.burst_messages,
            summary.waiting, summary.competitor,
        )  # fmt: skip
    return summary.added


def send_due(parts: Parts, now: datetime) -> SendSummary:
    """Send every outbox row that is due: emails with the parts' mailer, then the channels."""
    mail = parts.config.mail
    policy = SendPolicy(
        max_attempts=mail.max_attempts,
        retry_base=timedelta(seconds=mail.retry_base_seconds),
        base_url=parts.config.web.base_url,
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
