"""The dashboard over HTTP: sign-in by mailed link, who sees what, CSRF, CSP, throttling,
filters, search, CSV and "Erledigt" — on SQLite and PostgreSQL, mail through real SMTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from leumund.web.app import create_app
from leumund.web.context import CSP, SESSION_COOKIE
from leumund.web.links import handled_link
from storage.db import session_scope
from storage.models import Review
from tests.smtp_server import SmtpServer
from tests.web_support import (
    HOSTILE,
    OPERATOR,
    OWNER_A,
    OWNER_B,
    Clock,
    context,
    last_link,
    seed,
    web_config,
)


@dataclass
class Site:
    client: TestClient
    smtp: SmtpServer
    engine: Engine
    ids: dict[str, int]
    clock: Clock

    def pre_csrf(self) -> str:
        page = self.client.get("/login")
        return page.text.split('name="csrf" value="')[1].split('"')[0]

    def request_link(self, email: str) -> int:
        return self.client.post(
            "/login", data={"email": email, "csrf": self.pre_csrf()}
        ).status_code

    def sign_in(self, email: str) -> str:
        """Sign in through the mailed link; returns the session's CSRF token."""
        assert self.request_link(email) == 200
        link = last_link(self.smtp, email).split("testserver", 1)[1]
        confirm = self.client.get(link)
        csrf = confirm.text.split('name="csrf" value="')[1].split('"')[0]
        assert self.client.post(link, data={"csrf": csrf}).status_code == 200
        return self.csrf()

    def csrf(self) -> str:
        return self.client.get("/").text.split('name="csrf" value="')[1].split('"')[0]

    def review(self, business: str, platform_id: str) -> int:
        return self.ids[f"{self.ids[business]}:{platform_id}"]


@pytest.fixture
def site(any_engine: Engine, tmp_path: Path) -> Iterator[Site]:
    with SmtpServer() as smtp:
        config = web_config(tmp_path, smtp.port)
        ids = seed(any_engine)
        clock = Clock()
        app = create_app(context(config, any_engine, clock))
        with TestClient(app, client=("203.0.113.7", 50000)) as client:
            yield Site(client, smtp, any_engine, ids, clock)


def test_signin_by_mailed_link_shows_only_the_owners_business(site: Site) -> None:
    site.sign_in(OWNER_A)
    cookie = site.client.cookies.get(SESSION_COOKIE)
    assert cookie
    home = site.client.get("/")
    assert home.url.path == f"/b/{site.ids['Bäckerei A']}"
    assert "Bäckerei A" in home.text and "Zahnarzt B" not in home.text
    mail = site.smtp.messages[-1]
    assert mail["Subject"] == "Ihr Anmeldelink für Leumund"


def test_link_works_once_and_expires(site: Site) -> None:
    site.request_link(OWNER_A)
    link = last_link(site.smtp, OWNER_A).split("testserver", 1)[1]
    csrf = site.client.get(link).text.split('name="csrf" value="')[1].split('"')[0]
    assert site.client.post(link, data={"csrf": csrf}).status_code == 200
    site.client.cookies.clear()
    assert site.client.get(link).status_code == 410
    assert site.client.post(link, data={"csrf": site.pre_csrf()}).status_code == 410
    site.request_link(OWNER_A)
    late = last_link(site.smtp, OWNER_A).split("testserver", 1)[1]
    site.clock.advance(minutes=16)
    assert site.client.get(late).status_code == 410


def test_unknown_address_gets_the_same_answer_and_no_mail(site: Site) -> None:
    known = site.client.post("/login", data={"email": OWNER_A, "csrf": site.pre_csrf()})
    unknown = site.client.post("/login", data={"email": "fremd@x.test", "csrf": site.pre_csrf()})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert [m["To"] for m in site.smtp.messages] == [OWNER_A]


def test_owner_cannot_reach_another_business_by_id(site: Site) -> None:
    csrf = site.sign_in(OWNER_A)
    other = site.ids["Zahnarzt B"]
    secret = site.review("Zahnarzt B", "b1")
    for path in (f"/b/{other}", f"/b/{other}/reviews", f"/b/{other}/reviews.csv",
                 f"/b/{other}/chart.png", f"/r/{secret}", "/ops", "/ops/outbox"):  # fmt: skip
        response = site.client.get(path)
        assert response.status_code == 404, path
        assert "Geheim B" not in response.text
    assert site.client.post(f"/r/{secret}/handled", data={"csrf": csrf}).status_code == 404
    with session_scope(site.engine) as session:
        assert session.get(Review, secret).handled_at is None  # type: ignore[union-attr]


