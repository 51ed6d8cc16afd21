"""Typed outbox payloads: validated when read, rendered when sent; rows of 0.x still go out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.message import build_message, to_text
from alerts.payloads import AlertPayload, read_payload
from alerts.sending import send_due
from alerts.settings import QuietHours
from storage.db import session_scope
from storage.models import Notification
from tests.factories import make_business_and_source
from tests.smtp_server import SmtpServer
from tests.test_alerts_decide import BUSINESS, NOW, OWNER, RENDERER, add_review, outbox, policy
from tests.test_alerts_delivery import POLICY, mailer, parts

NIGHT = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
MORNING = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
OLD_ID = "<alert.3f9a0c1d2e4b5a69788796a5b4c3d2e1@example.test>"


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def old_alert(review_id: int, text: str, published: str, **extra: Any) -> dict[str, Any]:
    """An alert payload exactly as 0.x wrote it (alerts/render.py `alert_payload`)."""
    return {
        "business": BUSINESS, "language": "de", "timezone": "Europe/Berlin",
        "review_id": review_id, "version": 1, "platform": "trustpilot", "source": "tp",
        "author": "Erika Alt", "rating": 1.0, "title": "", "text": text, "truncated": False,
        "published_at": published, "url": "https://example.test/r/old",
        "rules": [{"rule": "stars", "threshold": 2.0, "value": 1.0}],
        "sentiment": None, "negative_probability": None,
    } | extra  # fmt: skip


def old_message(subject: str, body: str, msgid: str = OLD_ID) -> str:
    """An email rendered when decided and kept in `message`, as 0.x did for every kind."""
    message = build_message(
        subject=subject, sender=RENDERER.sender, recipient=OWNER, text=body,
        html=f"<p>{body}</p>", msgid=msgid, now=NIGHT, lang="de",
    )  # fmt: skip
    return to_text(message)


def insert(engine: Engine, **fields: Any) -> None:
    with session_scope(engine) as session:
        fields = {"created_at": NIGHT, "send_after": MORNING, "recipient": OWNER} | fields
        session.add(Notification(**fields))


def business_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        business, _ = make_business_and_source(session, BUSINESS)
        assert business.id is not None
        return business.id


def sent_at(message: EmailMessage) -> datetime:
    return parsedate_to_datetime(str(message["Date"]))


def test_rows_in_the_format_before_typed_payloads_still_go_out(engine: Engine) -> None:
    bid = business_id(engine)
    quiet = {"start": "22:00", "end": "07:00"}
    insert(engine, kind="alert", dedup_key=f"alert:1:{OWNER}", business_id=bid,
           payload=old_alert(1, "Altes Brot.", "2026-11-20T09:30:00+00:00", quiet_hours=quiet),
           message=old_message("⚠ Alt: Sofort-Alarm", "Altes Brot."))  # fmt: skip
    for i, day in ((3, 22), (2, 21)):  # stored newest first: the digest sorts by date
        payload = old_alert(i, f"Ärger am {day}.", f"2026-11-{day}T08:00:00+00:00")
        insert(engine, kind="alert", dedup_key=f"alert:{i}:{OWNER}", business_id=bid,
               digest=True, payload=payload)  # fmt: skip
    report = old_message("Wochenbericht alt", "Bericht.", "<report.1@example.test>")
    insert(engine, kind="report", dedup_key=f"report:{bid}:2026-W47:{OWNER}", business_id=bid,
           payload={"week": "2026-W47"}, message=report)  # fmt: skip
    broken = old_message("Quelle kaputt", "Kaputt.", "<source_broken.1@example.test>")
    status = {"since": "2026-11-20T05:00:00+00:00", "failures": 3}
    insert(engine, kind="source_broken", dedup_key=f"source_broken:1:x:{OWNER}",
           payload=status, message=broken)  # fmt: skip
    with SmtpServer() as server:
        assert send_due(engine, mailer(server), RENDERER, NIGHT, POLICY).emails == 0
        result = send_due(engine, mailer(server), RENDERER, MORNING, POLICY)
        assert (result.emails, result.sent, result.failed) == (4, 5, 0)
        messages = {str(m["Subject"]): m for m in server.messages}
    assert {r.status for r in outbox(engine)} == {"sent"}
    instant = messages["⚠ Alt: Sofort-Alarm"]
    assert instant["Message-ID"] == OLD_ID  # a re-send stays recognisable
    assert all(sent_at(m) == MORNING for m in messages.values())  # dated when sent
    digest = messages[f"⚠ 2 neue kritische Bewertungen – {BUSINESS}"]
    plain, html = parts(digest)
    for text in (plain, html):
        assert text.index("Ärger am 21.") < text.index("Ärger am 22.")
        assert "Erika Alt" in text and "Nur 1 Stern" in text
    assert parts(messages["Wochenbericht alt"])[0].strip() == "Bericht."


def test_an_old_row_retried_keeps_its_quiet_hours(engine: Engine) -> None:
    evening = datetime(2026, 11, 23, 20, 59, tzinfo=UTC)  # 21:59 in Berlin
    quiet = {"start": "22:00", "end": "07:00"}
    insert(engine, kind="alert", dedup_key=f"alert:1:{OWNER}", send_after=evening,
           payload=old_alert(1, "Spät.", "2026-11-20T09:30:00+00:00", quiet_hours=quiet),
           message=old_message("Spät", "Spät."))  # fmt: skip
    with SmtpServer(refuse_first=1, refuse_code=554) as server:
        assert send_due(engine, mailer(server), RENDERER, evening, POLICY).retrying == 1
        [row] = outbox(engine)
        assert row.next_attempt_at == MORNING
        assert send_due(engine, mailer(server), RENDERER, MORNING, POLICY).sent == 1


def test_a_held_alert_is_rendered_and_dated_when_it_is_sent(engine: Engine) -> None:
    with session_scope(engine) as session:
        _, source = make_business_and_source(session, BUSINESS)
        source.first_crawl_at = NOW - timedelta(days=30)
        assert source.id is not None
        source_id = source.id
    add_review(engine, source_id, rating=1.0, text="Nachts geschrieben.")
    decide_alerts(engine, policy(quiet_hours=QuietHours()), NIGHT)
    [row] = outbox(engine)
    assert row.message is None and isinstance(read_payload(row.payload), AlertPayload)
    with SmtpServer() as server:
        assert send_due(engine, mailer(server), RENDERER, MORNING, POLICY).emails == 1
        [message] = server.messages
    assert message["Date"] == format_datetime(MORNING)
    assert "Nachts geschrieben." in parts(message)[0]


def test_a_payload_is_validated_when_read(engine: Engine) -> None:
    bid = business_id(engine)
    good = old_alert(1, "x", "2026-11-20T09:30:00+00:00")
    typed = AlertPayload.model_validate(
        {"business": BUSINESS, "review": {"platform": "trustpilot", "source": "tp", "rating": 1.0}}
    ).model_dump(mode="json")
    assert read_payload(typed) == AlertPayload.model_validate(typed)  # JSON round trip
    broken = {
        "future": typed | {"version": 3},
        "rating": typed | {"review": typed["review"] | {"rating": "viele"}},
        "extra": typed | {"surprise": 1},
    }
    for name, payload in broken.items():
        insert(engine, kind="alert", dedup_key=f"bad:{name}", business_id=bid, payload=payload,
               send_after=NOW)  # fmt: skip
    insert(engine, kind="alert", dedup_key="old:good", business_id=bid, payload=good,
           message=old_message("Gut", "Gut."), send_after=NOW)  # fmt: skip
    with SmtpServer() as server:
        result = send_due(engine, mailer(server), RENDERER, NOW, POLICY)
        assert (result.emails, result.failed) == (1, 3)
    errors = {r.dedup_key: r.last_error or "" for r in outbox(engine) if r.status == "failed"}
    assert set(errors) == {f"bad:{name}" for name in broken}
    assert all(e.startswith("cannot render: ") for e in errors.values())
    assert "version" in errors["bad:future"] and "rating" in errors["bad:rating"]
