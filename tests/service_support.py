"""Shared set-up for the service tests: a config file around a local demo site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from leumund.config import Config

BUSINESS = "Bäckerei Beispiel"
OWNER = "inhaber@example.de"
OPERATOR = "it@example.de"


def config_data(
    url: str,
    *,
    model: str,
    mail: dict[str, Any] | None = None,
    service: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    schedule: str = "6h",
    crawler: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The settings of one business with one Trustpilot-style source at `url`."""
    return {
        "service": {"operator_emails": [OPERATOR], "jitter_seconds": 0, **(service or {})},
        "storage": {"url": "sqlite:///service.db"},
        "crawler": {
            "download_delay": 0, "autothrottle": False, "retry_times": 0,
            "download_timeout": 10, "crawl_timeout": 60, **(crawler or {}),
        },
        "sentiment": {"model": model, "batch_size": 4},
        "mail": mail or {"backend": "file", "directory": "mail"},
        "businesses": [
            {
                "name": BUSINESS,
                "owner_emails": [OWNER],
                # negative_probability 1.0: only stars decide, whatever a random model says
                "alerts": {"star_threshold": 2, "negative_probability": 1.0},
                "report": report or {"enabled": False},
                "sources": [
                    {"name": "trustpilot", "type": "trustpilot", "url": url, "schedule": schedule}
                ],
            }
        ],
    }  # fmt: skip


def write_config(directory: Path, url: str, *, model: str, **options: Any) -> Path:
    """A config.yaml for one business with one Trustpilot-style source at `url`."""
    path = directory / "config.yaml"
    data = config_data(url, model=model, **options)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_config(directory: Path, url: str, *, model: str = "bundled", **options: Any) -> Config:
    """The same settings as a validated `Config`, without a file (for parts built in tests)."""
    return Config.model_validate(config_data(url, model=model, **options)).bind(directory, {})
