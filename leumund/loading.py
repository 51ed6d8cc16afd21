"""Reading config.yaml: every problem becomes one line naming file, key path and fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from leumund.config import Config, env_references
from leumund.errors import ConfigError


def load_config(path: Path, environ: Mapping[str, str]) -> Config:
    """Load, validate and bind config.yaml; raise ConfigError with one line per problem."""
    name = str(path)
    data = _read_yaml(path)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{name}: {line}" for line in _describe(exc, data)]) from None
    problems = [f"{name}: {line}" for line in _duplicates(config)]
    problems += [f"{name}: {line}" for line in _missing_dirs(config, path.resolve().parent)]
    secrets: dict[str, SecretStr] = {}
    for key_path, var in env_references(config):
        if environ.get(var):
            secrets[var] = SecretStr(environ[var])
        else:
            problems.append(
                f"{name}: {key_path}: environment variable {var} is not set;"
                f" export it before starting Leumund"
            )
    if problems:
        raise ConfigError(problems)
    return config.bind(path.resolve().parent, secrets)


def _read_yaml(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [
                f"{path.absolute()}: file not found; copy the example config.yaml there and"
                " edit it, or name another file with --config FILE (or $LEUMUND_CONFIG)"
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{name}: cannot read file: {exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            [f"{name}: {where}YAML syntax error: {exc.problem or exc.context}"]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{name}: YAML syntax error: {exc}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{name}: expected a mapping of settings at the top level"])
    return data


_SUB_KEY = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): ")


def key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(exc: ValidationError, data: Any) -> list[str]:
    return [_describe_one(err, data) for err in exc.errors(include_url=False)]


def _describe_one(err: ErrorDetails, data: Any) -> str:
    loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        return f"{key_path(loc)}: unknown key{_suggest(loc, data)}"
    if kind == "missing":
        return f"{key_path(loc)}: required key is missing"
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        sub = _SUB_KEY.match(text)  # a model's check about one of its keys: "url: expected …"
        if sub:
            return f"{key_path((*loc, *sub.group(1).split('.')))}: {text[sub.end() :]}"
        return f"{key_path(loc)}: {text}"
    if kind == "literal_error":
        expected = msg.removeprefix("Input should be ")
        return f"{key_path(loc)}: expected {expected}, got {value!r}"
    if kind in _PLAIN:
        return f"{key_path(loc)}: expected {_PLAIN[kind].format(**err.get('ctx', {}))}" + (
            f", got {value!r}" if not isinstance(value, dict | list) else ""
        )
    return f"{key_path(loc)}: expected {_lower_first(msg.removeprefix('Input should be '))}" + (
        f", got {value!r}" if not isinstance(value, dict | list) else ""
    )


_PLAIN = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list like [a, b]",
    "model_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "time_parsing": "a time of day like '07:00'",
    "time_type": "a time of day like '07:00'",
    "too_short": "at least {min_length} item(s)",
    "greater_than_equal": "a number ≥ {ge}",
    "greater_than": "a number > {gt}",
    "less_than_equal": "a number ≤ {le}",
    "less_than": "a number < {lt}",
    "string_too_short": "at least {min_length} character(s)",
}


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("function-after",))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _suggest(loc: tuple[int | str, ...], data: Any) -> str:
    """'; did you mean …' from the fields valid at that place."""
    model = _model_at(Config, loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    fields = ", ".join(model.model_fields)
    return f"; did you mean '{close[0]}'?" if close else f"; expected one of: {fields}"


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return None
        current = _inner_model(field.annotation)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _duplicates(config: Config) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for b, business in enumerate(config.businesses):
        if business.name in seen:
            problems.append(f"businesses[{b}].name: duplicate business name {business.name!r}")
        seen.add(business.name)
        names: set[str] = set()
        for s, source in enumerate(business.sources):
            if source.name in names:
                problems.append(
                    f"businesses[{b}].sources[{s}].name: duplicate source name"
                    f" {source.name!r} in business {business.name!r}"
                )
            names.add(source.name)
    return problems


def _missing_dirs(config: Config, base: Path) -> list[str]:
    return [
        f"businesses[{b}].reply_templates: directory {base / business.reply_templates} not"
        " found; create it or remove the key to use the built-in reply templates"
        for b, business in enumerate(config.businesses)
        if business.reply_templates is not None and not (base / business.reply_templates).is_dir()
    ]