def test_post_without_or_with_a_wrong_csrf_token_changes_nothing(site: Site) -> None:
    site.sign_in(OWNER_A)
    bad = site.review("Bäckerei A", "bad")
    assert site.client.post(f"/r/{bad}/handled", data={}).status_code == 400
    assert site.client.post(f"/r/{bad}/handled", data={"csrf": "guess"}).status_code == 400
    assert site.client.post("/login", data={"email": OWNER_A}).status_code == 400
    with session_scope(site.engine) as session:
        assert session.get(Review, bad).handled_at is None  # type: ignore[union-attr]


def test_session_cookie_is_httponly_samesite_and_secure_behind_https(
    any_engine: Engine, tmp_path: Path
) -> None:
    with SmtpServer() as smtp:
        config = web_config(tmp_path, smtp.port, base_url="https://leumund.example.de")
        seed(any_engine)
        app = create_app(context(config, any_engine, Clock()))
        with TestClient(app, base_url="https://testserver") as client:
            site = Site(client, smtp, any_engine, {}, Clock())
            site.request_link(OWNER_A)
            link = last_link(smtp, OWNER_A)
            assert link.startswith("https://leumund.example.de/login/")
            path = link.split("example.de", 1)[1]
            csrf = client.get(path).text.split('name="csrf" value="')[1].split('"')[0]
            response = client.post(path, data={"csrf": csrf}, follow_redirects=False)
    header = response.headers["set-cookie"].lower()
    assert header.startswith(SESSION_COOKIE)
    assert "httponly" in header and "samesite=lax" in header and "secure" in header


def test_hostile_review_is_inert_on_every_page_with_csp(site: Site) -> None:
    csrf = site.sign_in(OWNER_A)
    business = site.ids["Bäckerei A"]
    hostile = site.review("Bäckerei A", "hostile")
    pages = [f"/b/{business}", f"/b/{business}/reviews", f"/b/{business}/reviews?q=script",
             f"/r/{hostile}"]  # fmt: skip
    for path in pages:
        response = site.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == CSP
        assert "<script" not in response.text.lower()
        assert "javascript:" not in response.text
        assert "onerror=alert" not in response.text.replace("&#34;", "").split("&lt;img")[0]
        assert "\u202e" not in response.text and "\u202c" not in response.text
    assert "&lt;script&gt;" in site.client.get(f"/r/{hostile}").text
    assert "'unsafe-inline'" not in CSP and "script-src" not in CSP  # default-src 'none'
    assert csrf


def test_signin_requests_are_throttled_per_address_and_per_ip(site: Site) -> None:
    codes = [site.request_link(OWNER_A) for _ in range(100)]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
    assert len(site.smtp.messages) == 5
    site.clock.advance(minutes=16)
    others = [site.request_link(f"x{i}@y.test") for i in range(30)]
    assert others[:20] == [200] * 20 and set(others[20:]) == {429}  # 20 per IP


def test_forwarded_for_counts_only_from_a_trusted_proxy(any_engine: Engine, tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        config = web_config(tmp_path, smtp.port)
        config = config.model_copy(
            update={"web": config.web.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})}
        ).bind(tmp_path, {})
        app = create_app(context(config, any_engine, Clock()))
        with TestClient(app, client=("10.1.2.3", 1)) as proxy:
            site = Site(proxy, smtp, any_engine, {}, Clock())
            for i in range(20):
                headers = {"X-Forwarded-For": f"198.51.100.{i}"}
                pre = site.pre_csrf()
                data = {"email": f"a{i}@y.test", "csrf": pre}
                assert proxy.post("/login", data=data, headers=headers).status_code == 200
        with TestClient(app, client=("203.0.113.9", 1)) as direct:
            site = Site(direct, smtp, any_engine, {}, Clock())
            spoofed = []
            for i in range(25):
                headers = {"X-Forwarded-For": f"198.51.100.{i}"}
                data = {"email": f"b{i}@y.test", "csrf": site.pre_csrf()}
                spoofed.append(direct.post("/login", data=data, headers=headers).status_code)
    assert spoofed.count(429) == 5  # spoofed header ignored: one IP, 20 allowed


