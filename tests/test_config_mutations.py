"""Many mutations of the example config.yaml: every number bounded, broken files rejected in
one line without a traceback, and every problem reported in the first round."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from leumund.cli import main
from leumund.config import Config
from leumund.errors import ConfigError
from leumund.loading import _inner_model, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.yaml"
ZERO_ALLOWED = {
    "service.jitter_seconds",
    "service.database_wait_seconds",
    "crawler.download_delay",
    "crawler.retry_times",
    "mail.retry_base_seconds",
    "businesses[].alerts.star_threshold",
}


def _example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    unshared: dict[str, Any] = json.loads(json.dumps(data))  # the example shares via anchors
    return unshared


def _numbers(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every int/float key in the config models ('[]' = first list item)."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = _inner_model(field.annotation)
        args = getattr(field.annotation, "__args__", ())
        if inner is not None:
            is_list = getattr(field.annotation, "__origin__", None) is list
            paths += _numbers(inner, f"{path}[]." if is_list else f"{path}.")
        elif field.annotation in (int, float) or set(args) & {int, float}:
            paths.append(path)
    return paths


NUMBERS = _numbers(Config)


def _set(data: dict[str, Any], path: str, value: Any) -> str:
    """Set `path` in `data`; returns the key path as the error line names it."""
    parts = path.replace("[]", ".0").split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[parts[-1]] = value
    if parts[0] == "businesses" and parts[2] in ("sources",):
        node.pop("enabled", None)
    return path.replace("[]", "[0]")


def _problems(tmp_path: Path, data: dict[str, Any], environ: dict[str, str]) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_config(path, environ)
    except ConfigError as exc:
        return [line.removeprefix(f"{path}: ") for line in exc.problems]
    return []


def test_every_number_of_the_models_is_found() -> None:
    assert {"service.outbox_interval_seconds", "mail.smtp.port", "crawler.crawl_timeout",
            "sentiment.batch_size", "businesses[].sources[].max_pages",
            "businesses[].alerts.negative_probability"} <= set(NUMBERS)  # fmt: skip
    assert len(NUMBERS) >= 18


@pytest.mark.parametrize("path", NUMBERS)
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e20, 10**30, -1])
def test_every_number_is_bounded(tmp_path: Path, path: str, value: float) -> None:
    data = _example()
    key = _set(data, path, value)
    lines = _problems(tmp_path, data, {})
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{key}: expected "), lines


@pytest.mark.parametrize("path", sorted(ZERO_ALLOWED))
def test_zero_stays_allowed_for_delays_retries_and_jitter(tmp_path: Path, path: str) -> None:
    data = _example()
    _set(data, path, 0)
    assert _problems(tmp_path, data, {}) == []


def test_the_issue_examples_are_rejected(tmp_path: Path) -> None:
    for path, value in [
        ("mail.retry_base_seconds", math.inf),
        ("crawler.crawl_timeout", math.inf),
        ("service.outbox_interval_seconds", 1e20),
    ]:
        data = _example()
        _set(data, path, value)
        assert _problems(tmp_path, data, {}) == [
            f"{path}: expected a finite number, got inf"
            if value == math.inf
            else f"{path}: expected a smaller whole number, got 1e+20"
        ]


@pytest.mark.parametrize(
    ("schedule", "ok"), [("366d", True), ("367d", False), ("9" * 30 + "w", False), ("1m", True)]
)
def test_schedule_intervals_are_bounded(tmp_path: Path, schedule: str, ok: bool) -> None:
    data = _example()
    data["businesses"][0]["sources"][0]["schedule"] = schedule
    lines = _problems(tmp_path, data, {})
    assert lines == ([] if ok else [
        f"businesses[0].sources[0].schedule: expected an interval from '1m' to '366d',"
        f" got {schedule!r}"
    ]) or (not ok and "cron expression" in lines[0])  # fmt: skip


def _check_config(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["check-config", str(path)])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 5000, "YAML nested too deeply"),
        ("mail:\n  smtp:\n    host: x\n    port: " + "9" * 5000 + "\n", "line 4, column 11:"),
        ("", "the file is empty"),
        ("# only comments\n", "the file is empty"),
        ("service:\n  jitter_seconds: 1\n  jitter_seconds: 2\n", "line 3: duplicate key"),
    ],
)
def test_broken_files_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = _check_config(path, capsys)
    assert code == 2
    assert len(err) == 1 and err[0].startswith(f"{path}: ") and expected in err[0], err


def test_duplicate_keys_name_the_key_and_both_lines(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  retry_times: 3\n", "  retry_times: 3\n  download_delay: 9\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    first = text.splitlines().index("  download_delay: 2.0") + 1
    second = text.splitlines().index("  download_delay: 9") + 1
    assert info.value.problems == [
        f"{path}: line {second}: duplicate key 'download_delay' (first on line {first});"
        " keep only one"
    ]


MUTATIONS: list[tuple[str, Any]] = [
    ("service.jitter_seconds", -5),
    ("service.timezone", "Mars/Olympus"),
    ("crawler.contact_url", "ich@example.de"),
    ("crawler.crawl_timeout", math.inf),
    ("sentiment.device", "tpu"),
    (
        "mail",
        {
            "backend": "smtp",
            "max_attempts": 0,
            "smtp": {
                "host": "mx.example.de",
                "security": "none",
                "username": "u",
                "password_env": "LEUMUND_SMTP_PASSWORD",
            },
        },
    ),
    ("storage.url", "mysql://x"),
    ("businesses[].owner_emails", ["kein-at"]),
    ("businesses[].name", "Praxis Dr. Muster"),
    ("businesses[].alerts.negative_probability", math.nan),
    ("businesses[].sources[].schedule", "täglich"),
    ("businesses[].sources[].url", "ftp://x"),
    ("businesses[].sources[].max_pages", 0),
    ("businesses[].sources[].unknown", 1),
]


def _apply(data: dict[str, Any], mutations: list[tuple[str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for path, value in mutations:
        _set(data, path, value)
    return data


def test_every_problem_comes_in_the_first_round(tmp_path: Path) -> None:
    """The problems of all mutations at once are those of each alone: fixing what is
    reported never reveals more."""
    base = _example()
    base["businesses"][0]["sources"][2]["enabled"] = True  # reads LEUMUND_GOOGLE_API_KEY
    environ: dict[str, str] = {}
    alone: list[str] = []
    for mutation in MUTATIONS:
        lines = _problems(tmp_path, _apply(base, [mutation]), environ)
        assert lines, mutation
        alone += lines
    together = _problems(tmp_path, _apply(base, MUTATIONS), environ)
    missing_env = [line for line in together if "LEUMUND_GOOGLE_API_KEY" in line]
    assert len(missing_env) == 1
    assert sorted(set(together)) == sorted(set(alone))
    assert len(together) >= len(MUTATIONS) + 3
    assert any(line.startswith("mail.smtp.security: 'none'") for line in together)
