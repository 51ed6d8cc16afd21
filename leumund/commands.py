"""Which areas add sub-commands to the CLI; each area owns its `commands_*` module."""

from __future__ import annotations

from collections.abc import Callable

from leumund import (
    commands_alerts,
    commands_crawl,
    commands_report,
    commands_sentiment,
    commands_service,
)
from leumund.cliargs import SubParsers

Registrar = Callable[[SubParsers], None]

REGISTRARS: list[Registrar] = [
    commands_crawl.register,
    commands_sentiment.register,
    commands_alerts.register,
    commands_report.register,
    commands_service.register,
]