def test_mark_handled_keeps_who_when_and_note(site: Site) -> None:
    csrf = site.sign_in(OWNER_A)
    bad = site.review("Bäckerei A", "bad")
    data = {"csrf": csrf, "note": "Angerufen, entschuldigt"}
    page = site.client.post(f"/r/{bad}/handled", data=data)
    assert "Erledigt von inhaber@baeckerei.test" in page.text
    with session_scope(site.engine) as session:
        review = session.get(Review, bad)
        assert review is not None
        assert (review.handled_by, review.handled_note) == (OWNER_A, "Angerufen, entschuldigt")
        assert review.handled_at == site.clock.now
    open_list = site.client.get(f"/b/{site.ids['Bäckerei A']}/reviews?handled=no")
    assert f"/r/{bad}" not in open_list.text
    site.client.post(f"/r/{bad}/handled", data={"csrf": csrf, "action": "reopen"})
    with session_scope(site.engine) as session:
        assert session.get(Review, bad).handled_at is None  # type: ignore[union-attr]


def test_filters_search_and_csv_export(site: Site) -> None:
    site.sign_in(OWNER_A)
    business = site.ids["Bäckerei A"]
    good, bad = site.review("Bäckerei A", "good"), site.review("Bäckerei A", "bad")
    low = site.client.get(f"/b/{business}/reviews?stars_max=2").text
    assert f"/r/{bad}" in low and f"/r/{good}" not in low
    found = site.client.get(f"/b/{business}/reviews?q=Wartezeit").text
    assert f"/r/{bad}" in found and f"/r/{good}" in found and "2 Bewertungen" in found
    none = site.client.get(f"/b/{business}/reviews?q=Wartezeit+Brötchen+unfreundliche").text
    assert "Keine Bewertungen gefunden." in none
    export = site.client.get(f"/b/{business}/reviews.csv?stars_max=2")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    hostile, formula = site.review("Bäckerei A", "hostile"), site.review("Bäckerei A", "formula")
    assert {r["id"] for r in rows} == {str(bad), str(hostile), str(formula)}
    by_id = {r["id"]: r for r in rows}
    assert by_id[str(formula)]["title"] == '\'=HYPERLINK("http://evil.test")'
    assert by_id[str(hostile)]["text"] == HOSTILE


def test_one_click_handled_link_from_a_mail_works_once(site: Site) -> None:
    bad = site.review("Bäckerei A", "bad")
    with session_scope(site.engine) as session:
        link = handled_link(session, "http://testserver", bad, OWNER_A, site.clock.now)
    path = link.split("testserver", 1)[1]
    assert "Bewertung als erledigt markieren?" in site.client.get(path).text
    with session_scope(site.engine) as session:
        assert session.get(Review, bad).handled_at is None  # type: ignore[union-attr]
    assert "Erledigt. Danke!" in site.client.post(path).text
    assert site.client.post(path).status_code == 410
    with session_scope(site.engine) as session:
        assert session.get(Review, bad).handled_by == OWNER_A  # type: ignore[union-attr]


def test_operator_sees_every_business_and_the_operator_pages(site: Site) -> None:
    site.sign_in(OPERATOR)
    home = site.client.get("/").text
    assert "Bäckerei A" in home and "Zahnarzt B" in home
    assert site.client.get("/ops").status_code == 200
    assert site.client.get("/ops/outbox").status_code == 200
    assert site.client.get(f"/r/{site.review('Zahnarzt B', 'b1')}").status_code == 200


def test_language_switch_and_health_check(site: Site) -> None:
    assert site.client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    csrf = site.sign_in(OWNER_B)
    business = site.ids["Zahnarzt B"]
    assert "Übersicht" in site.client.get(f"/b/{business}").text
    site.client.post("/lang", data={"csrf": csrf, "lang": "en", "back": f"/b/{business}"})
    assert "Overview" in site.client.get(f"/b/{business}").text
