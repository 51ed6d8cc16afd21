"""Which areas add sub-commands to the CLI; each area owns its module in `leumund.cli`."""

from __future__ import annotations

from collections.abc import Callable

from leumund.cli import (
    alerts,
    aspects,
    channels,
    crawl,
    db,
    invite,
    reply,
    report,
    sentiment,
    service,
    web,
)
from leumund.cli.args import SubParsers

Registrar = Callable[[SubParsers], None]

REGISTRARS: list[Registrar] = [
    crawl.register,
    sentiment.register,
    aspects.register,
    alerts.register,
    channels.register,
    report.register,
    service.register,
    db.register,
    web.register,
    reply.register,
    invite.register,
]
