"""Which areas add sub-commands to the CLI; each area owns its `commands_*` module."""

from __future__ import annotations

from collections.abc import Callable

from leumund import commands_crawl, commands_sentiment
from leumund.cliargs import SubParsers

Registrar = Callable[[SubParsers], None]

REGISTRARS: list[Registrar] = [commands_crawl.register, commands_sentiment.register]
