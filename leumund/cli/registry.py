"""Which areas add sub-commands to the CLI; each area owns its module in `leumund.cli`."""

from __future__ import annotations

from collections.abc import Callable

from leumund.cli import alerts, crawl, db, report, sentiment, service, web
from leumund.cli.args import SubParsers

Registrar = Callable[[SubParsers], None]

REGISTRARS: list[Registrar] = [
    crawl.register,
    sentiment.register,
    alerts.register,
    report.register,
    service.register,
    db.register,
    web.register,
]
