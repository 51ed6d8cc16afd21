"""The one typed configuration: loaded and validated once, then passed down.

Each component owns the model of its own section; this module composes them, adds the
wiring parts (businesses, sources, schedules, storage) and turns every problem into one
line an operator can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from alerts.channel_urls import ChannelUrl, channel_recipient, variables
from alerts.replies import KINDS, BusinessKind
from alerts.settings import AlertRules, Email, MailSettings, ReportSettings
from crawler.settings import SOURCE_TYPES, CrawlerSettings
from sentiment.settings import SentimentSettings
from sentiment.topics.settings import TopicSettings

_INTERVAL = re.compile(r"^\s*(\d{1,9})\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_INTERVAL = timedelta(days=366)


def parse_interval(value: str) -> timedelta | None:
    """'6h' → 6 hours; None when the value is not an interval."""
    match = _INTERVAL.match(value)
    if not match:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _check_schedule(value: str) -> str:
    interval = parse_interval(value)
    if interval is not None:
        if not timedelta(minutes=1) <= interval <= MAX_INTERVAL:
            raise ValueError(f"expected an interval from '1m' to '366d', got {value!r}")
        return value
    if len(value.split()) == 5:
        try:
            CronTrigger.from_crontab(value)
            return value
        except ValueError:
            pass
    raise ValueError(f"expected an interval like '6h' or a cron expression, got {value!r}")


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_http_url(value: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"expected an http(s) URL like 'https://…', got {value!r}")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA time zone like 'Europe/Berlin', got {value!r}"
        ) from None
    return value


Schedule = Annotated[str, AfterValidator(_check_schedule)]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]

_NEEDS: dict[str, tuple[str, ...]] = {
    "trustpilot": ("url",),
    "schema_org": ("url",),
    "trustedshops": ("url",),
    "google_places": ("place_id", "api_key_env"),
    "google_business_profile": (
        "location",
        "client_id_env",
        "client_secret_env",
        "refresh_token_env",
    ),
}


SECRET_ENV_KEYS = ("api_key_env", "client_id_env", "client_secret_env", "refresh_token_env")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Checked(Strict):
    """A section whose checks across keys run even when some of its keys are invalid, so
    the operator gets every problem in one round instead of one layer per fix."""

    @classmethod
    def cross_problems(cls, data: dict[str, Any]) -> list[str]:
        """Problems across keys, read from the raw mapping ("key: what is wrong")."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        extra = cls.cross_problems(data) if isinstance(data, dict) else []
        try:
            value = handler(data)
        except ValidationError as exc:
            if not extra:
                raise
            raise _merged(cls.__name__, data, exc, extra) from None
        if extra:
            raise _merged(cls.__name__, data, None, extra)
        return value


def _merged(
    title: str, data: Any, exc: ValidationError | None, problems: list[str]
) -> ValidationError:
    errors = [
        InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], ctx=e.get("ctx", {}))
        for e in (exc.errors() if exc else [])
    ]
    errors += [
        InitErrorDetails(type="value_error", loc=(), input=data, ctx={"error": ValueError(p)})
        for p in problems
    ]
    return ValidationError.from_exception_data(title, errors)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


class SourceConfig(Checked):
    name: str = Field(min_length=1)
    type: str
    label: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None
    ) = None
    url: str = ""
    schedule: Schedule = "6h"
    enabled: bool = True
    max_pages: int | None = Field(default=None, ge=1, le=1000)
    next_page: str | None = None
    order: Literal["auto", "newest_first", "any"] = "auto"
    scale: Literal["auto", "stars", "points10", "percent", "grade"] = "auto"
    place_id: str | None = None
    location: str | None = None
    api_key_env: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    refresh_token_env: str | None = None

    @classmethod
    def cross_problems(cls, data: dict[str, Any]) -> list[str]:
        kind = data.get("type")
        if not isinstance(kind, str):
            return []  # missing or not text: the key's own error says so
        if kind not in SOURCE_TYPES:
            known = ", ".join(repr(t) for t in SOURCE_TYPES)
            return [f"type: expected one of {known}, got {kind!r}"]
        missing = [f for f in _NEEDS.get(kind, ()) if not data.get(f)]
        if missing:
            return [f"type {kind!r} needs {', '.join(missing)}"]
        url = data.get("url")
        if "url" in _NEEDS[kind] and isinstance(url, str) and not is_http_url(url):
            return [f"url: expected an http(s) URL like 'https://…', got {url!r}"]
        return []

    def env_refs(self) -> dict[str, str]:
        """Key name → environment variable this source reads its secrets from."""
        return {k: v for k in SECRET_ENV_KEYS if (v := getattr(self, k))}


