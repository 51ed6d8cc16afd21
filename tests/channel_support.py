"""Set-up for the channel tests: a config with Apprise channels to a local HTTP receiver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml
from sqlalchemy.engine import Engine

from leumund.config import Config
from leumund.loading import load_config
from leumund.parts import Parts, build_parts
from tests.httpserver import Hit, LocalServer
from tests.test_alerts_decide import BUSINESS, NOW, OWNER

TOKEN = "s3cr3t-T0ken"  # the secret in the webhook's path, from $HOOK_TOKEN
ENV = {"HOOK_TOKEN": TOKEN}
HOOK = f"/hook/{TOKEN}"
FORM = "/form"


def json_url(server: LocalServer, query: str = "") -> str:
    """The webhook with its secret as a variable, as an operator writes it."""
    port = server.httpd.server_address[1]
    return f"json://127.0.0.1:{port}/hook/${{HOOK_TOKEN}}{query}"


def form_url(server: LocalServer) -> str:
    return f"form://127.0.0.1:{server.httpd.server_address[1]}{FORM}"


def write_config(directory: Path, channels: list[str], **extra: Any) -> Path:
    """One business alerting on ≤ 2 stars, with these channels."""
    business: dict[str, Any] = {
        "name": BUSINESS,
        "owner_emails": [OWNER],
        "alerts": {"star_threshold": 2, "negative_probability": 1.0},
        "channels": channels,
        **extra.pop("business", {}),
    }
    data = {
        "storage": {"url": "sqlite:///leumund.db"},
        "mail": {"backend": "file", "directory": "mail"},
        "businesses": [business],
        **extra,
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_parts(directory: Path, engine: Engine, channels: list[str], **extra: Any) -> Parts:
    config: Config = load_config(write_config(directory, channels, **extra), ENV)
    return build_parts(config, engine=engine, clock=lambda: NOW)


def posted(server: LocalServer, path: str) -> list[Hit]:
    return [hit for hit in server.hits if hit.path == path and hit.method == "POST"]


def json_body(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(hit.body)
    return data


def form_body(hit: Hit) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(hit.body.decode("utf-8")).items()}
