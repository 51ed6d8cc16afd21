"""Mails that lead into the dashboard (`web.base_url`): review links, one-click "Erledigt",
List-Unsubscribe that pauses alerts, switching them on again — through a real SMTP server,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from alerts.payloads import ReportPayload, stored
from alerts.report.data import compute_report
from alerts.report.weeks import IsoWeek
from leumund.jobs.alerts import send_due
from storage.db import session_scope
from storage.models import AlertPause, Business, Notification, Review, WebToken
from storage.web_auth import token_hash
from tests.mail_site import (
    BASE,
    FILIALE,
    MailSite,
    add_review,
    add_source,
    done_links,
    mail_site,
    path_of,
    plain_and_html,
)
from tests.web_support import NOW, OPERATOR, OWNER_A, OWNER_B


@pytest.fixture
def site(any_engine: Engine, tmp_path: Path) -> Iterator[MailSite]:
    with mail_site(any_engine, tmp_path) as made:
        yield made


def _handled_by(site: MailSite, review_id: int) -> str | None:
    with session_scope(site.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        return review.handled_by


def _bad_review(site: MailSite, pid: str = "bad", business: str = "Bäckerei A") -> int:
    source = add_source(site.engine, business)
    return add_review(site.engine, source, pid, 1.0, "Lange Wartezeit, unfreundlich.")


def test_alert_mail_links_to_the_dashboard_and_its_done_link_works_once(site: MailSite) -> None:
    review = _bad_review(site)
    assert site.alert_round() == 2  # the owner and the branch
    [mail] = site.alerts_to(OWNER_A)
    plain, html = plain_and_html(mail)
    for text in (plain, html):
        assert f"{BASE}/r/{review}" in text
        assert "https://x.test/reviews/bad" in text  # the platform's link stays
    [done] = done_links(mail)
    assert done in html and "Als erledigt markieren" in html
    confirm = site.client.get(path_of(done))
    assert confirm.status_code == 200 and "Bewertung als erledigt markieren?" in confirm.text
    assert _handled_by(site, review) is None  # a GET (a mail scanner) changes nothing
    assert "Erledigt. Danke!" in site.client.post(path_of(done)).text
    assert _handled_by(site, review) == OWNER_A
    assert site.client.post(path_of(done)).status_code == 410  # works once
    with session_scope(site.engine) as session:
        stored = session.exec(select(WebToken)).all()
    assert done.rsplit("/", 1)[1] not in {t.token_hash for t in stored}  # only hashes kept
    assert token_hash(done.rsplit("/", 1)[1]) in {t.token_hash for t in stored}


def test_an_expired_done_link_is_refused(site: MailSite) -> None:
    review = _bad_review(site)
    site.alert_round()
    [done] = done_links(site.alerts_to(FILIALE)[0])
    site.clock.advance(days=15)
    assert site.client.get(path_of(done)).status_code == 410
    assert site.client.post(path_of(done)).status_code == 410
    assert _handled_by(site, review) is None


def test_retries_of_a_refused_mail_leave_no_tokens(any_engine: Engine, tmp_path: Path) -> None:
    with mail_site(any_engine, tmp_path) as site:
        _bad_review(site)
        site.smtp.handler.refuse_first = 6  # "451 try again later", three rounds long
        for _ in range(3):
            assert site.alert_round() == 0
            site.clock.advance(hours=2)
        assert site.tokens() == 0
        assert site.alert_round() == 2
        assert site.tokens() == 4  # per mail: one "Erledigt" and one pause link
        site.clock.advance(days=1)
        assert site.alert_round() == 0 and site.tokens() == 4


def test_list_unsubscribe_one_click_post_pauses_that_recipient_only(site: MailSite) -> None:
    _bad_review(site)
    site.alert_round()
    [mail] = site.alerts_to(OWNER_A)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(mail["List-Unsubscribe"])
    assert unsubscribe.startswith(f"<{BASE}/pause/") and unsubscribe.endswith(">")
    raw = next(r.raw for r in site.smtp.received if r.rcpt_tos == [OWNER_A])
    assert f"\r\nList-Unsubscribe: {unsubscribe}\r\n".encode() in raw  # one line, no =?utf-8?
    link = path_of(unsubscribe.strip("<>"))
    assert link in plain_and_html(mail)[0]  # also readable in the footer
    page = site.client.get(link)
    assert page.status_code == 200 and "Benachrichtigungen pausieren" in page.text
    assert not _paused(site)  # the GET only asks
    # RFC 8058: the mail program POSTs this body, without cookies or CSRF token
    answer = site.client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "Benachrichtigungen pausiert" in answer.text
    assert _paused(site) == [("Bäckerei A", OWNER_A, "mail")]
    assert site.client.post(link).status_code == 200  # a retry of the POST: still paused
    assert site.client.post(link.replace("/pause/", "/pause/x")).status_code == 410
    [done] = done_links(mail)
    assert site.client.post(path_of(done).replace("/done/", "/pause/")).status_code == 410
    later = _bad_review(site, "later")
    site.alert_round()
    with session_scope(site.engine) as session:
        rows = session.exec(select(Notification).where(Notification.review_id == later)).all()
    assert [r.recipient for r in rows] == [FILIALE]  # the other recipient still hears of it
    assert len(site.alerts_to(OWNER_A)) == 1 and len(site.alerts_to(FILIALE)) == 2


def _paused(site: MailSite) -> list[tuple[str, str, str]]:
    with session_scope(site.engine) as session:
        rows = session.exec(select(AlertPause)).all()
        names = {b.id: b.name for b in session.exec(select(Business)).all()}
        return [(names[p.business_id], p.recipient, p.paused_via) for p in rows]


def test_an_unsubscribe_link_expires_after_60_days(site: MailSite) -> None:
    _bad_review(site)
    site.alert_round()
    link = path_of(str(site.alerts_to(OWNER_A)[0]["List-Unsubscribe"]).strip("<>"))
    site.clock.advance(days=61)
    assert site.client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 410
    assert not _paused(site)


def test_pausing_withdraws_queued_digest_rows(any_engine: Engine, tmp_path: Path) -> None:
    with mail_site(any_engine, tmp_path) as site:
        _bad_review(site)
        site.alert_round()
        link = path_of(str(site.alerts_to(OWNER_A)[0]["List-Unsubscribe"]).strip("<>"))
        with session_scope(site.engine) as session:  # a digest row waiting for tonight
            pending = Notification(
                kind="alert", dedup_key="alert:x:" + OWNER_A, recipient=OWNER_A,
                business_id=site.ids_business("Bäckerei A"), payload={}, digest=True,
                created_at=site.clock(), send_after=site.clock() + timedelta(hours=6),
            )  # fmt: skip
            session.add(pending)
        site.client.post(link, data={"List-Unsubscribe": "One-Click"})
        with session_scope(site.engine) as session:
            keys = {n.dedup_key for n in session.exec(select(Notification)).all()}
        assert "alert:x:" + OWNER_A not in keys


def test_owner_switches_alerts_on_again_on_the_overview(site: MailSite) -> None:
    _bad_review(site)
    site.alert_round()
    link = path_of(str(site.alerts_to(OWNER_A)[0]["List-Unsubscribe"]).strip("<>"))
    site.client.post(link, data={"List-Unsubscribe": "One-Click"})
    business = site.ids_business("Bäckerei A")
    csrf_b = site.sign_in(OWNER_B)
    data = {"csrf": csrf_b, "email": OWNER_A}
    assert site.client.post(f"/b/{business}/resume", data=data).status_code == 404
    csrf_f = site.sign_in(FILIALE)  # sees the business, but the pause is not theirs
    overview = site.client.get(f"/b/{business}").text
    assert "Pausierte Benachrichtigungen" in overview and "wieder einschalten" not in overview
    data = {"csrf": csrf_f, "email": OWNER_A}
    assert site.client.post(f"/b/{business}/resume", data=data).status_code == 404
    csrf = site.sign_in(OWNER_A)
    overview = site.client.get(f"/b/{business}").text
    assert "Benachrichtigungen wieder einschalten" in overview and OWNER_A in overview
    assert site.client.post(f"/b/{business}/resume", data={"email": OWNER_A}).status_code == 400
    assert _paused(site)
    done = site.client.post(f"/b/{business}/resume", data={"csrf": csrf, "email": OWNER_A})
    assert done.status_code == 200 and "Pausierte Benachrichtigungen" not in done.text
    assert not _paused(site)
    _bad_review(site, "again")
    site.alert_round()
    assert len(site.alerts_to(OWNER_A)) == 2


def _classify(site: MailSite, review_id: int, label: str, negative: float) -> None:
    with session_scope(site.engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        review.sentiment_label, review.sentiment_probs = label, {"negative": negative}
        session.add(review)


def test_review_list_filters_by_the_alert_rule_that_fired(site: MailSite) -> None:
    source = add_source(site.engine, "Bäckerei A")
    stars = add_review(site.engine, source, "stars", 1.0, "Nie wieder.")
    keyword = add_review(site.engine, source, "kw", 3.0, "Die Hygiene ist mangelhaft.")
    text = add_review(site.engine, source, "text", 5.0, "Furchtbar, kalt und teuer.")
    quiet = add_review(site.engine, source, "quiet", 5.0, "Alles bestens.")
    for review in (stars, keyword, quiet):
        _classify(site, review, "neutral", 0.1)
    _classify(site, text, "negative", 0.95)
    site.alert_round()
    site.sign_in(OWNER_A)
    business = site.ids_business("Bäckerei A")
    shown = {}
    for rule in ("stars", "negative", "keyword", "nonsense"):
        page = site.client.get(f"/b/{business}/reviews?rule={rule}").text
        shown[rule] = {r for r in (stars, keyword, text, quiet) if f'href="/r/{r}"' in page}
    assert shown == {
        "stars": {stars},
        "negative": {text},
        "keyword": {keyword},
        "nonsense": {stars, keyword, text, quiet},  # an unknown rule filters nothing
    }
    export = site.client.get(f"/b/{business}/reviews.csv?rule=keyword").text
    assert f"\n{keyword}," in export and f"\n{stars}," not in export


def test_overview_hides_the_chart_of_a_business_without_reviews(site: MailSite) -> None:
    _bad_review(site)
    add_source(site.engine, "Zahnarzt B")
    site.sign_in(OPERATOR)
    with_reviews, empty = site.ids_business("Bäckerei A"), site.ids_business("Zahnarzt B")
    assert f"/b/{with_reviews}/chart.png" in site.client.get(f"/b/{with_reviews}").text
    png = site.client.get(f"/b/{with_reviews}/chart.png")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert "chart.png" not in site.client.get(f"/b/{empty}").text
    assert site.client.get(f"/b/{empty}/chart.png").status_code == 404


def test_weekly_report_links_each_review_to_the_dashboard_without_signed_links(
    site: MailSite,
) -> None:
    review = _bad_review(site)
    with session_scope(site.engine) as session:
        business = session.get(Business, site.ids_business("Bäckerei A"))
        assert business is not None
        report = compute_report(session, business, IsoWeek.of(NOW.date()))
        session.add(Notification(
            kind="report", dedup_key=f"report:{business.id}:w:{OWNER_A}", recipient=OWNER_A,
            business_id=business.id, payload=stored(ReportPayload(report=report)),
            created_at=NOW, send_after=NOW,
        ))  # fmt: skip
    assert send_due(site.parts, site.clock()).emails == 1
    [mail] = [m for m in site.smtp.messages if "Wochenbericht" in str(m["Subject"])]
    plain, html = plain_and_html(mail)
    assert f"{BASE}/r/{review}" in plain and f"{BASE}/r/{review}" in html
    assert "https://x.test/reviews/bad" in plain  # the platform's link stays
    assert mail["List-Unsubscribe"] is None and "/done/" not in plain  # reports still go
    assert site.tokens() == 0