COMPETITOR_LIMIT = 10


def competitor_key(business: str, competitor: str) -> str:
    """The stored name of a competitor: unique per business, readable in operator logs."""
    return f"{business} › {competitor}"


class CompetitorConfig(Strict):
    """A business to compare with: its sources are crawled like any others, never alerted."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    sources: list[SourceConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _public_sources(self) -> CompetitorConfig:
        """The Business Profile API reads only the owner's own locations."""
        for i, source in enumerate(self.sources):
            if source.type == "google_business_profile":
                raise ValueError(
                    f"sources[{i}].type: a competitor's google_business_profile cannot be read"
                    " (the API shows only your own locations); use google_places"
                )
        return self


class BusinessConfig(Strict):
    name: str = Field(min_length=1)
    timezone: TimeZone = "Europe/Berlin"
    language: Literal["de", "en"] = "de"
    owner_emails: list[Email] = Field(min_length=1)
    alerts: AlertRules = Field(default_factory=AlertRules)
    report: ReportSettings = Field(default_factory=ReportSettings)
    sources: list[SourceConfig] = Field(default_factory=list)
    kind: BusinessKind = "dienstleistung"
    contact: str = Field(default="", max_length=200)
    reply_templates: str | None = None
    review_url: Annotated[str, AfterValidator(_check_http_url)] | None = None
    competitors: list[CompetitorConfig] = Field(default_factory=list, max_length=COMPETITOR_LIMIT)

    _competitor_of: str | None = PrivateAttr(default=None)
    _label: str | None = PrivateAttr(default=None)

    @property
    def competitor_of(self) -> str | None:
        """The business this one is a competitor of (None: a business of its own)."""
        return self._competitor_of

    @property
    def label(self) -> str:
        """The name the owner reads (a competitor's configured name)."""
        return self._label or self.name

    def competitor_businesses(self) -> list[BusinessConfig]:
        """Each competitor as a business of its own, so it is crawled like one; it has no
        report and is never alerted (decided in `alerts.decide`)."""
        return [self._as_business(c) for c in self.competitors]

    def _as_business(self, competitor: CompetitorConfig) -> BusinessConfig:
        derived = BusinessConfig(
            name=competitor_key(self.name, competitor.name), timezone=self.timezone,
            language=self.language, owner_emails=self.owner_emails, kind=self.kind,
            sources=competitor.sources, report=ReportSettings(enabled=False),
        )  # fmt: skip
        derived._competitor_of, derived._label = self.name, competitor.name
        return derived

    channels: list[ChannelUrl] = Field(default_factory=list)

    def alert_recipients(self) -> list[str]:
        return list(self.alerts.recipients or self.owner_emails)

    def channel_recipients(self) -> list[str]:
        """The outbox recipients of the business's channels (`channel:<id>`)."""
        return list(dict.fromkeys(channel_recipient(url) for url in self.channels))

    def report_recipients(self) -> list[str]:
        return list(self.report.recipients or self.owner_emails)


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_DATABASE_DRIVERS = ("sqlite", "postgresql+psycopg")


def _check_database_url(value: str) -> str:
    try:
        driver = make_url(value).drivername
    except ArgumentError:
        driver = None
    if driver not in _DATABASE_DRIVERS:
        raise ValueError(
            "expected 'sqlite:///path/to/leumund.db' or"
            " 'postgresql+psycopg://user@host:5432/dbname'"
            f", got a URL of type {driver or 'unknown'!r}"
        )
    return value


