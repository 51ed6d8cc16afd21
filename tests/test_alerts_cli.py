"""`leumund test-email` and `leumund alerts decide|send` from a real config file."""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path

import pytest

from leumund.cli import main
from storage.db import init_schema, make_engine, session_scope
from storage.models import utcnow
from storage.registry import BusinessSpec, SourceSpec, get_source, sync_businesses
from storage.reviews import upsert_reviews
from tests.factories import make_review_data
from tests.smtp_server import SmtpServer, closed_port, make_cert

BUSINESS = "Bäckerei Beispiel"


def write_config(tmp_path: Path, mail: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
storage: {{url: "sqlite:///leumund.db"}}
service: {{operator_emails: [it@example.test]}}
mail:
  sender: "Leumund <leumund@example.test>"
{mail}
businesses:
  - name: {BUSINESS}
    owner_emails: [inhaber@example.test]
    alerts: {{keywords: [Hygiene]}}
    sources: [{{name: tp, type: trustpilot, url: "https://tp.example.test/b"}}]
""",
        encoding="utf-8",
    )
    return path


def smtp_section(port: int, security: str = "none", login: str = "") -> str:
    return f"""  backend: smtp
  smtp:
    host: 127.0.0.1
    port: {port}
    security: {security}
    timeout: 5
{login}"""


def test_test_email_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SmtpServer() as server:
        config = write_config(tmp_path, smtp_section(server.port))
        assert main(["test-email", "--config", str(config)]) == 0
        [message] = server.messages
    out = capsys.readouterr().out
    assert out == f"test email sent to it@example.test via smtp 127.0.0.1:{server.port} (none)\n"
    assert message["Subject"] == "Leumund: Test-E-Mail" and message["To"] == "it@example.test"


def test_test_email_reports_the_exact_smtp_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SmtpServer(refuse_first=1, refuse_code=554) as server:
        config = write_config(tmp_path, smtp_section(server.port))
        assert main(["test-email", "--to", "x@example.test", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    where = f"127.0.0.1:{server.port}"
    assert err == f"test email to x@example.test failed: {where}: 554 5.7.1 Message rejected\n"


def test_test_email_server_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    assert main(["test-email", "-c", str(write_config(tmp_path, smtp_section(port)))]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}: " in err and "onnection refused" in err


def test_test_email_starttls_login_with_password_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert = make_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert.cert))  # trust the test server's certificate
    login = "    username: leumund\n    password_env: LEUMUND_TEST_SMTP_PASSWORD\n"
    with SmtpServer(tls="starttls", cert=cert, login=("leumund", "geheim")) as server:
        config = write_config(tmp_path, smtp_section(server.port, "starttls", login))
        monkeypatch.setenv("LEUMUND_TEST_SMTP_PASSWORD", "geheim")
        assert main(["test-email", "-c", str(config)]) == 0
        monkeypatch.setenv("LEUMUND_TEST_SMTP_PASSWORD", "falsch")
        assert main(["test-email", "-c", str(config)]) == 1
        assert len(server.messages) == 1
    captured = capsys.readouterr()
    assert "test email sent to it@example.test" in captured.out
    assert captured.err.startswith(
        f"test email to it@example.test failed: 127.0.0.1:{server.port}: 535 "
    )
    assert "falsch" not in captured.err and "geheim" not in captured.out + captured.err


def test_alerts_decide_and_send_with_the_file_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "  backend: file\n  directory: mail\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'leumund.db'}")
    init_schema(engine)
    with session_scope(engine) as session:
        spec = SourceSpec("tp", "trustpilot", "https://tp.example.test/b", True)
        sync_businesses(session, [BusinessSpec(BUSINESS, "Europe/Berlin", "de", (spec,))])
        source = get_source(session, BUSINESS, "tp")
        assert source is not None
        source.first_crawl_at = utcnow()  # not a backlog review: alerted on its own
        item = make_review_data(platform_id="n1", rating=3.0, text="Hygiene? Fehlanzeige!")
        upsert_reviews(session, source, [item])
    engine.dispose()
    assert main(["alerts", "decide", "-c", str(config)]) == 0
    assert main(["alerts", "decide", "-c", str(config)]) == 0
    assert main(["alerts", "send", "-c", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "1 notifications added to the outbox",
        "0 notifications added to the outbox",
        "1 emails sent (1 notifications), 0 to retry, 0 failed for good",
    ]
    [eml] = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=default)
    assert message["Subject"] == f"⚠ Neue 3-Sterne-Bewertung auf Trustpilot – {BUSINESS}"
    assert message["To"] == "inhaber@example.test"
    plain = message.get_body(("plain",))
    assert plain is not None and "Stichwort „Hygiene“ im Text" in plain.get_content()
