"""Suspicious bursts in the alert decision, on SQLite and PostgreSQL: one message per burst
and recipient, later reviews join it, a review is never in two messages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from alerts.decide import decide_alerts
from alerts.mail import SmtpMailer
from alerts.payloads import BurstPayload, read_payload
from alerts.policy import AlertPolicy
from alerts.render import Renderer
from alerts.report.data import compute_report
from alerts.report.render import render_report
from alerts.report.weeks import IsoWeek
from alerts.sending import SendPolicy, build, send_due
from alerts.settings import AlertRules, BurstRules, QuietHours
from alerts.templating import make_environment
from storage.db import session_scope
from storage.installation import installation_id
from storage.models import Business, Notification, Review, ReviewBurst, Source
from storage.outbox import mark_sent
from storage.reviews import upsert_reviews
from tests.factories import make_business_and_source, make_review_data
from tests.smtp_server import SmtpServer

BUSINESS = "Bäckerei Beispiel"
OWNERS = ("inhaber@example.test", "filiale@example.test")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 in Berlin, a Monday
RENDERER = Renderer("Leumund <leumund@example.test>")
WORDS = [
    "Brötchen",
    "Kaffee",
    "Kuchen",
    "Torte",
    "Brezel",
    "Service",
    "Preise",
    "Wartezeit",
    "Sauberkeit",
    "Auswahl",
]


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def policies(**rules: Any) -> dict[str, AlertPolicy]:
    return {BUSINESS: AlertPolicy(BUSINESS, AlertRules(**rules), OWNERS)}


def seed(engine: Engine, history_negatives: int = 2) -> int:
    """A source whose first crawl found 20 reviews of the last 80 days, a few negative."""
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, BUSINESS)
        assert source.id is not None
        source_id = source.id
    for i in range(20):
        at = NOW - timedelta(days=80) + timedelta(days=4 * i)
        rating = 1.0 if i < history_negatives else 5.0
        add(engine, source_id, f"h{i}", at, rating=rating)
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        source.first_crawl_at = NOW - timedelta(days=1)
        session.add(source)
    decide_alerts(engine, policies(), NOW - timedelta(days=1))
    assert [r.kind for r in outbox(engine)] == ["backlog_summary"] * 2
    return source_id


def add(engine: Engine, source_id: int, pid: str, at: datetime, **fields: Any) -> int:
    """A review first seen by a crawl at `at`, published an hour before."""
    fields.setdefault("rating", 1.0)
    fields.setdefault("title", "")
    fields.setdefault("text", _text(pid))
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        item = make_review_data(
            platform_id=pid, author=f"Autor {pid}", published_at=at - timedelta(hours=1), **fields
        )
        upsert_reviews(session, source, [item])
        review = session.exec(select(Review).where(Review.platform_id == pid)).one()
        review.first_seen_at = at
        session.add(review)
        assert review.id is not None
        return review.id


def _text(pid: str) -> str:
    """A different complaint for every review, so none looks copied."""
    seed = sum(map(ord, pid))
    picked = [WORDS[(seed * (k + 3)) % len(WORDS)] for k in range(4)]
    return f"{pid}: {picked[0]} mies, {picked[1]} {seed % 97} Minuten, {picked[2]} und {picked[3]}?"


def attack(engine: Engine, source_id: int, count: int = 9, start: int = 0) -> list[int]:
    """`count` one-star reviews seen by the crawls of the last 18 hours."""
    return [
        add(engine, source_id, f"a{start + i}", NOW - timedelta(hours=18) + timedelta(hours=2 * i))
        for i in range(count)
    ]


def outbox(engine: Engine, kind: str | None = None) -> list[Notification]:
    with session_scope(engine) as session:
        rows = session.exec(select(Notification).order_by(col(Notification.id)))
        return [r for r in rows if kind is None or r.kind == kind]


def burst_of(row: Notification) -> BurstPayload:
    payload = read_payload(row.payload)
    assert isinstance(payload, BurstPayload)
    return payload


def mark_all_sent(engine: Engine) -> None:
    with session_scope(engine) as session:
        for row in session.exec(select(Notification)):
            mark_sent(session, row, NOW)


def subject(engine: Engine, row: Notification) -> str:
    with session_scope(engine) as session:
        installation = installation_id(session)
    return str(build(RENDERER, [row], NOW, installation)["Subject"])


def test_nine_negatives_in_a_day_make_one_message_per_recipient(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    summary = decide_alerts(engine, policies(), NOW)
    bursts = outbox(engine, "burst")
    assert [r.recipient for r in bursts] == list(OWNERS)
    assert outbox(engine, "alert") == [] and summary.alerts == 0
    payload = burst_of(bursts[0])
    assert [r.review_id for r in payload.reviews] == ids  # every one, oldest first
    assert (payload.count, payload.earlier, payload.reason, payload.follow_up) == (
        9, 0, "rate", False
    )  # fmt: skip
    assert subject(engine, bursts[0]).startswith(
        f"⚠ Auffällige Häufung: 9 negative Bewertungen in {payload.hours} Stunden"
    )
    assert 18 <= payload.hours <= 24
    with session_scope(engine) as session:
        reviews = [session.get(Review, i) for i in ids]
        assert all(r is not None and r.burst_id and r.alert_checked_version == 1 for r in reviews)
        burst = session.exec(select(ReviewBurst)).one()
        assert (burst.count, burst.reason, burst.notified) == (9, "rate", True)
    # decided again (a restart, a crash after commit): nothing twice
    assert decide_alerts(engine, policies(), NOW).added == 0
    assert len(outbox(engine, "burst")) == 2


def test_a_review_before_the_message_is_sent_joins_it(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    night = QuietHours(start=time(0, 0), end=time(23, 59))  # the message is held
    decide_alerts(engine, policies(quiet_hours=night), NOW)
    later = add(engine, source_id, "late", NOW + timedelta(hours=3))
    decide_alerts(engine, policies(quiet_hours=night), NOW + timedelta(hours=3))
    bursts = outbox(engine, "burst")
    assert len(bursts) == 2 and outbox(engine, "alert") == []
    for row in bursts:
        payload = burst_of(row)
        assert [r.review_id for r in payload.reviews] == [*ids, later]
        assert payload.count == 10 and not payload.follow_up
    with SmtpServer() as smtp:  # the morning: one mail each, with all ten
        mailer = SmtpMailer(host=smtp.host, port=smtp.port, security="none")
        send_due(engine, mailer, RENDERER, NOW + timedelta(days=1), SendPolicy())
        mails = [m for m in smtp.messages if "Häufung" in str(m["Subject"])]
    assert len(smtp.messages) == 4  # and the first crawl's summaries
    assert sorted(str(m["To"]) for m in mails) == sorted(OWNERS)
    assert str(mails[0]["Subject"]).startswith("⚠ Auffällige Häufung: 10 negative Bewertungen")
    body = mails[0].get_body(("plain",))
    assert body is not None and all(f"Autor a{i}" in body.get_content() for i in range(9))
    assert "Autor late" in body.get_content()


def test_a_review_after_the_message_was_sent_comes_as_a_follow_up(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    mark_all_sent(engine)
    later = add(engine, source_id, "late", NOW + timedelta(hours=5))
    decide_alerts(engine, policies(), NOW + timedelta(hours=5))
    decide_alerts(engine, policies(), NOW + timedelta(hours=6))  # again: nothing twice
    follow = [r for r in outbox(engine, "burst") if r.status == "pending"]
    assert [r.recipient for r in follow] == list(OWNERS) and outbox(engine, "alert") == []
    payload = burst_of(follow[0])
    assert [r.review_id for r in payload.reviews] == [later]
    assert (payload.follow_up, payload.count, payload.total) == (True, 1, 10)
    assert subject(engine, follow[0]).startswith(
        "⚠ Auffällige Häufung geht weiter: 1 weitere negative Bewertung"
    )
    sent = burst_of(outbox(engine, "burst")[0])
    assert [r.review_id for r in sent.reviews] == ids  # the sent message was not changed


def test_a_recipient_added_after_the_first_message_is_not_told_it_had_one(
    engine: Engine,
) -> None:
    source_id = seed(engine)
    attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    mark_all_sent(engine)
    add(engine, source_id, "late", NOW + timedelta(hours=5))
    newcomer = "neu@example.test"
    wider = {BUSINESS: AlertPolicy(BUSINESS, AlertRules(), (*OWNERS, newcomer))}
    decide_alerts(engine, wider, NOW + timedelta(hours=5))
    rows = {r.recipient: r for r in outbox(engine, "burst") if r.status == "pending"}
    assert (burst_of(rows[OWNERS[0]]).told, burst_of(rows[newcomer]).told) == (True, False)
    text = plain_text(engine, rows[newcomer])
    assert "über die früheren hat Leumund Sie nicht benachrichtigt" in text
    assert "schon informiert" not in text
    assert "schon informiert" in plain_text(engine, rows[OWNERS[0]])


def plain_text(engine: Engine, row: Notification) -> str:
    with session_scope(engine) as session:
        installation = installation_id(session)
    body = build(RENDERER, [row], NOW, installation).get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def test_a_negative_long_after_the_burst_alerts_on_its_own(engine: Engine) -> None:
    source_id = seed(engine)
    attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    later = add(engine, source_id, "next-week", NOW + timedelta(days=7))
    decide_alerts(engine, policies(), NOW + timedelta(days=7))
    alerts = outbox(engine, "alert")
    assert [r.review_id for r in alerts] == [later, later]


def test_an_old_review_edited_during_a_burst_alerts_on_its_own(engine: Engine) -> None:
    source_id = seed(engine)
    attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    with session_scope(engine) as session:  # h10 (5 stars, a month old) is edited to 1 star
        source = session.get(Source, source_id)
        assert source is not None
        old = session.exec(select(Review).where(Review.platform_id == "h10")).one()
        item = make_review_data(
            platform_id="h10", author=old.author, published_at=old.published_at,
            rating=1.0, rating_raw=1.0, title="", text="Jetzt doch schlecht.",
        )  # fmt: skip
        upsert_reviews(session, source, [item])
        edited = old.id
    decide_alerts(engine, policies(), NOW + timedelta(hours=1))
    assert [r.review_id for r in outbox(engine, "alert")] == [edited, edited]
    assert all(not burst_of(r).follow_up for r in outbox(engine, "burst"))


def test_a_trickle_of_negatives_alerts_each_one(engine: Engine) -> None:
    source_id = seed(engine)
    ids = []
    for day in range(9):
        at = NOW + timedelta(days=2 * day)
        ids.append(add(engine, source_id, f"t{day}", at))
        decide_alerts(engine, policies(), at)
    assert outbox(engine, "burst") == []
    assert sorted({r.review_id for r in outbox(engine, "alert")}) == ids


def test_bursts_can_be_switched_off(engine: Engine) -> None:
    source_id = seed(engine)
    ids = attack(engine, source_id)
    decide_alerts(engine, policies(bursts=BurstRules(enabled=False)), NOW)
    assert outbox(engine, "burst") == []
    assert len(outbox(engine, "alert")) == 2 * len(ids)


def test_near_identical_texts_have_their_own_wording(engine: Engine) -> None:
    source_id = seed(engine, history_negatives=20)  # negatives are common here
    text = "Unfreundliches Personal, nie wieder! Finger weg von diesem Laden."
    for i in range(3):
        add(engine, source_id, f"s{i}", NOW - timedelta(hours=10 - 3 * i), text=text + "!" * i)
    decide_alerts(engine, policies(), NOW)
    bursts = outbox(engine, "burst")
    assert len(bursts) == 2 and burst_of(bursts[0]).reason == "similar"
    assert "3 fast gleichlautende negative Bewertungen" in subject(engine, bursts[0])


def test_earlier_alerted_members_are_counted_not_listed_again(engine: Engine) -> None:
    source_id = seed(engine)
    first = attack(engine, source_id, count=3)
    decide_alerts(engine, policies(), NOW - timedelta(hours=12))  # 3: no burst yet
    assert {r.review_id for r in outbox(engine, "alert")} == set(first)
    rest = attack(engine, source_id, count=6, start=3)
    decide_alerts(engine, policies(), NOW)
    payload = burst_of(outbox(engine, "burst")[0])
    assert [r.review_id for r in payload.reviews] == rest
    assert (payload.count, payload.earlier) == (9, 3)
    assert "Schon in einer früheren Nachricht" in subject_and_text(engine)


def subject_and_text(engine: Engine) -> str:
    row = outbox(engine, "burst")[0]
    with session_scope(engine) as session:
        installation = installation_id(session)
    message = build(RENDERER, [row], NOW, installation)
    body = message.get_body(("plain",))
    assert body is not None
    return str(message["Subject"]) + "\n" + body.get_content()


def test_the_report_marks_the_burst_week(engine: Engine) -> None:
    source_id = seed(engine)
    attack(engine, source_id)
    decide_alerts(engine, policies(), NOW)
    with session_scope(engine) as session:
        business = session.exec(select(Business)).one()
        week = IsoWeek.of(NOW.date())  # the attack began on Sunday of the week before
        report = compute_report(session, business, week)
    assert report.burst_weeks == (week.shifted(-1),)
    rendered = render_report(make_environment(), report)
    assert "Woche mit auffälliger Häufung negativer Bewertungen: KW 47/2026" in rendered.text
    assert "Woche mit auffälliger Häufung" in rendered.html