class StorageConfig(Strict):
    url: Annotated[str, AfterValidator(_check_database_url)] = "sqlite:///leumund.db"


class ServiceSettings(Strict):
    operator_emails: list[Email] = Field(default_factory=list)
    failure_threshold: int = Field(default=3, ge=1, le=1000)
    jitter_seconds: int = Field(default=120, ge=0, le=3600)
    health_check_time: time = time(7, 0)
    outbox_interval_seconds: int = Field(default=60, ge=5, le=86400)
    database_wait_seconds: int = Field(default=60, ge=0, le=86400)
    timezone: TimeZone = "Europe/Berlin"
    channels: list[ChannelUrl] = Field(default_factory=list)


def _check_base_url(value: str | None) -> str | None:
    if value is not None and not is_http_url(value):
        raise ValueError(
            f"expected an http(s) URL like 'https://leumund.example.de', got {value!r}"
        )
    return value.rstrip("/") if value else None


def _check_network(value: str) -> str:
    try:
        ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            f"expected an IP address or network like '10.0.0.0/8', got {value!r}"
        ) from None
    return value


class WebSettings(Strict):
    """The dashboard: off unless enabled, served by `leumund web` or inside `leumund run`."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: Annotated[str | None, AfterValidator(_check_base_url)] = None
    trusted_proxies: list[Annotated[str, AfterValidator(_check_network)]] = Field(
        default_factory=list
    )
    session_days: int = Field(default=14, ge=1, le=365)


class Config(Checked):
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    businesses: list[BusinessConfig] = Field(default_factory=list)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _secrets: dict[str, SecretStr] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _known_kinds(self) -> Config:
        """Topic terms per kind are only used if a business can have that kind."""
        for kind in self.topics.kinds:
            if kind not in KINDS:
                known = ", ".join(KINDS)
                raise ValueError(
                    f"topics.kinds.{kind}: unknown business kind; expected one of {known}"
                )
        return self

    @classmethod
    def cross_problems(cls, data: dict[str, Any]) -> list[str]:
        return [*_contact_url_problems(data), *_smtp_password_problems(data)]

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    def secret(self, env_name: str | None) -> SecretStr | None:
        """A secret resolved from the environment at load time (never from the file)."""
        return self._secrets.get(env_name) if env_name else None

    def database_url(self) -> str:
        """The storage URL with a relative SQLite path resolved next to the config file."""
        url = self.storage.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
            path = url[len(prefix) :]
            if path != ":memory:":
                return prefix + str((self._base_dir / path).resolve())
        return url

    def mail_directory(self) -> Path:
        return (self._base_dir / self.mail.directory).resolve()

    def reply_template_dir(self, business: BusinessConfig) -> Path | None:
        """The business's own reply templates, relative to this file; None: built-in ones."""
        if business.reply_templates is None:
            return None
        return (self._base_dir / business.reply_templates).resolve()

    def business(self, name: str) -> BusinessConfig:
        for business in self.businesses:
            if business.name == name:
                return business
        raise KeyError(name)

    def watched(self) -> list[BusinessConfig]:
        """Every business whose sources are crawled: the configured ones and their
        competitors (each a business of its own, see `BusinessConfig.competitor_of`)."""
        return [*self.businesses, *(c for b in self.businesses for c in b.competitor_businesses())]

    def watched_business(self, name: str) -> BusinessConfig:
        """A configured business or a competitor, by its stored name."""
        for business in self.watched():
            if business.name == name:
                return business
        raise KeyError(name)

    def bind(self, base_dir: Path, secrets: Mapping[str, SecretStr]) -> Config:
        self._base_dir = base_dir
        self._secrets = dict(secrets)
        return self


def _contact_url_problems(data: dict[str, Any]) -> list[str]:
    """Site owners must be able to see who crawls them (it is in the User-Agent)."""
    url = _section(data, "crawler").get("contact_url", CrawlerSettings().contact_url)
    if not isinstance(url, str) or is_http_url(url):
        return []
    return [
        f"crawler.contact_url: expected an http(s) URL where site owners can reach you, got {url!r}"
    ]


