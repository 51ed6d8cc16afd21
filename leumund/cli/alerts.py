"""`leumund alerts decide|send|retry-failed` and `leumund test-email`: the alert side by hand."""

from __future__ import annotations

import argparse
import sys
from email.message import EmailMessage

from alerts.mail import FileMailer, Mailer, MailError
from leumund.cli.args import SubParsers, with_parts
from leumund.errors import OperatorError
from leumund.jobs.alerts import decide_alerts, retry_failed, send_due
from leumund.parts import Parts, describe_mailer
from storage.db import init_schema


def register(sub: SubParsers) -> None:
    p = sub.add_parser("alerts", help="decide alerts for new reviews, or send the outbox now")
    actions = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    decide = actions.add_parser("decide", help="apply the alert rules to new and edited reviews")
    with_parts(decide, _decide)
    send = actions.add_parser("send", help="send every notification that is due")
    with_parts(send, _send)
    retry = actions.add_parser("retry-failed", help="re-queue notifications that were given up")
    with_parts(retry, _retry_failed)
    test = sub.add_parser("test-email", help="send a test email with the configured backend")
    test.add_argument("--to", metavar="ADDR", help="recipient (default: the operator emails)")
    with_parts(test, _test_email)


def _decide(args: argparse.Namespace, parts: Parts) -> int:
    init_schema(parts.engine)
    added = decide_alerts(parts, parts.clock())
    print(f"{added} notifications added to the outbox")
    return 0


def _send(args: argparse.Namespace, parts: Parts) -> int:
    init_schema(parts.engine)
    summary = send_due(parts, parts.clock())
    print(summary)
    return 1 if summary.retrying or summary.failed else 0


def _retry_failed(args: argparse.Namespace, parts: Parts) -> int:
    init_schema(parts.engine)
    count = retry_failed(parts.engine, parts.clock())
    print(f"{count} failed notifications re-queued; they go out with the next send")
    return 0


def _written_to(mailer: Mailer, message: EmailMessage) -> str:
    """With the file backend: the .eml file to open."""
    return f": {mailer.path_for(message)}" if isinstance(mailer, FileMailer) else ""


def _test_email(args: argparse.Namespace, parts: Parts) -> int:
    config = parts.config
    recipients = [args.to] if args.to else list(config.service.operator_emails)
    if not recipients and config.businesses:
        recipients = list(config.businesses[0].owner_emails)
    if not recipients:
        raise OperatorError("no recipient: pass --to ADDR or set service.operator_emails")
    backend, failed = describe_mailer(config), 0
    for recipient in recipients:
        message = parts.renderer.test(recipient, backend, parts.clock())
        try:
            parts.mailer.send(message)
        except MailError as exc:
            print(f"test email to {recipient} failed: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(
                f"test email sent to {recipient} via {backend}{_written_to(parts.mailer, message)}"
            )
    return 1 if failed else 0
