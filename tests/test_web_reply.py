"""The review page's reply button: posted through the local fake of the Google Business
Profile API (tests/google_fake.py) by `leumund reply`'s code path, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from leumund.config import Config
from leumund.jobs.reply import draft_for
from leumund.parts import build_parts
from leumund.web.app import create_app
from storage.db import session_scope
from storage.models import OwnerReply, Review
from tests.google_fake import CREDENTIALS, LOCATION, REPLY_TIME, GoogleFake, gbp_review
from tests.httpserver import LocalServer
from tests.mail_site import MailSite, add_review, add_source
from tests.smtp_server import SmtpServer
from tests.web_support import OWNER_B, Clock, context

PRAXIS = "praxis@muster.test"
GBP = "google_business_profile"
ENV = {"T_GBP_ID": "client_id", "T_GBP_SECRET": "client_secret", "T_GBP_TOKEN": "refresh_token"}


def reply_config(tmp_path: Path, smtp_port: int, api: str) -> Config:
    gbp = {"name": GBP, "type": GBP, "url": api, "location": LOCATION,
           "client_id_env": "T_GBP_ID", "client_secret_env": "T_GBP_SECRET",
           "refresh_token_env": "T_GBP_TOKEN"}  # fmt: skip
    data = {
        "mail": {
            "backend": "smtp",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        },
        "businesses": [
            {
                "name": "Praxis Dr. Muster",
                "kind": "praxis",
                "contact": "Tel. 089 7654321",
                "owner_emails": [PRAXIS],
                "sources": [gbp],
            },
            {"name": "Zahnarzt B", "owner_emails": [OWNER_B]},
        ],
    }
    secrets = {name: SecretStr(CREDENTIALS[key]) for name, key in ENV.items()}
    return Config.model_validate(data).bind(tmp_path, secrets)


@dataclass
class ReplySite:
    site: MailSite
    fake: GoogleFake
    config: Config
    gbp_review: int
    tp_review: int


@pytest.fixture
def rsite(any_engine: Engine, tmp_path: Path) -> Iterator[ReplySite]:
    with SmtpServer() as smtp, LocalServer(tmp_path) as api:
        fake = GoogleFake(api, {"": {"reviews": [gbp_review(1, "ONE")]}})
        config = reply_config(tmp_path, smtp.port, api.base_url)
        gbp = add_source(any_engine, "Praxis Dr. Muster", GBP, url=api.base_url)
        tp = add_source(any_engine, "Praxis Dr. Muster", "trustpilot")
        add_source(any_engine, "Zahnarzt B")
        on_google = add_review(any_engine, gbp, "rev1", 1.0, "Lange gewartet.")
        on_trustpilot = add_review(any_engine, tp, "64f0c0ffee", 2.0, "Unfreundlich.")
        clock = Clock()
        parts = build_parts(config, engine=any_engine, clock=clock)
        with TestClient(create_app(context(config, any_engine, clock))) as client:
            site = MailSite(client, smtp, any_engine, clock, parts)
            yield ReplySite(site, fake, config, on_google, on_trustpilot)


def _csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_owner_posts_a_reply_and_the_review_shows_as_answered(rsite: ReplySite) -> None:
    site, review = rsite.site, rsite.gbp_review
    csrf = site.sign_in(PRAXIS)
    page = site.client.get(f"/r/{review}").text
    draft = draft_for(rsite.config, rsite.config.business("Praxis Dr. Muster"))
    assert "Antwort veröffentlichen" in page and "Tel. 089 7654321" in draft
    textarea = page.split('<textarea name="text"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
    assert textarea.replace("&#39;", "'").replace("&#34;", '"') == draft
    assert site.client.post(f"/r/{review}/reply", data={"text": "Danke"}).status_code == 400
    text = "Guten Tag, es tut uns leid. Rufen Sie uns an: Tel. 089 7654321."
    answer = site.client.post(f"/r/{review}/reply", data={"csrf": csrf, "text": text})
    assert answer.status_code == 200 and answer.url.path == f"/r/{review}"
    [hit] = rsite.fake.reply_hits
    assert (hit.method, hit.path) == ("PUT", f"/v4/{LOCATION}/reviews/rev1/reply")
    assert json.loads(hit.body) == {"comment": text}
    assert "Beantwortet von praxis@muster.test am" in answer.text and text in answer.text
    with session_scope(site.engine) as session:
        [row] = session.exec(select(OwnerReply)).all()
        stored = session.get(Review, review)
    assert (row.review_id, row.replied_by, row.via) == (review, PRAXIS, GBP)
    assert stored is not None and stored.reply_text == text
    assert stored.reply_at is not None and stored.reply_at.isoformat().startswith(REPLY_TIME[:19])
    business = stored.business_id
    assert f'href="/r/{review}"' in site.client.get(f"/b/{business}/reviews?answered=yes").text


def test_owner_of_another_business_gets_404_and_nothing_is_posted(rsite: ReplySite) -> None:
    site = rsite.site
    csrf = site.sign_in(OWNER_B)
    data = {"csrf": csrf, "text": "Fremde Antwort"}
    assert site.client.get(f"/r/{rsite.gbp_review}").status_code == 404
    assert site.client.post(f"/r/{rsite.gbp_review}/reply", data=data).status_code == 404
    assert rsite.fake.reply_hits == []
    with session_scope(site.engine) as session:
        assert session.exec(select(OwnerReply)).all() == []


def test_other_platforms_link_to_where_one_answers(rsite: ReplySite) -> None:
    site = rsite.site
    csrf = site.sign_in(PRAXIS)
    page = site.client.get(f"/r/{rsite.tp_review}").text
    assert '<textarea name="text"' not in page
    assert 'href="https://businessapp.b2b.trustpilot.com/reviews/64f0c0ffee"' in page
    assert "Auf der Plattform antworten" in page
    data = {"csrf": csrf, "text": "Danke"}
    assert site.client.post(f"/r/{rsite.tp_review}/reply", data=data).status_code == 404


def test_other_platforms_show_the_alerts_topic_draft_to_copy(rsite: ReplySite) -> None:
    """The dashboard offers the same suggestion the alert carried, taking up the topic."""
    site = rsite.site
    with session_scope(site.engine) as session:
        review = session.get(Review, rsite.tp_review)
        assert review is not None
        review.topics = [{"topic": "Wartezeit", "polarity": "negative", "quote": "q"}]
        session.add(review)
    site.sign_in(PRAXIS)
    page = site.client.get(f"/r/{rsite.tp_review}").text
    draft = page.split("Antwortvorschlag<textarea", 1)[1].split("</textarea>", 1)[0]
    assert "readonly" in draft.split(">", 1)[0]
    assert "Wartezeiten lassen sich in einer Praxis nicht immer vermeiden" in draft
    assert "Schweigepflicht" in draft  # a practice's draft confirms no patient


def test_a_refused_reply_is_shown_and_nothing_recorded(rsite: ReplySite) -> None:
    site = rsite.site
    csrf = site.sign_in(PRAXIS)
    answer = site.client.post(f"/r/{rsite.gbp_review}/reply", data={"csrf": csrf, "text": " "})
    assert answer.status_code == 502 and "Nicht veröffentlicht" in answer.text
    assert "the reply text is empty" in answer.text
    with session_scope(site.engine) as session:
        assert session.exec(select(OwnerReply)).all() == []