def _smtp_password_problems(data: dict[str, Any]) -> list[str]:
    mail = _section(data, "mail")
    smtp = _section(mail, "smtp")
    if (
        mail.get("backend") == "smtp" and smtp.get("security") == "none"
        and smtp.get("username") and smtp.get("host") not in _LOCAL_HOSTS
    ):  # fmt: skip
        return [
            "mail.smtp.security: 'none' with a username would send the password"
            " unencrypted; use 'starttls' or 'ssl' (only a relay on localhost may use 'none')"
        ]
    return []


def _mappings(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def env_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(key path, variable name) for every secret the config reads from the environment.

    Read from the raw mapping, so a missing variable is reported beside every other
    problem of the file, not only once the rest is valid.
    """
    refs: list[tuple[str, str]] = []
    mail = _section(data, "mail")
    password_env = _text(_section(mail, "smtp"), "password_env")
    if mail.get("backend") == "smtp" and password_env:
        refs.append(("mail.smtp.password_env", password_env))
    for b, business in _mappings(data, "businesses"):
        for prefix, sources in _source_lists(business, f"businesses[{b}]"):
            for s, source in sources:
                if source.get("enabled", True) is False:
                    continue
                for key in SECRET_ENV_KEYS:
                    if var := _text(source, key):
                        refs.append((f"{prefix}.sources[{s}].{key}", var))
        refs += _channel_refs(f"businesses[{b}]", business)
    return refs + _channel_refs("service", _section(data, "service"))


def _channel_refs(where: str, section: dict[str, Any]) -> list[tuple[str, str]]:
    """The `${VARIABLE}`s of a section's channel URLs, each with the URL's key path."""
    urls = section.get("channels")
    if not isinstance(urls, list):
        return []
    return [
        (f"{where}.channels[{c}]", var)
        for c, url in enumerate(urls)
        if isinstance(url, str)
        for var in variables(url)
    ]


def _source_lists(
    business: dict[str, Any], prefix: str
) -> list[tuple[str, list[tuple[int, dict[str, Any]]]]]:
    """(key path, its sources) of a business and of each of its competitors."""
    lists = [(prefix, _mappings(business, "sources"))]
    for c, competitor in _mappings(business, "competitors"):
        lists.append((f"{prefix}.competitors[{c}]", _mappings(competitor, "sources")))
    return lists


def duplicate_names(data: dict[str, Any]) -> list[str]:
    """Two businesses, two sources of one business (or of one competitor), or two
    competitors of one business with the same name."""
    problems: list[str] = []
    seen: set[str] = set()
    for b, business in _mappings(data, "businesses"):
        name = _text(business, "name")
        if name and name in seen:
            problems.append(f"businesses[{b}].name: duplicate business name {name!r}")
        seen.add(name)
        for prefix, sources in _source_lists(business, f"businesses[{b}]"):
            problems += _duplicate_sources(prefix, sources, name)
        problems += _duplicate_competitors(b, business)
    return problems


def _duplicate_sources(
    prefix: str, sources: list[tuple[int, dict[str, Any]]], owner: str
) -> list[str]:
    problems, names = [], set()
    for s, source in sources:
        source_name = _text(source, "name")
        if source_name and source_name in names:
            problems.append(
                f"{prefix}.sources[{s}].name: duplicate source name {source_name!r}"
                f" in business {owner!r}"
            )
        names.add(source_name)
    return problems


def _duplicate_competitors(b: int, business: dict[str, Any]) -> list[str]:
    """Competitors are stored by name per business: two with one name would be one."""
    problems, names = [], {_text(business, "name").strip()}
    for c, competitor in _mappings(business, "competitors"):
        name = _text(competitor, "name").strip()
        if name and name in names:
            problems.append(
                f"businesses[{b}].competitors[{c}].name: {name!r} is already the name of this"
                " business or of another of its competitors"
            )
        names.add(name)
    return problems
