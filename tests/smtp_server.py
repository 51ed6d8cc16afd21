"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd): collects, refuses, speaks TLS.

    with SmtpServer(refuse_first=2, refuse_code=451) as server:  # refuse_at="rcpt" for RCPT
        mailer = SmtpMailer(host=server.host, port=server.port, security="none")
        ...
        server.messages  # parsed EmailMessages that were accepted, in order

`SmtpServer(tls="starttls" | "ssl", cert=make_cert(tmp_path))` serves STARTTLS or implicit
TLS with a self-signed certificate; `client_context()` trusts exactly that certificate.
`closed_port()` gives a port where nothing listens: the "server is down" case.
"""

from __future__ import annotations

import email
import logging
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_port() -> int:
    """A port on 127.0.0.1 that refuses connections (bound once, then released)."""
    return free_port()


@dataclass(frozen=True)
class Cert:
    cert: Path
    key: Path


def make_cert(directory: Path) -> Cert:
    """A self-signed certificate for 127.0.0.1/localhost (cryptography, else openssl CLI)."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    try:
        _cert_with_cryptography(cert, key)
    except ImportError:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return Cert(cert, key)


def _cert_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def client_context(cert: Cert) -> ssl.SSLContext:
    """What a client needs to trust the test server's self-signed certificate."""
    return ssl.create_default_context(cafile=str(cert.cert))


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    refuse_first: int
    refuse_reply: str
    refuse_at: Literal["data", "rcpt"] = "data"
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _refuse(self, stage: str) -> bool:
        if self.refuse_at != stage or self.refused >= self.refuse_first:
            return False
        self.refused += 1
        return True

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            if self._refuse("rcpt"):
                return self.refuse_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self._refuse("data"):
                return self.refuse_reply
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 2.0.0 OK queued"


class SmtpServer:
    """aiosmtpd in a background thread; refuses the first `refuse_first` messages.

    They are refused at DATA, or with `refuse_at="rcpt"` at RCPT TO (greylisting, a full
    mailbox, "no such user").
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        refuse_first: int = 0,
        refuse_code: int = 451,
        refuse_at: Literal["data", "rcpt"] = "data",
        tls: Literal["none", "starttls", "ssl"] = "none",
        cert: Cert | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        text = "4.3.0 Try again later" if refuse_code < 500 else "5.7.1 Message rejected"
        self.handler = _Handler(refuse_first, f"{refuse_code} {text}", refuse_at)
        self.port = free_port()
        self.login = login
        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port, **self._options(tls, cert)
        )

    def _options(self, tls: str, cert: Cert | None) -> dict[str, Any]:
        options: dict[str, Any] = {"ident": "leumund-test-smtp"}
        if tls != "none":
            assert cert is not None, "TLS needs a certificate: make_cert(tmp_path)"
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(cert.cert), str(cert.key))
            if tls == "ssl":
                options["ssl_context"] = ctx
            else:
                options.update(tls_context=ctx, require_starttls=True)
        if self.login is not None:
            # aiosmtpd only counts STARTTLS as TLS; on implicit TLS AUTH is offered, not forced.
            forced = tls == "starttls"
            options.update(
                authenticator=self._authenticate, auth_required=forced, auth_require_tls=forced
            )
        return options

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def __enter__(self) -> SmtpServer:
        # aiosmtpd logs every connection at INFO from its thread; keep test output clean.
        self._log_level = logging.getLogger("mail.log").level
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self._controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._controller.stop()
        logging.getLogger("mail.log").setLevel(self._log_level)
