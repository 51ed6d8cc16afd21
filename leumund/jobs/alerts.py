"""Alert jobs: config → rules and mailer; decide alerts into the outbox; send what is due."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts as decide_into_outbox
from alerts.mail import FileMailer, Mailer, SmtpMailer
from alerts.policy import AlertPolicy
from alerts.render import Renderer
from alerts.replies import ReplyTemplateError
from alerts.sending import SendPolicy, SendSummary
from alerts.sending import send_due as send_outbox
from leumund.config import BusinessConfig, Config
from leumund.jobs.reply import draft_for
from storage.db import session_scope
from storage.outbox import requeue_failed

__all__ = [
    "SendSummary",
    "alert_policies",
    "decide_alerts",
    "make_mailer",
    "retry_failed",
    "send_due",
]

log = logging.getLogger(__name__)


def make_mailer(config: Config) -> Mailer:
    """The configured backend: SMTP with the password from the environment, or a folder."""
    smtp = config.mail.smtp
    if config.mail.backend == "smtp" and smtp is not None:
        return SmtpMailer.from_settings(smtp, config.secret(smtp.password_env))
    return FileMailer(config.mail_directory())


def describe_mailer(config: Config) -> str:
    smtp = config.mail.smtp
    if config.mail.backend == "smtp" and smtp is not None:
        return f"smtp {smtp.host}:{smtp.port} ({smtp.security})"
    return f"file {config.mail_directory()}"


def alert_policies(config: Config) -> dict[str, AlertPolicy]:
    return {
        b.name: AlertPolicy(
            business=b.name,
            rules=b.alerts,
            recipients=tuple(b.alert_recipients()),
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


def decide_alerts(engine: Engine, config: Config, now: datetime) -> int:
    """Turn every open review into outbox rows (or close it); returns rows added."""
    summary = decide_into_outbox(engine, alert_policies(config), now)
    if summary.added or summary.closed:
        log.info(
            "alerts decided: %d reviews closed, %d alerts, %d backlog summaries, %d waiting"
            " for sentiment",
            summary.closed, summary.alerts, summary.backlog_summaries, summary.waiting,
        )  # fmt: skip
    return summary.added


def send_due(engine: Engine, config: Config, mailer: Mailer, now: datetime) -> SendSummary:
    policy = SendPolicy(
        max_attempts=config.mail.max_attempts,
        retry_base=timedelta(seconds=config.mail.retry_base_seconds),
    )
    return send_outbox(engine, mailer, Renderer(config.mail.sender), now, policy)


def retry_failed(engine: Engine, now: datetime) -> int:
    """Re-queue every notification that was given up on; how many."""
    with session_scope(engine) as session:
        count = requeue_failed(session, now)
    if count:
        log.info("%d failed notifications re-queued", count)
    return count
