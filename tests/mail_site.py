"""A dashboard whose alert mails go through a real SMTP server, with `web.base_url` set.

Two businesses: "Bäckerei A" alerts its owner and a branch address, "Zahnarzt B" its own
owner. Reviews are added after a completed first crawl, so each bad one is an alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import func, select
from starlette.testclient import TestClient

from leumund.config import Config
from leumund.jobs.alerts import decide_alerts, send_due
from leumund.parts import Parts, build_parts
from leumund.web.app import create_app
from storage.db import session_scope
from storage.models import Business, Review, Source, WebToken
from storage.reviews import upsert_reviews
from tests.factories import make_review_data
from tests.smtp_server import SmtpServer
from tests.web_support import NOW, OPERATOR, OWNER_A, OWNER_B, Clock, context, last_link

BASE = "http://testserver"
FILIALE = "filiale@baeckerei.test"
_DONE = re.compile(r"http://testserver/done/[A-Za-z0-9_\-]+")


def mail_config(tmp_path: Path, smtp_port: int, **business_a: Any) -> Config:
    data: dict[str, Any] = {
        "service": {"operator_emails": [OPERATOR]},
        "mail": {
            "backend": "smtp",
            "sender": "Leumund <leumund@agentur.test>",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        },
        "web": {"base_url": BASE},
        "businesses": [
            {
                "name": "Bäckerei A",
                "owner_emails": [OWNER_A],
                "alerts": {"recipients": [OWNER_A, FILIALE], "keywords": ["Hygiene"]},
                **business_a,
            },
            {"name": "Zahnarzt B", "owner_emails": [OWNER_B]},
        ],
    }
    return Config.model_validate(data).bind(tmp_path, {})


def add_source(engine: Engine, business: str, kind: str = "trustpilot", url: str = "") -> int:
    """A business and a source whose first crawl is done (both made on first use)."""
    with session_scope(engine) as session:
        found = session.exec(select(Business).where(Business.name == business)).first()
        if found is None:
            found = Business(name=business)
            session.add(found)
            session.flush()
        assert found.id is not None
        query = select(Source).where(Source.business_id == found.id, Source.name == kind)
        source = session.exec(query).first() or Source(
            business_id=found.id, name=kind, type=kind, url=url or "https://x.test/",
            first_crawl_at=NOW,
        )  # fmt: skip
        session.add(source)
        session.flush()
        assert source.id is not None
        return source.id


def add_review(engine: Engine, source_id: int, pid: str, rating: float, text: str) -> int:
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        data = make_review_data(platform_id=pid, rating=rating, title="", text=text,
                                url=f"https://x.test/reviews/{pid}", published_at=NOW)  # fmt: skip
        upsert_reviews(session, source, [data])
    with session_scope(engine) as session:
        review = session.exec(select(Review).where(Review.platform_id == pid)).one()
        assert review.id is not None
        return review.id


@dataclass
class MailSite:
    client: TestClient
    smtp: SmtpServer
    engine: Engine
    clock: Clock
    parts: Parts

    def alert_round(self) -> int:
        """Decide and send what is due now; the number of emails sent."""
        decide_alerts(self.parts, self.clock())
        return send_due(self.parts, self.clock()).emails

    def alerts_to(self, recipient: str) -> list[EmailMessage]:
        """The alert mails (not sign-in links) to `recipient`, oldest first."""
        return [
            m for m in self.smtp.messages
            if m["To"] == recipient and str(m["Subject"]).startswith("⚠")
        ]  # fmt: skip

    def ids_business(self, name: str) -> int:
        with session_scope(self.engine) as session:
            found = session.exec(select(Business).where(Business.name == name)).one()
            assert found.id is not None
            return found.id

    def tokens(self) -> int:
        with session_scope(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(WebToken)).one())

    def sign_in(self, email: str) -> str:
        """Sign in through the mailed link; the session's CSRF token."""
        page = self.client.get("/login")
        pre = page.text.split('name="csrf" value="')[1].split('"')[0]
        assert self.client.post("/login", data={"email": email, "csrf": pre}).status_code == 200
        link = last_link(self.smtp, email).split("testserver", 1)[1]
        confirm = self.client.get(link)
        csrf = confirm.text.split('name="csrf" value="')[1].split('"')[0]
        assert self.client.post(link, data={"csrf": csrf}).status_code == 200
        return self.client.get("/").text.split('name="csrf" value="')[1].split('"')[0]


@contextmanager
def mail_site(engine: Engine, tmp_path: Path, **business_a: Any) -> Iterator[MailSite]:
    with SmtpServer() as smtp:
        config = mail_config(tmp_path, smtp.port, **business_a)
        clock = Clock()
        parts = build_parts(config, engine=engine, clock=clock)
        with TestClient(create_app(context(config, engine, clock))) as client:
            yield MailSite(client, smtp, engine, clock, parts)


def plain_and_html(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def done_links(message: EmailMessage) -> list[str]:
    return _DONE.findall(plain_and_html(message)[0])


def path_of(link: str) -> str:
    return link.split("testserver", 1)[1]
