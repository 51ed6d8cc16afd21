"""Argument helpers shared by every area's sub-commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TypeAlias

from leumund.config import Config
from leumund.loading import load_config

# argparse has no public name for the object `add_subparsers()` returns.
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


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
