"""`leumund alerts decide|send|retry-failed` and `leumund test-email`: the alert side by hand."""

from __future__ import annotations

import argparse
import sys
from email.message import EmailMessage

from alerts.mail import FileMailer, Mailer, MailError
from alerts.render import Renderer
from leumund.cli.args import SubParsers, add_config_arg, config_from
from leumund.errors import OperatorError
from leumund.jobs.alerts import (
    decide_alerts,
    describe_mailer,
    make_mailer,
    retry_failed,
    send_due,
)
from storage.db import init_schema, make_engine
from storage.models import utcnow


def register(sub: SubParsers) -> None:
    p = sub.add_parser("alerts", help="decide alerts for new reviews, or send the outbox now")
    actions = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    decide = actions.add_parser("decide", help="apply the alert rules to new and edited reviews")
    add_config_arg(decide)
    decide.set_defaults(handler=_decide)
    send = actions.add_parser("send", help="send every notification that is due")
    add_config_arg(send)
    send.set_defaults(handler=_send)
    retry = actions.add_parser("retry-failed", help="re-queue notifications that were given up")
    add_config_arg(retry)
    retry.set_defaults(handler=_retry_failed)
    test = sub.add_parser("test-email", help="send a test email with the configured backend")
    test.add_argument("--to", metavar="ADDR", help="recipient (default: the operator emails)")
    add_config_arg(test)
    test.set_defaults(handler=_test_email)


def _decide(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        added = decide_alerts(engine, config, utcnow())
    finally:
        engine.dispose()
    print(f"{added} notifications added to the outbox")
    return 0


def _send(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        summary = send_due(engine, config, make_mailer(config), utcnow())
    finally:
        engine.dispose()
    print(summary)
    return 1 if summary.retrying or summary.failed else 0


def _retry_failed(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        count = retry_failed(engine, utcnow())
    finally:
        engine.dispose()
    print(f"{count} failed notifications re-queued; they go out with the next send")
    return 0


def _written_to(mailer: Mailer, message: EmailMessage) -> str:
    """With the file backend: the .eml file to open."""
    return f": {mailer.path_for(message)}" if isinstance(mailer, FileMailer) else ""


def _test_email(args: argparse.Namespace) -> int:
    config = config_from(args)
    recipients = [args.to] if args.to else list(config.service.operator_emails)
    if not recipients and config.businesses:
        recipients = list(config.businesses[0].owner_emails)
    if not recipients:
        raise OperatorError("no recipient: pass --to ADDR or set service.operator_emails")
    backend = describe_mailer(config)
    mailer, renderer, failed = make_mailer(config), Renderer(config.mail.sender), 0
    for recipient in recipients:
        message = renderer.test(recipient, backend, utcnow())
        try:
            mailer.send(message)
        except MailError as exc:
            print(f"test email to {recipient} failed: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(f"test email sent to {recipient} via {backend}{_written_to(mailer, message)}")
    return 1 if failed else 0
