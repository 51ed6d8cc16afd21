"""`leumund test-channel`: one test message to each channel, so a wrong URL shows today."""

from __future__ import annotations

import argparse
import secrets
import sys

from alerts.channel_text import test_message
from alerts.channel_urls import channel_id
from alerts.channels import ChannelError
from leumund.cli.args import SubParsers, with_parts
from leumund.config import Config
from leumund.errors import OperatorError
from leumund.parts import Parts


def register(sub: SubParsers) -> None:
    test = sub.add_parser("test-channel", help="send a test message to each configured channel")
    test.add_argument(
        "--business", metavar="NAME", help="only this business's channels (default: all)"
    )
    with_parts(test, _test_channel)


def _targets(config: Config, business: str | None) -> list[tuple[str, str, str, str]]:
    """(where, URL template, language, time zone) of every channel to test."""
    if business is not None:
        try:
            chosen = [config.business(business)]
        except KeyError:
            raise OperatorError(f"test-channel: no business named {business!r}") from None
    else:
        chosen = list(config.businesses)
    service = config.service
    found = [] if business else [("service", u, "de", service.timezone) for u in service.channels]
    for b in chosen:
        found += [(b.name, u, b.language, b.timezone) for u in b.channels]
    return found


def _test_channel(args: argparse.Namespace, parts: Parts) -> int:
    targets = _targets(parts.config, args.business)
    if not targets:
        raise OperatorError("test-channel: no channels configured (add `channels:` to config.yaml)")
    failed = 0
    for where, template, language, timezone in targets:
        channel = parts.channels.get(channel_id(template))
        if channel is None:
            raise OperatorError(f"test-channel: {where}: channel not built from the config")
        message = test_message(language, timezone, parts.clock(), secrets.token_hex(16))
        try:
            parts.channels.notifier.notify(channel, message)
        except ChannelError as exc:
            print(f"{where}: {exc}: failed", file=sys.stderr)
            failed += 1
        else:
            print(f"{where}: {channel.label}: ok")
    return 1 if failed else 0
