"""Argument helpers shared by every area's sub-commands."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from leumund.config import Config
from leumund.loading import load_config
from leumund.parts import Parts

# argparse has no public name for the object `add_subparsers()` returns.
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

Handler = Callable[[argparse.Namespace], int]
PartsHandler = Callable[[argparse.Namespace, Parts], int]
"""A command working on the configured parts; `leumund.cli.main` builds them once for it."""


def with_parts(parser: argparse.ArgumentParser, handler: PartsHandler) -> None:
    """`handler` gets the parts built from --config (and the --config option is added)."""
    add_config_arg(parser)
    parser.set_defaults(parts_handler=handler)


def default_config() -> Path:
    return Path(os.environ.get("LEUMUND_CONFIG", "config.yaml"))


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        "-c",
        type=Path,
        default=default_config(),
        help="path to config.yaml (default: $LEUMUND_CONFIG or ./config.yaml)",
    )


def config_from(args: argparse.Namespace) -> Config:
    """Load the config named by --config, with secrets from this process's environment."""
    path: Path = args.config
    return load_config(path, os.environ)
