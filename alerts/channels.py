"""Delivering outbox rows to chat channels and webhooks through Apprise.

A channel row is an outbox row whose recipient is `channel:<id>` (see `alerts.channel_urls`);
`alerts.sending` claims, retries and marks it like a mail row and hands it here. Every
attempt for the same rows carries the same idempotency key — a hash of the installation and
the rows' dedup keys — so a receiver can fold the one repeat that a crash between its
acceptance and our commit can cause: webhooks (`json://`, `form://`) get it as the header
`Idempotency-Key` and the payload field `idempotency_key`, other services as a last line
`Ref. …`.

Apprise logs through the `apprise` logger at debug level with whole URLs, and so does urllib3
below it: while a message is sent, a filter on these loggers replaces the channel's secrets
in every record, so nothing secret reaches a log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import quote

import apprise
from pydantic import SecretStr

from alerts.channel_text import ChannelMessage, ReviewLink, alert_message, generic_message
from alerts.channel_urls import apprise_schemes
from alerts.payloads import AlertPayload, is_typed, read_payload
from storage.models import Notification

APPRISE_LOGGER = "apprise"
# Loggers that see the URL while Apprise sends: its own, and the HTTP stack's below it.
_URL_LOGGERS = ("apprise", "urllib3", "requests")
# Apprise's generic webhooks, which take extra payload fields (`:key=value`) and headers.
_FIELD_SCHEMES = ("json", "jsons", "form", "forms")


class ChannelError(Exception):
    """A channel did not take a message; the text names it by its label, never by its URL."""


@dataclass(frozen=True, slots=True)
class Channel:
    """One configured channel: its id and label from the template, the URL expanded."""

    id: str
    label: str
    url: SecretStr
    secrets: tuple[str, ...] = field(default=(), repr=False)  # the values, to redact


class Notifier(Protocol):
    def notify(self, channel: Channel, message: ChannelMessage) -> None:
        """Deliver or raise `ChannelError`."""


class _Redact(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        forms = {f for s in secrets if s for f in (s, quote(s, safe=""), quote(s))}
        self.forms = sorted(forms, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in self.forms:
            text = text.replace(secret, "***")
        record.msg, record.args = text, None
        return True


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _url_loggers() -> list[logging.Logger]:
    """Every logger of Apprise and the HTTP stack (a filter applies to its own logger only)."""
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in _URL_LOGGERS]
    return [logging.getLogger(n) for n in sorted({*names, APPRISE_LOGGER})]


@contextmanager
def _redacted(secrets: Sequence[str]) -> Iterator[_Warnings]:
    """Records with the secrets replaced; Apprise's warnings collected for `last_error`."""
    apprise_logger, loggers = logging.getLogger(APPRISE_LOGGER), _url_loggers()
    redact, warnings = _Redact(secrets), _Warnings()
    for logger in loggers:
        logger.addFilter(redact)
    apprise_logger.addHandler(warnings)
    try:
        yield warnings
    finally:
        apprise_logger.removeHandler(warnings)
        for logger in loggers:
            logger.removeFilter(redact)


def _with_key(url: str, key: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}+Idempotency-Key={key}&:idempotency_key={key}"


class AppriseNotifier:
    """The real thing: one Apprise object per message, synchronous, nothing on disk."""

    def notify(self, channel: Channel, message: ChannelMessage) -> None:
        apprise_schemes()  # its plugins loaded the quiet way
        url = channel.url.get_secret_value()
        webhook = url.partition("://")[0].lower() in _FIELD_SCHEMES
        body = message.body if webhook else message.with_reference()
        target = _with_key(url, message.key) if webhook else url
        with _redacted(channel.secrets) as warnings:
            try:
                app = apprise.Apprise(
                    asset=apprise.AppriseAsset(async_mode=False, storage_mode="memory")
                )
                if not app.add(target):
                    raise ChannelError(f"{channel.label}: Apprise cannot use this URL")
                sent = app.notify(body=body, title="", body_format=apprise.NotifyFormat.HTML)
            except ChannelError:
                raise
            except Exception as exc:  # a plugin's bug must not stop the outbox
                raise ChannelError(f"{channel.label}: {type(exc).__name__}") from None
        if not sent:
            reason = "; ".join(warnings.lines[-2:]) or "not accepted"
            raise ChannelError(f"{channel.label}: {reason}")


def readable(url: str, secrets: Sequence[str]) -> bool:
    """Whether Apprise understands an expanded URL (its complaint goes to the log, redacted)."""
    apprise_schemes()
    with _redacted(secrets):
        return apprise.Apprise.instantiate(url) is not None


@dataclass
class ChannelBook:
    """The configured channels by id, the dashboard link for reviews, and how to send."""

    channels: dict[str, Channel] = field(default_factory=dict)
    link: ReviewLink | None = None
    notifier: Notifier = field(default_factory=AppriseNotifier)

    def get(self, channel_id: str) -> Channel | None:
        return self.channels.get(channel_id)


def idempotency_key(rows: Sequence[Notification], installation: str) -> str:
    """The same rows always give the same key (32 hex digits), in every attempt."""
    keys = "\n".join([installation, *sorted(r.dedup_key for r in rows)])
    return hashlib.sha256(keys.encode("utf-8")).hexdigest()[:32]


def channel_message(
    rows: Sequence[Notification], mail: EmailMessage, installation: str, link: ReviewLink | None
) -> ChannelMessage:
    """An alert in its short form; everything else (digests too) from its email."""
    key = idempotency_key(rows, installation)
    if len(rows) == 1 and not rows[0].digest and is_typed(rows[0].payload):
        payload = read_payload(rows[0].payload)
        if isinstance(payload, AlertPayload):
            return alert_message(payload, str(mail.get("Subject", "")), key, link)
    return generic_message(mail, key)
