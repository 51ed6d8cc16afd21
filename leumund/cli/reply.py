"""`leumund reply`: print a reply draft for a review, or post the owner's reply."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from leumund.cli.args import SubParsers, add_config_arg, config_from
from leumund.errors import OperatorError
from leumund.jobs.reply import draft_for, find_review, post_reply
from storage.db import init_schema, make_engine


def register(sub: SubParsers) -> None:
    p = sub.add_parser(
        "reply",
        help="answer a review: print a draft (--draft) or post a reply (--text-file)",
        description="Posts through the Google Business Profile API for google_business_profile"
        " sources; for every other platform it says where to answer. The review then counts"
        " as answered, with who replied and when.",
    )
    p.add_argument("--review", type=int, required=True, help="Leumund's review id (in alerts)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text-file", type=Path, help="UTF-8 file with the reply to post")
    what.add_argument("--draft", action="store_true", help="print a reply draft to start from")
    p.add_argument("--by", help="who replies (default: the current user name)")
    add_config_arg(p)
    p.set_defaults(handler=_reply)


def _reply(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url())
    try:
        init_schema(engine)
        if args.draft:
            with Session(engine) as session:
                place = find_review(session, config, args.review)
            print(draft_for(config, place.business), end="")
            return 0
        text = _read_text(args.text_file)
        by = args.by or _user_name()
        name = post_reply(engine, config, args.review, text, by, datetime.now(UTC))
    finally:
        engine.dispose()
    print(f"reply: posted to {name}; review {args.review} is answered (by {by})")
    return 0


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise OperatorError("reply: say who replies with --by NAME") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OperatorError(f"cannot read reply text from {path}: {exc}") from None
