"""compose.yaml and the Dockerfile name what a deployment needs (no Docker engine runs here,
so this reads them; the images themselves are not built or started by the tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _named_volume(volumes: list[str], target: str) -> str:
    (name,) = [v.split(":")[0] for v in volumes if v.split(":")[1] == target]
    assert not name.startswith((".", "/")), f"{target} is a bind mount, not a named volume"
    return name


def test_compose_has_postgresql_with_a_named_volume_and_a_health_check() -> None:
    compose = _compose()
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    volume = _named_volume(db["volumes"], "/var/lib/postgresql/data")
    assert volume in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${")  # from .env, never literal


def test_compose_runs_leumund_after_a_healthy_database_with_its_own_health_check() -> None:
    compose = _compose()
    app = compose["services"]["leumund"]
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "leumund status" in " ".join(app["healthcheck"]["test"])
    data = _named_volume(app["volumes"], "/data")
    assert data in compose["volumes"]
    assert "./config.yaml:/etc/leumund/config.yaml:ro" in app["volumes"]
    env = app["environment"]
    assert env["LEUMUND_CONFIG"] == "/etc/leumund/config.yaml"
    assert all(str(value).startswith("$") for key, value in env.items() if "PASSWORD" in key)
    header = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert "postgresql+psycopg://leumund@db:5432/leumund" in header
    assert "directory: /data/mail" in header


def test_dockerfile_has_a_health_check_with_leumund_status() -> None:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("HEALTHCHECK "))
    instruction = " ".join(lines[start : start + 2])
    assert "CMD leumund status" in instruction
    assert 'VOLUME ["/data"]' in lines
