"""The composition root: parse arguments, load config once, build parts, run a command.

Each area registers its sub-commands from its own module in this package; errors meant for the
operator, and a database that cannot be reached, become one line on stderr and exit status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import ArgumentError, DBAPIError

from leumund.cli import registry
from leumund.cli.args import (
    Handler,
    PartsHandler,
    SubParsers,
    add_config_arg,
    config_from,
    default_config,
)
from leumund.errors import ConfigError, LeumundError, OperatorError
from leumund.loading import load_config
from leumund.logs import configure_logging
from leumund.parts import Parts, open_parts
from storage.db import display_url

log = logging.getLogger(__name__)


def _check_config(args: argparse.Namespace) -> int:
    path: Path = args.config
    if args.path is not None:
        if args.config not in (default_config(), args.path):
            raise OperatorError(f"check-config: two files given ({args.path}, {args.config})")
        path = args.path
    config = load_config(path, os.environ)
    sources = sum(len(b.sources) for b in config.businesses)
    print(f"{path}: OK — {len(config.businesses)} businesses, {sources} sources")
    return 0


def _add_check_config(sub: SubParsers) -> None:
    p = sub.add_parser("check-config", help="validate a config file and report every problem")
    p.add_argument("path", type=Path, nargs="?", help="the file (same as --config)")
    add_config_arg(p)
    p.set_defaults(handler=_check_config)


def _database(args: argparse.Namespace) -> str:
    """The configured database URL, password masked, for an error line."""
    path = getattr(args, "config", None)
    try:
        return display_url(load_config(path, os.environ).database_url()) if path else "(unknown)"
    except LeumundError:
        return "(unknown)"


def _first_line(exc: DBAPIError | ArgumentError) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    text = str(orig or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leumund", description="Self-hosted review monitor for small businesses."
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    parser.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log line format"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_check_config(sub)
    for register in registry.REGISTRARS:
        register(sub)
    return parser


def _dispatch(args: argparse.Namespace, parts: Parts | None) -> int:
    """Run the chosen command; commands that work on the parts get them built here, once."""
    handler: PartsHandler | None = getattr(args, "parts_handler", None)
    if handler is None:
        plain: Handler = args.handler
        return plain(args)
    if parts is not None:
        return handler(args, parts)
    with open_parts(config_from(args)) as built:
        return handler(args, built)


def main(argv: Sequence[str] | None = None, parts: Parts | None = None) -> int:
    """The CLI; `parts`, when given, replace those built from --config (tests)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, args.log_format)
    try:
        status = _dispatch(args, parts)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return status
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 2
    except LeumundError as exc:
        print(f"leumund: {exc}", file=sys.stderr)
        return 2
    except (DBAPIError, ArgumentError) as exc:
        reason = _first_line(exc)
        print(f"leumund: database {_database(args)} unavailable: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("leumund: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 1


def _discard_stdout() -> None:
    """The reader went away (`leumund try-source … | head`): stop quietly, no traceback.

    Later writes, including the flush at exit, go to /dev/null instead of the closed pipe.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
