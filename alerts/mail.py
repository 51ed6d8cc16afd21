"""Delivering a rendered message: SMTP (STARTTLS, implicit TLS, none) or a folder of .eml files.

Every failure becomes `MailError` with one line naming the server and the exact SMTP reply,
so the outbox can keep it and `leumund test-email` can print it.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import SecretStr

from alerts.settings import SmtpSettings


class MailError(Exception):
    """A message could not be delivered; str() is one line fit for logs and the outbox.

    `unreachable` means no message can get through right now (server down, login or TLS
    failing), as opposed to this one message being refused.
    """

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(" ".join(message.split()))
        self.unreachable = unreachable


_PER_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise MailError."""


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{rcpt}: {code} {_reply_text(msg)}" for rcpt, (code, msg) in recipients.items()
    )


def describe_smtp_error(exc: BaseException) -> str:
    """The exact SMTP reply (code and text) or the network error, on one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + _refused(exc.recipients)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_reply_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server closed the connection: {exc}".rstrip(": ")
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


@dataclass
class SmtpMailer:
    """One connection per message: simple, and nothing stale between scheduled runs."""

    host: str
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    @classmethod
    def from_settings(cls, settings: SmtpSettings, password: SecretStr | None) -> SmtpMailer:
        return cls(
            host=settings.host,
            port=settings.port,
            security=settings.security,
            username=settings.username,
            password=password,
            timeout=settings.timeout,
        )

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                self._secure_and_login(smtp)
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            text = f"{self.host}:{self.port}: {describe_smtp_error(exc)}"
            raise MailError(text, unreachable=not isinstance(exc, _PER_MESSAGE)) from exc
        if refused:
            raise MailError(f"{self.host}:{self.port}: recipient refused: {_refused(refused)}")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        if self.security == "starttls":
            smtp.starttls(context=self.ssl_context)
        if self.username:
            secret = self.password.get_secret_value() if self.password else ""
            smtp.login(self.username, secret)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class FileMailer:
    """Writes each message as `<date>-<message id>.eml`; the same message overwrites itself."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        target = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _atomic_write(target, message.as_bytes())
        except OSError as exc:
            raise MailError(f"cannot write {target}: {exc.strerror or exc}", True) from exc

    def path_for(self, message: EmailMessage) -> Path:
        """Where `send` writes (or wrote) this message."""
        return self.directory / self._name(message)

    @staticmethod
    def _name(message: EmailMessage) -> str:
        stamp = "undated"
        if message["Date"]:
            with contextlib.suppress(TypeError, ValueError):
                stamp = parsedate_to_datetime(str(message["Date"])).strftime("%Y%m%d-%H%M%S")
        ident = str(message["Message-ID"] or "").strip("<> ").split("@")[0]
        ident = _UNSAFE.sub("_", ident)[:64] or uuid.uuid4().hex
        return f"{stamp}-{ident}.eml"


def _atomic_write(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a message."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
