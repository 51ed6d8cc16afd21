"""`leumund report`: send the weekly report now, or write it to an HTML file for a browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from leumund.cli.args import SubParsers, with_parts
from leumund.errors import OperatorError
from leumund.jobs.alerts import send_due
from leumund.jobs.report import chosen_businesses, enqueue_weekly_reports, write_report_html
from leumund.parts import Parts
from storage.db import init_schema


def register(sub: SubParsers) -> None:
    p = sub.add_parser(
        "report",
        help="send the weekly report now (or write it to an HTML file with --out)",
        description="Without --out the report of each chosen business is queued once per"
        " week and recipient, then the outbox (with anything else that is due) is sent"
        " right away with the configured mail backend. With --out nothing is sent.",
    )
    p.add_argument("--business", help="only this business (default: all with reports on)")
    p.add_argument(
        "--week", help="ISO week like 2026-W47, or KW47 (default: the last complete week)"
    )
    p.add_argument(
        "--resend", action="store_true", help="send the report again although it was sent"
    )
    p.add_argument("--out", type=Path, help="write the report to this HTML file instead")
    with_parts(p, _report)


def _report(args: argparse.Namespace, parts: Parts) -> int:
    init_schema(parts.engine)
    if args.out is not None:
        return _write_file(args, parts)
    return _send(args, parts)


def _write_file(args: argparse.Namespace, parts: Parts) -> int:
    names = [b.name for b in chosen_businesses(parts.config, args.business)]
    if len(names) != 1:
        raise OperatorError(
            f"--out writes one business's report; choose one with --business ({len(names)}"
            " businesses have reports enabled)"
        )
    path = write_report_html(parts.engine, parts.config, names[0], args.week, args.out)
    print(f"report: written to {path} (open it in a browser)")
    return 0


def _send(args: argparse.Namespace, parts: Parts) -> int:
    now, config = parts.clock(), parts.config
    added = enqueue_weekly_reports(parts.engine, config, now, args.business, args.week, args.resend)
    summary = send_due(parts, now)
    hint = (
        "" if added or args.resend else " (a week's report goes out once; --resend sends it again)"
    )
    print(f"report: {added} new message(s) queued; outbox: {summary}{hint}")
    return 0
