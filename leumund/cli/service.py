"""`leumund run`, `status`, `classify` and `demo`: the service and its operator views."""

from __future__ import annotations

import argparse
import json
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

from leumund.cli.args import SubParsers, with_parts
from leumund.errors import OperatorError
from leumund.jobs.classify import classify_pending, round_size, topic_setup
from leumund.parts import Parts
from leumund.service.demo import DEFAULT_DIR, run_demo
from leumund.service.runner import run_once, run_service
from leumund.service.status import BusinessStatus, SourceStatus, Status, collect_status
from leumund.service.status_json import status_document
from leumund.service.supervision import stop_on_signals
from storage.db import display_url, init_schema


def register(sub: SubParsers) -> None:
    p = sub.add_parser("run", help="run the service: scheduled crawls, alerts and reports")
    p.add_argument("--once", action="store_true", help="run once what is due, then exit (for cron)")
    p.add_argument(
        "--force", action="store_true", help="with --once: crawl every enabled source, due or not"
    )
    with_parts(p, _run)
    p = sub.add_parser("status", help="show sources, notifications and next runs")
    p.add_argument("--json", action="store_true", help="one JSON object (see README)")
    with_parts(p, _status)
    p = sub.add_parser("classify", help="classify all reviews still without a sentiment")
    with_parts(p, _classify)
    p = sub.add_parser("demo", help="try Leumund on built-in demo pages (no internet needed)")
    p.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR), help="folder for everything")
    p.add_argument(
        "--serve", nargs="?", const=8080, type=int, default=None, metavar="PORT",
        help="afterwards keep the dashboard running (default port 8080) with a sign-in link",
    )  # fmt: skip
    p.set_defaults(handler=_demo)


def _run(args: argparse.Namespace, parts: Parts) -> int:
    if args.force and not args.once:
        raise OperatorError("--force only goes with --once (the service keeps the schedules)")
    stop = threading.Event()
    with stop_on_signals(stop):
        if args.once:
            return run_once(parts, stop, force=args.force)
        return run_service(parts, stop)


def _classify(args: argparse.Namespace, parts: Parts) -> int:
    config = parts.config
    classifier = parts.classifier()
    if classifier is None:
        raise OperatorError(f"sentiment model {config.sentiment.model!r} could not be loaded")
    init_schema(parts.engine)
    topics = topic_setup(config)
    done = classify_pending(
        parts.engine, classifier, round_size(config.sentiment.batch_size), topics
    )
    print(f"classified {done} reviews with {classifier.name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.serve is None:
        return run_demo(args.dir, print)
    stop = threading.Event()
    with stop_on_signals(stop):
        return run_demo(args.dir, print, serve=args.serve, stop=stop)


def _at(at: datetime | None, tz: ZoneInfo) -> str:
    return "never" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _when(at: datetime | None, tz: ZoneInfo, now: datetime) -> str:
    """A next run: `now` means it is overdue and runs as soon as the service runs."""
    if at is not None and abs((at - now).total_seconds()) < 1:
        return "now (overdue)"
    return _at(at, tz)


def _print_source(source: SourceStatus, tz: ZoneInfo, now: datetime) -> None:
    state = "enabled" if source.enabled else "disabled"
    print(f"  {source.name} ({source.type}, {source.schedule}, {state})")
    print(f"    last successful crawl: {_at(source.last_success_at, tz)}")
    if source.last_error:
        failures = f" ({source.consecutive_failures} failures in a row)"
        print(f"    last error: {source.last_error.splitlines()[0][:200]}{failures}")
    print(f"    reviews stored: {source.reviews}")
    if source.enabled:
        print(f"    next crawl: {_when(source.next_run, tz, now)}")


def _counts(counts: dict[str, int]) -> str:
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    return f"{pending} pending, {counts.get('failed', 0)} failed, {counts.get('sent', 0)} sent"


def _print_business(business: BusinessStatus, now: datetime) -> None:
    tz = ZoneInfo(business.timezone)
    print(f"{business.name} — {business.reviews} reviews")
    print(f"  notifications: {_counts(business.notifications)}")
    if business.mail_held_until is not None:
        print(f"  quiet hours: mail held until {_at(business.mail_held_until, tz)}")
    print(f"  next weekly report: {_when(business.next_report, tz, now)}")
    for source in business.sources:
        _print_source(source, tz, now)


def _print_failed(status: Status) -> None:
    if not status.failed_total:
        return
    shown = len(status.failed)
    more = f", the latest {shown} shown" if shown < status.failed_total else ""
    print(f"failed notifications: {status.failed_total}{more}"
          " (`leumund alerts retry-failed` sends them again)")  # fmt: skip
    for n in status.failed:
        print(f"  {n.business or 'operator'}: {n.kind} to {n.recipient},"
              f" {n.attempts} attempt(s): {n.last_error[:200]}")  # fmt: skip


def _print_status(status: Status, tz: ZoneInfo, now: datetime) -> None:
    for business in status.businesses:
        _print_business(business, now)
    used = ", ".join(f"{m} ({n} reviews)" for m, n in status.models_used.items()) or "none yet"
    print(f"model: {status.model_configured} — used so far: {used};"
          f" {status.unclassified} reviews unclassified")  # fmt: skip
    if status.operator_notifications:
        print(f"operator notifications: {_counts(status.operator_notifications)}")
    _print_failed(status)
    print(f"next health check: {_when(status.next_health_check, tz, now)}")


def _status(args: argparse.Namespace, parts: Parts) -> int:
    config = parts.config
    try:
        init_schema(parts.engine)
        now = parts.clock()
        status = collect_status(parts.engine, config, now)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        database = display_url(config.database_url())
        raise OperatorError(f"database {database} unavailable: {reason}") from None
    if args.json:
        print(json.dumps(status_document(status, now), ensure_ascii=False, indent=2))
    else:
        _print_status(status, ZoneInfo(config.service.timezone), now)
    return 0
