"""Alert rules, weekly report and mail settings from config.yaml."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"expected an email address like 'inhaber@example.de', got {value!r}")
    return value


Email = Annotated[str, AfterValidator(_check_email)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class QuietHours(Strict):
    start: dt.time = dt.time(22, 0)
    end: dt.time = dt.time(7, 0)


class BurstRules(Strict):
    """Suspicious bursts (README, "Suspicious bursts"): one message instead of many alerts."""

    enabled: bool = True
    min_count: int = Field(default=5, ge=2, le=1000)


class AlertRules(Strict):
    star_threshold: float = Field(default=2.0, ge=0, le=5)
    negative_probability: float = Field(default=0.45, gt=0, le=1)
    keywords: list[str] = Field(default_factory=list)
    mode: Literal["instant", "digest"] = "instant"
    digest_time: dt.time = dt.time(18, 0)
    quiet_hours: QuietHours | None = None
    recipients: list[Email] = Field(default_factory=list)
    bursts: BurstRules = Field(default_factory=BurstRules)


class ReportSettings(Strict):
    enabled: bool = True
    weekday: Weekday = "monday"
    time: dt.time = dt.time(8, 0)
    recipients: list[Email] = Field(default_factory=list)


class SmtpSettings(Strict):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)


class MailSettings(Strict):
    backend: Literal["file", "smtp"] = "file"
    sender: str = "Leumund <leumund@localhost>"
    directory: str = "mail"
    smtp: SmtpSettings | None = Field(default=None, validate_default=True)
    max_attempts: int = Field(default=6, ge=1, le=100)
    retry_base_seconds: float = Field(default=60.0, ge=0, le=86400)

    @field_validator("smtp")
    @classmethod
    def _smtp_needs_section(
        cls, smtp: SmtpSettings | None, info: ValidationInfo
    ) -> SmtpSettings | None:
        """A field check, so an error elsewhere in the section does not hide it."""
        if info.data.get("backend") == "smtp" and smtp is None:
            raise ValueError("backend 'smtp' needs a 'smtp:' section with at least 'host'")
        return smtp
