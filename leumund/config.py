"""The one typed configuration: loaded and validated once, then passed down.

Each component owns the model of its own section; this module composes them, adds the
wiring parts (businesses, sources, schedules, storage) and turns every problem into one
line an operator can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
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
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from alerts.settings import AlertRules, Email, MailSettings, ReportSettings
from crawler.settings import SOURCE_TYPES, CrawlerSettings
from sentiment.settings import SentimentSettings

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_interval(value: str) -> timedelta | None:
    """'6h' → 6 hours; None when the value is not an interval."""
    match = _INTERVAL.match(value)
    if not match:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _check_schedule(value: str) -> str:
    interval = parse_interval(value)
    if interval is not None:
        if interval < timedelta(minutes=1):
            raise ValueError(f"expected an interval of at least '1m', got {value!r}")
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
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(Strict):
    name: str = Field(min_length=1)
    type: str
    url: str = ""
    schedule: Schedule = "6h"
    enabled: bool = True
    max_pages: int | None = Field(default=None, ge=1)
    next_page: str | None = None
    place_id: str | None = None
    location: str | None = None
    api_key_env: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    refresh_token_env: str | None = None

    @model_validator(mode="after")
    def _type_needs(self) -> SourceConfig:
        if self.type not in SOURCE_TYPES:
            known = ", ".join(repr(t) for t in SOURCE_TYPES)
            raise ValueError(f"type: expected one of {known}, got {self.type!r}")
        missing = [f for f in _NEEDS.get(self.type, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"type {self.type!r} needs {', '.join(missing)}")
        if "url" in _NEEDS.get(self.type, ()) and not is_http_url(self.url):
            raise ValueError(f"url: expected an http(s) URL like 'https://…', got {self.url!r}")
        return self

    def env_refs(self) -> dict[str, str]:
        """Key name → environment variable this source reads its secrets from."""
        return {k: v for k in SECRET_ENV_KEYS if (v := getattr(self, k))}


class BusinessConfig(Strict):
    name: str = Field(min_length=1)
    timezone: TimeZone = "Europe/Berlin"
    language: Literal["de", "en"] = "de"
    owner_emails: list[Email] = Field(min_length=1)
    alerts: AlertRules = Field(default_factory=AlertRules)
    report: ReportSettings = Field(default_factory=ReportSettings)
    sources: list[SourceConfig] = Field(default_factory=list)

    def alert_recipients(self) -> list[str]:
        return list(self.alerts.recipients or self.owner_emails)

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
    failure_threshold: int = Field(default=3, ge=1)
    jitter_seconds: int = Field(default=120, ge=0)
    health_check_time: time = time(7, 0)
    outbox_interval_seconds: int = Field(default=60, ge=5)
    database_wait_seconds: int = Field(default=60, ge=0)
    timezone: TimeZone = "Europe/Berlin"


class Config(Strict):
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    businesses: list[BusinessConfig] = Field(default_factory=list)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _secrets: dict[str, SecretStr] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _contact_url(self) -> Config:
        """Site owners must be able to see who crawls them (it is in the User-Agent)."""
        if not is_http_url(self.crawler.contact_url):
            raise ValueError(
                "crawler.contact_url: expected an http(s) URL where site owners can reach you,"
                f" got {self.crawler.contact_url!r}"
            )
        return self

    @model_validator(mode="after")
    def _smtp_password_encrypted(self) -> Config:
        smtp = self.mail.smtp
        if (
            self.mail.backend == "smtp" and smtp is not None and smtp.security == "none"
            and smtp.username and smtp.host not in _LOCAL_HOSTS
        ):  # fmt: skip
            raise ValueError(
                "mail.smtp.security: 'none' with a username would send the password"
                " unencrypted; use 'starttls' or 'ssl' (only a relay on localhost may use 'none')"
            )
        return self

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

    def business(self, name: str) -> BusinessConfig:
        for business in self.businesses:
            if business.name == name:
                return business
        raise KeyError(name)

    def bind(self, base_dir: Path, secrets: Mapping[str, SecretStr]) -> Config:
        self._base_dir = base_dir
        self._secrets = dict(secrets)
        return self


def env_references(config: Config) -> list[tuple[str, str]]:
    """(key path, variable name) for every secret the config reads from the environment."""
    refs: list[tuple[str, str]] = []
    smtp = config.mail.smtp
    if config.mail.backend == "smtp" and smtp is not None and smtp.password_env:
        refs.append(("mail.smtp.password_env", smtp.password_env))
    for b, business in enumerate(config.businesses):
        for s, source in enumerate(business.sources):
            if not source.enabled:
                continue
            for key, var in source.env_refs().items():
                refs.append((f"businesses[{b}].sources[{s}].{key}", var))
    return refs
