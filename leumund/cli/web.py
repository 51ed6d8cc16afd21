"""`leumund web` (the dashboard alone) and `leumund user set-password`."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import threading

from argon2 import PasswordHasher

from leumund.cli.args import SubParsers, with_parts
from leumund.errors import OperatorError
from leumund.parts import Parts
from leumund.service.supervision import stop_on_signals
from leumund.web.server import WebServer, web_context
from storage import web_auth
from storage.db import init_schema, session_scope

log = logging.getLogger(__name__)


def _web(args: argparse.Namespace, parts: Parts) -> int:
    config = parts.config
    init_schema(parts.engine)
    host = args.host or config.web.host
    port = args.port if args.port is not None else config.web.port
    server = WebServer(web_context(parts), host, port).start()
    stop = threading.Event()
    with stop_on_signals(stop):
        if server.wait_started(stop):
            log.info("dashboard at %s", config.web.base_url or f"http://{host}:{server.port}")
            stop.wait()
    server.stop()
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Neues Passwort: ")
        if first != getpass.getpass("Wiederholen: "):
            raise OperatorError("user set-password: the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _set_password(args: argparse.Namespace, parts: Parts) -> int:
    config = parts.config
    email = args.email.strip().lower()
    if email not in {e.lower() for e in config.service.operator_emails}:
        raise OperatorError(
            f"user set-password: {email} is not in service.operator_emails; only operators"
            " may sign in with a password (owners use the emailed link)"
        )
    password = _read_password()
    if len(password) < 12:
        raise OperatorError("user set-password: use at least 12 characters")
    init_schema(parts.engine)
    with session_scope(parts.engine) as session:
        web_auth.save_user(
            session, email, parts.clock(), password_hash=PasswordHasher().hash(password)
        )
    print(f"password set for {email}")
    return 0


def register(sub: SubParsers) -> None:
    web = sub.add_parser("web", help="serve the dashboard (see web: in config.yaml)")
    web.add_argument("--host", default=None, help="address to listen on (default web.host)")
    web.add_argument("--port", type=int, default=None, help="port (default web.port)")
    with_parts(web, _web)
    user = sub.add_parser("user", help="dashboard users")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    pw = actions.add_parser("set-password", help="set an operator's password (read from stdin)")
    pw.add_argument("email")
    with_parts(pw, _set_password)
