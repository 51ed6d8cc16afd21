"""A dashboard over a real database and a real SMTP server: two businesses, two owners,
one operator, and reviews including a hostile one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.render import Renderer
from leumund.config import Config
from leumund.parts import make_mailer
from leumund.web.context import WebContext
from storage.db import session_scope
from storage.models import Business, Review, Source
from storage.reviews import upsert_reviews
from tests.factories import make_review_data
from tests.smtp_server import SmtpServer

OWNER_A = "inhaber@baeckerei.test"
OWNER_B = "praxis@zahnarzt.test"
OPERATOR = "it@agentur.test"
HOSTILE = '<script>alert("x")</script> \u202e!tug rhes\u202c <img src=x onerror=alert(1)>'
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def web_config(tmp_path: Path, smtp_port: int, base_url: str | None = None) -> Config:
    data: dict[str, Any] = {
        "service": {"operator_emails": [OPERATOR]},
        "mail": {
            "backend": "smtp",
            "sender": "Leumund <leumund@agentur.test>",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        },
        "web": {"base_url": base_url} if base_url else {},
        "businesses": [
            {"name": "Bäckerei A", "owner_emails": [OWNER_A]},
            {"name": "Zahnarzt B", "owner_emails": [OWNER_B]},
        ],
    }
    return Config.model_validate(data).bind(tmp_path, {})


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def seed(engine: Engine) -> dict[str, int]:
    """Reviews for both businesses; returns ids by a short name."""
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        for name, kind in (("Bäckerei A", "trustpilot"), ("Zahnarzt B", "schema_org")):
            business = Business(name=name)
            session.add(business)
            session.flush()
            assert business.id is not None
            source = Source(business_id=business.id, name="main", type=kind, url="https://x.test/")
            session.add(source)
            session.flush()
            ids[name] = business.id
            _reviews(session, source, name)
    with session_scope(engine) as session:
        for review in session.exec(select(Review)).all():
            assert review.id is not None
            ids[f"{review.business_id}:{review.platform_id}"] = review.id
    return ids


def _reviews(session: Session, source: Source, business: str) -> None:
    day = timedelta(days=1)
    rows = [
        ("good", 5.0, "Sehr lecker", "Die Brötchen sind frisch und die Wartezeit ist kurz."),
        ("bad", 1.0, "Unfreundlich", "Lange Wartezeit und eine unfreundliche Verkäuferin."),
        ("formula", 2.0, '=HYPERLINK("http://evil.test")', "Zu teuer."),
    ]
    items = [
        make_review_data(platform_id=pid, rating=stars, title=title, text=text,
                         published_at=NOW - (i + 1) * day)
        for i, (pid, stars, title, text) in enumerate(rows)
    ]  # fmt: skip
    items.append(
        make_review_data(platform_id="hostile", rating=2.0, title=HOSTILE, author=HOSTILE,
                         text=HOSTILE, url="javascript:alert(1)", published_at=NOW - 5 * day)
    )  # fmt: skip
    if business == "Zahnarzt B":
        text = "Nur für die Praxis B sichtbar."
        items = [
            make_review_data(
                platform_id="b1", rating=1.0, title="Geheim B", text=text, published_at=NOW - day
            )
        ]
    upsert_reviews(session, source, items)


def context(config: Config, engine: Engine, clock: Clock) -> WebContext:
    return WebContext(
        config=config,
        engine=engine,
        mailer=make_mailer(config),
        renderer=Renderer(config.mail.sender),
        clock=clock,
        crawl_now=None,
        try_source=None,
    )


_LINK = re.compile(r"https?://[^\s\"<>]+/login/[A-Za-z0-9_\-]+")


def last_link(server: SmtpServer, recipient: str) -> str:
    """The sign-in link of the newest mail to `recipient` (from its plain-text part)."""
    mails = [m for m in server.messages if m["To"] == recipient]
    assert mails, f"no mail to {recipient}"
    body = mails[-1].get_body(preferencelist=("plain",))
    assert body is not None
    match = _LINK.search(body.get_content())
    assert match, "no sign-in link in the mail"
    return match.group(0)
