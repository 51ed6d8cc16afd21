"""A burst end to end: a local review page crawled by `run --once`, mail through a real SMTP
server — one message per recipient listing all nine, then one follow-up, nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crawler.demo import DemoServer, DemoSite, serve_directory
from leumund import cli
from leumund.config import Config
from leumund.parts import build_parts
from tests.service_support import OWNER, config_data
from tests.smtp_server import SmtpServer

BRANCH = "filiale@example.de"
COMPLAINTS = [
    ("Nie wieder", "Die Brötchen waren steinhart und die Verkäuferin hat gelacht."),
    ("Frechheit", "Eine halbe Stunde gewartet, dann war der Kuchen aus."),
    ("", "Kaffee kalt, Tische schmutzig, Preise eine Unverschämtheit."),
    ("Schimmel!", "Im Brot war Schimmel, niemand hat sich entschuldigt."),
    ("Unfreundlich", "Man wird angeschnauzt, wenn man nachfragt."),
    ("", "Seit dem neuen Besitzer ist alles schlechter geworden, leider."),
    ("Zu teuer", "Vier Euro für ein Croissant, das nach nichts schmeckt."),
    ("Dreckig", "Die Theke klebt, Fliegen auf dem Gebäck."),
    ("", "Bestellung vergessen, am Telefon einfach aufgelegt."),
    ("Wieder schlecht", "Auch heute wieder alte Ware aus dem Vortag verkauft."),
]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[DemoSite, DemoServer]]:
    site = DemoSite(tmp_path / "site")
    server = serve_directory(site.directory)
    yield site, server
    server.stop()


def _config(tmp_path: Path, url: str, smtp: SmtpServer) -> Config:
    mail = {"backend": "smtp", "smtp": {"host": smtp.host, "port": smtp.port, "security": "none"}}
    data = config_data(url, model=str(tmp_path / "no-model"), mail=mail)  # stars decide
    data["businesses"][0]["alerts"]["recipients"] = [OWNER, BRANCH]
    return Config.model_validate(data).bind(tmp_path, {})


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {str(m["To"]): m for m in messages}


@pytest.mark.slow
def test_nine_negatives_on_a_crawled_page_make_one_burst_mail_per_recipient(
    any_engine: Engine, tmp_path: Path, demo: tuple[DemoSite, DemoServer]
) -> None:
    site, server = demo
    with SmtpServer() as smtp:
        config = _config(tmp_path, site.trustpilot_url(server.base_url), smtp)

        def run() -> list[EmailMessage]:
            """One `run --once --force` (a fresh process's parts); the mails it sent."""
            before = len(smtp.messages)
            assert (
                cli.main(["run", "--once", "--force"], parts=build_parts(config, engine=any_engine))
                == 0
            )
            return smtp.messages[before:]

        assert len(run()) == 2  # the first crawl's summary, to each recipient
        for i, (title, text) in enumerate(COMPLAINTS[:9]):
            site.add_review(author=f"Kunde {i}", rating=1, title=title, text=text)
        burst = _by_recipient(run())
        assert sorted(burst) == sorted([OWNER, BRANCH])  # ONE mail each, no single alerts
        mail = burst[OWNER]
        assert str(mail["Subject"]).startswith("⚠ Auffällige Häufung: 9 negative Bewertungen in ")
        body = _text(mail)
        for i, (title, text) in enumerate(COMPLAINTS[:9]):
            assert f"Kunde {i}" in body and (title or text[:20]) in body
        assert "Bewertung melden" in body and "Screenshot" in body

        site.add_review(author="Kunde 9", rating=1, title=COMPLAINTS[9][0], text=COMPLAINTS[9][1])
        follow = _by_recipient(run())
        assert sorted(follow) == sorted([OWNER, BRANCH])
        mail = follow[OWNER]
        assert str(mail["Subject"]).startswith(
            "⚠ Auffällige Häufung geht weiter: 1 weitere negative Bewertung"
        )
        body = _text(mail)
        assert "Kunde 9" in body and "Kunde 0" not in body

        assert run() == []  # restarted with nothing new: nothing twice
