"""`leumund invite-kit`: a printable card and poster, email and SMS text asking for reviews."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from leumund.cli.args import SubParsers, add_config_arg, config_from
from leumund.jobs.invite import make_invite_kit
from storage.db import init_schema, make_engine


def register(sub: SubParsers) -> None:
    p = sub.add_parser(
        "invite-kit",
        help="make a QR card (A6), poster (A4), email and SMS text asking customers for reviews",
        description="Writes karte-a6.pdf/.png, aushang-a4.pdf/.png, email.txt and sms.txt into"
        " --out, pointing at the business's review page (review_url, or derived from its"
        " Google place id or Trustpilot source). Ask every customer the same way and offer"
        " nothing in return: platforms forbid review gating and incentives.",
    )
    p.add_argument("--business", required=True, help="the business's name in the config")
    p.add_argument("--out", type=Path, required=True, help="directory for the files")
    add_config_arg(p)
    p.set_defaults(handler=_invite_kit)


def _invite_kit(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        kit = make_invite_kit(engine, config, args.business, args.out, datetime.now(UTC))
    finally:
        engine.dispose()
    print(f"invite-kit: {len(kit.files)} files in {args.out} for {kit.url}")
    return 0
