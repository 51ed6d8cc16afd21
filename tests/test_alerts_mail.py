"""Mail backends against a real SMTP server on 127.0.0.1 and a real folder."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path
from typing import Literal

import pytest
from pydantic import SecretStr

from alerts.mail import FileMailer, MailError, SmtpMailer
from tests.smtp_server import SmtpServer, client_context, closed_port, make_cert


def _message(subject: str = "Grüße aus der Bäckerei ☕") -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Leumund <leumund@example.test>"
    msg["To"] = "inhaber@example.test"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 14:05:00 +0000"
    msg["Message-ID"] = "<alert-abc123@leumund.example.test>"
    msg.set_content("Hallo Welt – äöü ß 😀\n", cte="quoted-printable")
    return msg


def test_plain_smtp_delivers_the_message_unchanged() -> None:
    with SmtpServer() as server:
        SmtpMailer(host=server.host, port=server.port, security="none", timeout=5).send(_message())
        [got] = server.received
    assert got.rcpt_tos == ["inhaber@example.test"]
    assert got.message["Subject"] == "Grüße aus der Bäckerei ☕"
    assert got.message.get_content().replace("\r\n", "\n") == "Hallo Welt – äöü ß 😀\n"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login(tmp_path: Path, security: Literal["starttls", "ssl"]) -> None:
    cert = make_cert(tmp_path)
    with SmtpServer(tls=security, cert=cert, login=("leumund", "s3cret")) as server:
        mailer = SmtpMailer(
            host=server.host,
            port=server.port,
            security=security,
            username="leumund",
            password=SecretStr("s3cret"),
            timeout=5,
            ssl_context=client_context(cert),
        )
        mailer.send(_message())
        assert [m["Message-ID"] for m in server.messages] == ["<alert-abc123@leumund.example.test>"]
        mailer.password = SecretStr("wrong")
        with pytest.raises(MailError) as err:
            mailer.send(_message())
    assert str(err.value).startswith(f"127.0.0.1:{server.port}: 535 ")
    assert "\n" not in str(err.value) and "wrong" not in str(err.value)


def test_untrusted_certificate_is_a_one_line_tls_error(tmp_path: Path) -> None:
    cert = make_cert(tmp_path)
    with SmtpServer(tls="ssl", cert=cert) as server:
        mailer = SmtpMailer(host=server.host, port=server.port, security="ssl", timeout=5)
        with pytest.raises(MailError, match=r"TLS error: .*CERTIFICATE_VERIFY_FAILED"):
            mailer.send(_message())
    assert server.received == []


def test_refusal_carries_the_exact_smtp_reply() -> None:
    with SmtpServer(refuse_first=1, refuse_code=554) as server:
        mailer = SmtpMailer(host=server.host, port=server.port, security="none", timeout=5)
        with pytest.raises(MailError) as err:
            mailer.send(_message())
        mailer.send(_message())
        assert len(server.received) == 1
    assert str(err.value) == f"127.0.0.1:{server.port}: 554 5.7.1 Message rejected"


def test_server_down_is_one_line() -> None:
    port = closed_port()
    mailer = SmtpMailer(host="127.0.0.1", port=port, security="starttls", timeout=2)
    with pytest.raises(MailError, match=rf"^127\.0\.0\.1:{port}: .*[Cc]onnection refused"):
        mailer.send(_message())


def test_file_mailer_writes_one_eml_per_message_atomically(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path / "mail")
    mailer.send(_message())
    mailer.send(_message())  # the same Message-ID: a re-send overwrites, never duplicates
    other = _message("Zweite")
    other.replace_header("Message-ID", "<digest-xyz@leumund.example.test>")
    mailer.send(other)
    files = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert files == ["20261123-140500-alert-abc123.eml", "20261123-140500-digest-xyz.eml"]
    parsed = email.message_from_bytes((tmp_path / "mail" / files[0]).read_bytes(), policy=default)
    assert parsed["Subject"] == "Grüße aus der Bäckerei ☕"


def test_file_mailer_unwritable_folder_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailError, match="cannot write"):
        FileMailer(blocker / "mail").send(_message())
