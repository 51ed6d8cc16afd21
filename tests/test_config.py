from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

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


def test_missing_file_shows_the_full_path_and_how_to_name_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert problems(Path("nope.yaml")) == [
        f"{Path.cwd() / 'nope.yaml'}: file not found; copy the example config.yaml there and"
        " edit it, or name another file with --config FILE (or $LEUMUND_CONFIG)"
    ]


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


@pytest.mark.parametrize("url", ["ftp://example.de/r", "example.de/reviews", "https://"])
def test_page_source_url_must_be_http(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, MINIMAL.replace("https://de.trustpilot.com/review/example.de", url))
    assert problems(path) == [
        f"{path}: businesses[0].sources[0].url: expected an http(s) URL like 'https://…',"
        f" got {url!r}"
    ]


def test_unencrypted_smtp_login_only_to_a_local_relay(tmp_path: Path) -> None:
    smtp = "mail:\n  backend: smtp\n  smtp: {host: localhost, security: none, username: u}\n"
    assert load_config(write(tmp_path, MINIMAL + smtp), {}).mail.smtp is not None


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


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list or any(_is_list(a) for a in get_args(annotation))


def _field_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key a config can have, dotted from the top; list items as `[]`."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.add(path)
        inner = _inner_model(field.annotation)
        if inner is not None:
            paths |= _field_paths(inner, path + ("[]." if _is_list(field.annotation) else "."))
    return paths


def _yaml_paths(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        paths: set[str] = set()
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths |= {path} | _yaml_paths(value, path)
        return paths
    if isinstance(node, list):
        return set().union(*(_yaml_paths(v, prefix + "[]") for v in node))
    return set()


def test_yaml_paths_are_dotted_with_list_items() -> None:
    node = {"a": {"b": 1}, "c": [{"d": 2}, {"e": [{"f": 3}]}]}
    assert _yaml_paths(node) == {"a", "a.b", "c", "c[].d", "c[].e", "c[].e[].f"}


def test_every_config_field_is_documented_in_example() -> None:
    documented = _yaml_paths(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    missing = _field_paths(Config) - documented
    # a competitor's sources take the keys of a business's sources, documented there
    missing = {p for p in missing if p.replace("competitors[].", "") not in documented}
    assert not missing, f"config fields missing from config.yaml: {sorted(missing)}"


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("crawler:\n  max_pages: many\n", "crawler.max_pages: expected a whole number, got 'many'"),
        ("crawler:\n  download_delay: -1\n", "crawler.download_delay: expected a number ≥ 0.0"),
        ("mail:\n  backend: smtp\n", "mail.smtp: backend 'smtp' needs a 'smtp:' section"),
        ("mail:\n  backend: pigeon\n", "mail.backend: expected 'file' or 'smtp', got 'pigeon'"),
        ("storage:\n  urll: x\n", "storage.urll: unknown key; did you mean 'url'?"),
        ("service:\n  health_check_time: '25:00'\n", "expected a time of day like '07:00'"),
        (
            "storage:\n  url: 'foo://bar'\n",
            "storage.url: expected 'sqlite:///path/to/leumund.db' or"
            " 'postgresql+psycopg://user@host:5432/dbname', got a URL of type 'foo'",
        ),
        ("crawler:\n  contact_url: ''\n", "crawler.contact_url: expected an http(s) URL"),
        ("crawler:\n  contact_url: 'me@x.de'\n", "where site owners can reach you, got 'me@x.de'"),
        (
            "mail:\n  backend: smtp\n  smtp: {host: mx.example.de, security: none, username: u}\n",
            "mail.smtp.security: 'none' with a username would send the password unencrypted",
        ),
        (
            "mail:\n  backend: smtp\n  smtp: {host: 127.0.0.1, security: none, password_env: X}\n",
            "mail.smtp.password_env: environment variable X is not set",
        ),
    ],
)
def test_typical_mistakes_read_clearly(tmp_path: Path, snippet: str, expected: str) -> None:
    (line,) = problems(write(tmp_path, MINIMAL + snippet))
    assert expected in line
    assert line.startswith(f"{tmp_path / 'config.yaml'}: ")
