"""The overview's comparison panel: shown to the owner; a competitor is never a business of
its own in the dashboard (not listed, its pages and reviews answer 404 for everyone)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from leumund.config import Config
from leumund.jobs.pipeline import sync_config
from leumund.web.app import create_app
from storage.db import session_scope
from storage.models import Review
from storage.registry import get_business, get_source
from storage.reviews import upsert_reviews
from tests.factories import make_review_data
from tests.smtp_server import SmtpServer
from tests.test_web import Site
from tests.web_support import NOW, OPERATOR, OWNER_A, OWNER_B, Clock, context

RIVAL = "Bäckerei A › Backstube"


def _config(tmp_path: Path, smtp_port: int) -> Config:
    source = {"name": "tp", "type": "trustpilot", "url": "https://x.test/"}
    data: dict[str, Any] = {
        "service": {"operator_emails": [OPERATOR]},
        "mail": {"backend": "smtp", "sender": "Leumund <leumund@agentur.test>",
                 "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"}},
        "businesses": [
            {"name": "Bäckerei A", "owner_emails": [OWNER_A], "sources": [source],
             "competitors": [{"name": "Backstube", "sources": [source]}]},
            {"name": "Zahnarzt B", "owner_emails": [OWNER_B], "sources": [source]},
        ],
    }  # fmt: skip
    return Config.model_validate(data).bind(tmp_path, {})


def _seed(engine: Engine, config: Config) -> dict[str, int]:
    sync_config(engine, config)
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        for business, stars in (("Bäckerei A", 5.0), (RIVAL, 2.0)):
            source = get_source(session, business, "tp")
            row = get_business(session, business)
            assert source is not None and row is not None and row.id is not None
            items = [
                make_review_data(platform_id=f"{business}{i}", rating=stars,
                                 published_at=NOW - timedelta(days=2 + 3 * i))
                for i in range(4)
            ]  # fmt: skip
            upsert_reviews(session, source, items)
            ids[business] = row.id
        rival_review = session.exec(select(Review).where(Review.business_id == ids[RIVAL])).first()
        assert rival_review is not None and rival_review.id is not None
        ids["rival review"] = rival_review.id
    return ids


@pytest.fixture
def site(any_engine: Engine, tmp_path: Path) -> Iterator[Site]:
    with SmtpServer() as smtp:
        config = _config(tmp_path, smtp.port)
        ids = _seed(any_engine, config)
        app = create_app(context(config, any_engine, Clock()))
        with TestClient(app, client=("203.0.113.7", 50000)) as client:
            yield Site(client, smtp, any_engine, ids, Clock())


def test_owner_sees_the_comparison_panel(site: Site) -> None:
    site.sign_in(OWNER_A)
    page = site.client.get(f"/b/{site.ids['Bäckerei A']}")
    assert page.status_code == 200
    panel = page.text.split('class="card versus"', 1)[1].split("</section>", 1)[0]
    assert "Mitbewerber" in panel and "Bäckerei A (Sie)" in panel and "Backstube" in panel
    assert '<td class="num">5 ★</td>' in panel and '<td class="num">2 ★</td>' in panel
    assert '<td class="num">1</td>' in panel  # 4 reviews in 4 weeks: 1 a week


@pytest.mark.parametrize("who", [OWNER_A, OPERATOR])
def test_competitor_is_no_business_of_the_dashboard(site: Site, who: str) -> None:
    site.sign_in(who)
    rival, review = site.ids[RIVAL], site.ids["rival review"]
    for path in (f"/b/{rival}", f"/b/{rival}/reviews", f"/b/{rival}/reviews.csv",
                 f"/b/{rival}/chart.png", f"/r/{review}"):  # fmt: skip
        assert site.client.get(path).status_code == 404, path
    home = site.client.get("/", follow_redirects=True).text
    assert "Backstube" not in home.split('class="card versus"')[0]


def test_other_owner_sees_neither_the_panel_nor_the_competitor(site: Site) -> None:
    site.sign_in(OWNER_B)
    assert site.client.get(f"/b/{site.ids['Bäckerei A']}").status_code == 404
    assert site.client.get(f"/b/{site.ids[RIVAL]}").status_code == 404
    own = site.client.get("/", follow_redirects=True).text
    assert "Zahnarzt B" in own and "versus" not in own and "Backstube" not in own


def test_operator_may_crawl_a_competitor_source_now(any_engine: Engine, tmp_path: Path) -> None:
    started: list[tuple[str, str]] = []
    done = threading.Event()

    def crawl_now(business: str, source: str) -> None:
        started.append((business, source))
        done.set()

    with SmtpServer() as smtp:
        config = _config(tmp_path, smtp.port)
        ids = _seed(any_engine, config)
        ctx = replace(context(config, any_engine, Clock()), crawl_now=crawl_now)
        with TestClient(create_app(ctx), client=("203.0.113.7", 50000)) as client:
            site = Site(client, smtp, any_engine, ids, Clock())
            csrf = site.sign_in(OPERATOR)
            assert RIVAL in client.get("/ops").text  # its sources are listed for the operator
            form = {"csrf": csrf, "business": RIVAL, "source": "tp"}
            answer = client.post("/ops/crawl", data=form, follow_redirects=False)
            assert answer.status_code == 303
            assert done.wait(10)
    assert started == [(RIVAL, "tp")]
