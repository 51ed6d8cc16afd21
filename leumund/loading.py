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

from alerts.channel_urls import channel_label, expand, variables
from alerts.channels import readable
from leumund.config import Config, duplicate_names, env_references
from leumund.errors import ConfigError


def load_config(path: Path, environ: Mapping[str, str]) -> Config:
    """Load, validate and bind config.yaml; raise ConfigError with one line per problem.

    Every check runs on every load, so all problems come in one round: the file's keys,
    checks across keys, duplicate names and environment variables alike.
    """
    name = str(path)
    data, problems = _read_yaml(path)
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _describe(exc, data)
    problems += duplicate_names(data)
    if config is not None:
        problems += _missing_dirs(config, path.resolve().parent)
    secrets: dict[str, SecretStr] = {}
    for key_path, var in env_references(data):
        if environ.get(var):
            secrets[var] = SecretStr(environ[var])
        else:
            problems.append(
                f"{key_path}: environment variable {var} is not set;"
                f" export it before starting Leumund"
            )
    if config is not None:
        problems += _channel_problems(config, secrets)
    if problems or config is None:
        raise ConfigError([f"{name}: {line}" for line in dict.fromkeys(problems)])
    return config.bind(path.resolve().parent, secrets)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that notes duplicate keys (PyYAML keeps the last silently) and
    reports a number too long for Python at its line instead of failing without one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first:
                self.duplicates.append(
                    f"line {line}: duplicate key {key_node.value!r} (first on line"
                    f" {first[key_node.value]}); keep only one"
                )
            first.setdefault(key_node.value, line)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"number with {len(node.value)} characters is too long",
                node.start_mark,
            ) from None  # fmt: skip


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [
                f"{path.absolute()}: file not found; copy the example config.yaml there and"
                " edit it, or name another file with --config FILE (or $LEUMUND_CONFIG)"
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{name}: cannot read file: {exc}"]) from None


def _read_yaml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The mapping in the file, and its duplicate keys (reported with the other problems)."""
    name = str(path)
    loader = _Loader(_read_text(path))
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            [f"{name}: {where}YAML syntax error: {exc.problem or exc.context}"]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{name}: YAML syntax error: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{name}: YAML nested too deeply to be a config file"]) from None
    finally:
        loader.dispose()
    if data is None:
        raise ConfigError([f"{name}: the file is empty; copy the example config.yaml and edit it"])
    if not isinstance(data, dict):
        raise ConfigError([f"{name}: expected a mapping of settings at the top level"])
    return data, list(loader.duplicates)


_SUB_KEY = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[^\W\d][\w-]*(?:\[\d+\])?)*): ")


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
    "int_parsing_size": "a smaller whole number",
    "finite_number": "a finite number",
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


def _channel_problems(config: Config, secrets: Mapping[str, SecretStr]) -> list[str]:
    """Channel URLs Apprise cannot read once expanded (a token of the wrong shape, say)."""
    places = [(f"service.channels[{c}]", u) for c, u in enumerate(config.service.channels)]
    for b, business in enumerate(config.businesses):
        places += [(f"businesses[{b}].channels[{c}]", u) for c, u in enumerate(business.channels)]
    problems: list[str] = []
    for where, template in places:
        names = variables(template)
        if any(name not in secrets for name in names):
            continue  # the missing variable is reported already
        url = expand(template, lambda name: secrets[name].get_secret_value())
        if not readable(url, [secrets[name].get_secret_value() for name in names]):
            problems.append(
                f"{where}: Apprise cannot read this {channel_label(template)} URL; check it"
                " (and the variables in it) against https://github.com/caronc/apprise/wiki"
            )
    return problems


def _missing_dirs(config: Config, base: Path) -> list[str]:
    return [
        f"businesses[{b}].reply_templates: directory {base / business.reply_templates} not"
        " found; create it or remove the key to use the built-in reply templates"
        for b, business in enumerate(config.businesses)
        if business.reply_templates is not None and not (base / business.reply_templates).is_dir()
    ]
