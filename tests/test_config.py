from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from leumund.cli import main
from leumund.config import Config, parse_interval
from leumund.errors import ConfigError
from leumund.loading import _inner_model, load_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.yaml"

MINIMAL = """
businesses:
  - name: Bäckerei Beispiel
    owner_emails: [inhaber@example.de]
    sources:
      - name: trustpilot
        type: trustpilot
        url: https://de.trustpilot.com/review/example.de
        schedule: 6h
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ or {})
    return info.value.problems


def test_example_config_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(EXAMPLE)]) == 0
    assert "OK" in capsys.readouterr().out


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), {})
    business = config.businesses[0]
    assert (business.timezone, business.language) == ("Europe/Berlin", "de")
    assert config.mail.backend == "file"
    assert config.database_url() == f"sqlite:///{tmp_path.resolve() / 'leumund.db'}"
    assert business.alert_recipients() == ["inhaber@example.de"]


def test_bad_schedule_names_file_key_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("schedule: 6h", "schedule: täglich"))
    assert problems(path) == [
        f"{path}: businesses[0].sources[0].schedule: expected an interval like '6h'"
        " or a cron expression, got 'täglich'"
    ]


def test_cron_schedule_accepted_and_bad_cron_rejected(tmp_path: Path) -> None:
    ok = write(tmp_path, MINIMAL.replace("schedule: 6h", 'schedule: "15 6 * * 1-5"'))
    assert load_config(ok, {}).businesses[0].sources[0].schedule == "15 6 * * 1-5"
    bad = write(tmp_path, MINIMAL.replace("schedule: 6h", 'schedule: "99 6 * * *"'))
    assert "expected an interval like '6h' or a cron expression" in problems(bad)[0]


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("schedule: 6h", "schedul: 6h"))
    assert problems(path) == [
        f"{path}: businesses[0].sources[0].schedul: unknown key; did you mean 'schedule'?"
    ]


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("schedule: 6h", "schedule: 6x") + "    language: fr\n"
    lines = problems(write(tmp_path, text))
    assert len(lines) == 2
    assert any("businesses[0].language: expected 'de' or 'en', got 'fr'" in x for x in lines)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert problems(path) == [f"{path}: file not found; copy the example config.yaml and edit it"]


def test_yaml_syntax_error_has_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "storage:\n  url: [unclosed\nmail:\n  backend: file\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}: line ")
    assert "YAML syntax error" in line


def test_unset_environment_variable(tmp_path: Path) -> None:
    text = MINIMAL + (
        "mail:\n  backend: smtp\n  smtp:\n    host: smtp.example.de\n"
        "    username: u\n    password_env: LEUMUND_TEST_PW\n"
    )
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}: mail.smtp.password_env: environment variable LEUMUND_TEST_PW is not set;"
        " export it before starting Leumund"
    ]
    config = load_config(path, {"LEUMUND_TEST_PW": "geheim"})
    secret = config.secret("LEUMUND_TEST_PW")
    assert secret is not None and secret.get_secret_value() == "geheim"
    assert "geheim" not in repr(config) and "geheim" not in str(secret)


def test_duplicate_business_and_source_names(tmp_path: Path) -> None:
    body = MINIMAL.split("businesses:\n", 1)[1]
    doubled = (
        "businesses:\n"
        + body
        + body
        + ("      - name: trustpilot\n        type: schema_org\n        url: https://x.de\n")
    )
    lines = problems(write(tmp_path, doubled))
    joined = "\n".join(lines)
    assert "businesses[1].name: duplicate business name 'Bäckerei Beispiel'" in joined
    assert "businesses[1].sources[1].name: duplicate source name 'trustpilot'" in joined


def test_source_type_needs_its_keys(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("type: trustpilot", "type: google_places"))
    assert problems(path) == [
        f"{path}: businesses[0].sources[0]: type 'google_places' needs place_id, api_key_env"
    ]


def test_check_config_exit_2_prints_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MINIMAL.replace("schedule: 6h", "schedule: täglich"))
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{path}: businesses[0].sources[0].schedule: expected an interval like '6h'"
        " or a cron expression, got 'täglich'"
    ]


def test_parse_interval() -> None:
    assert parse_interval("6h") is not None and parse_interval("6h").total_seconds() == 21600
    assert parse_interval("30m") is not None and parse_interval("30m").total_seconds() == 1800
    assert parse_interval("0 6 * * *") is None


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    names: set[str] = set()
    if model in seen:
        return names
    seen.add(model)
    for name, field in model.model_fields.items():
        names.add(name)
        inner = _inner_model(field.annotation)
        if inner is not None:
            names |= _field_names(inner, seen)
    return names


def _yaml_keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        keys = {str(k) for k in node}
        for value in node.values():
            keys |= _yaml_keys(value)
        return keys
    if isinstance(node, list):
        return set().union(*(_yaml_keys(v) for v in node)) if node else set()
    return set()


def test_every_config_field_is_documented_in_example() -> None:
    documented = _yaml_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    missing = _field_names(Config, set()) - documented
    assert not missing, f"config fields missing from config.yaml: {sorted(missing)}"


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("crawler:\n  max_pages: many\n", "crawler.max_pages: expected a whole number, got 'many'"),
        ("crawler:\n  download_delay: -1\n", "crawler.download_delay: expected a number ≥ 0.0"),
        ("mail:\n  backend: smtp\n", "mail: backend 'smtp' needs a 'smtp:' section"),
        ("mail:\n  backend: pigeon\n", "mail.backend: expected 'file' or 'smtp', got 'pigeon'"),
        ("storage:\n  urll: x\n", "storage.urll: unknown key; did you mean 'url'?"),
        ("service:\n  health_check_time: '25:00'\n", "expected a time of day like '07:00'"),
    ],
)
def test_typical_mistakes_read_clearly(tmp_path: Path, snippet: str, expected: str) -> None:
    (line,) = problems(write(tmp_path, MINIMAL + snippet))
    assert expected in line
    assert line.startswith(f"{tmp_path / 'config.yaml'}: ")
