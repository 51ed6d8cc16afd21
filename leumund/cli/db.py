"""`leumund db upgrade|current`: schema migrations on demand (every writing command also
upgrades on start)."""

from __future__ import annotations

import argparse

from leumund.cli.args import SubParsers, with_parts
from leumund.parts import Parts
from storage import migrate
from storage.db import display_url, init_schema


def _upgrade(args: argparse.Namespace, parts: Parts) -> int:
    url, engine = parts.config.database_url(), parts.engine
    before = migrate.current_revision(engine)
    init_schema(engine)
    after = migrate.current_revision(engine)
    change = "already up to date" if before == after else f"upgraded from {before or 'none'}"
    print(f"database {display_url(url)}: revision {after} ({change})")
    return 0


def _current(args: argparse.Namespace, parts: Parts) -> int:
    url = parts.config.database_url()
    current = migrate.current_revision(parts.engine)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"needs `leumund db upgrade` to {head}"
    print(f"database {display_url(url)}: revision {current or 'none'} ({state})")
    return 0 if current == head else 1


def register(sub: SubParsers) -> None:
    db = sub.add_parser("db", help="database schema: upgrade or show the revision")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="bring the schema to the newest revision")
    with_parts(up, _upgrade)
    cur = actions.add_parser("current", help="show the schema revision (exit 1 if behind)")
    with_parts(cur, _current)
