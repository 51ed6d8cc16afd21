"""Replying through the Google Business Profile API, against the local fake (google_fake.py).

The shapes, as Google documents accounts.locations.reviews.updateReply
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/updateReply):

Request:  PUT https://mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/reviews/{r}/reply
          Authorization: Bearer <access token from the refresh-token grant, scope business.manage>
          Content-Type: application/json
          body: a ReviewReply with only the comment (plain text, at most 4096 bytes)
                {"comment": "Guten Tag, …"}
Response: 200, the ReviewReply as stored, `updateTime` RFC 3339 UTC (output only)
                {"comment": "Guten Tag, …", "updateTime": "2026-12-04T15:30:00.123456Z"}
          errors as Google's error JSON, e.g.
                {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "…"}}
A second PUT replaces the reply; the reply then appears in reviews.list as `reviewReply`.
"""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.replies import DraftRequest, answer_url, draft_reply
from crawler.reply import (
    GoogleAccess,
    ReplyError,
    check_reply_text,
    post_google_reply,
)
from leumund.cli import main
from storage.db import init_schema, make_engine
from storage.models import OwnerReply, Review
from storage.registry import BusinessSpec, SourceSpec, get_source, sync_businesses
from storage.replies import owner_replies, record_owner_reply
from storage.reviews import upsert_reviews
from tests.factories import make_review_data
from tests.google_fake import (
    ACCESS_TOKEN,
    CREDENTIALS,
    LOCATION,
    REPLY_TIME,
    GoogleFake,
    gbp_review,
    google_error,
)
from tests.httpserver import LocalServer

DOCUMENTED_REQUEST = {"comment": "Guten Tag,\n\nvielen Dank für Ihre Rückmeldung."}
DOCUMENTED_RESPONSE = {**DOCUMENTED_REQUEST, "updateTime": REPLY_TIME}


def one_page() -> dict[str, dict[str, Any]]:
    return {"": {"reviews": [gbp_review(1, "ONE"), gbp_review(2, "FIVE", reply=True)]}}


def access(server: LocalServer, **changes: str) -> GoogleAccess:
    creds = {**CREDENTIALS, **changes}
    base = server.base_url
    return GoogleAccess(
        creds["client_id"], creds["client_secret"], creds["refresh_token"], base, f"{base}/token"
    )


def test_reply_request_and_response_have_the_documented_shapes(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        fake = GoogleFake(server, one_page())
        posted = post_google_reply(
            access(server), f"{LOCATION}/reviews/rev1", DOCUMENTED_REQUEST["comment"]
        )
    [hit] = fake.reply_hits
    assert (hit.method, hit.path) == ("PUT", f"/v4/{LOCATION}/reviews/rev1/reply")
    assert hit.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert hit.headers["content-type"] == "application/json"
    assert json.loads(hit.body) == DOCUMENTED_REQUEST
    assert posted.comment == DOCUMENTED_RESPONSE["comment"]
    assert posted.updated_at == datetime(2026, 12, 4, 15, 30, 0, 123456, tzinfo=UTC)
    assert fake.pages[""]["reviews"][0]["reviewReply"] == DOCUMENTED_RESPONSE


def test_reply_errors_are_one_line(tmp_path: Path) -> None:
    name = f"{LOCATION}/reviews/rev1"
    with LocalServer(tmp_path) as server:
        fake = GoogleFake(server, one_page())
        with pytest.raises(ReplyError) as bad_grant:
            post_google_reply(access(server, refresh_token="old"), name, "Danke")
        fake.fail_replies_with = google_error(
            403, "PERMISSION_DENIED", "The caller does not have permission"
        )
        with pytest.raises(ReplyError) as denied:
            post_google_reply(access(server), name, "Danke")
        base = server.base_url
    assert str(bad_grant.value) == f"HTTP 400 from {base}/token: invalid_grant Bad Request"
    assert str(denied.value) == (
        f"HTTP 403 from {base}/v4/{name}/reply: PERMISSION_DENIED The caller does not have"
        " permission"
    )
    assert len(fake.reply_hits) == 1  # the bad grant never reached the reply endpoint


def test_an_unreachable_api_is_one_line(tmp_path: Path) -> None:
    with LocalServer(tmp_path) as server:
        gone = access(server)
    with pytest.raises(ReplyError, match=r"^http://127\.0\.0\.1:\d+/token unreachable: "):
        post_google_reply(gone, f"{LOCATION}/reviews/rev1", "Danke")


def test_reply_text_is_checked_before_any_request() -> None:
    with pytest.raises(ReplyError, match="empty"):
        check_reply_text(" \n ")
    with pytest.raises(ReplyError, match="4098 bytes long; Google accepts at most 4096"):
        check_reply_text("ä" * 2049)
    assert check_reply_text("  Danke!\n") == "Danke!"


def test_answer_url_per_platform() -> None:
    assert (
        answer_url("trustpilot", "64f0c0ffee", "https://de.trustpilot.com/reviews/64f0c0ffee", "")
        == "https://businessapp.b2b.trustpilot.com/reviews/64f0c0ffee"
    )
    assert answer_url("google_places", "x", None, "") == "https://business.google.com/reviews"
    assert answer_url("schema_org", "k", None, "https://shop.test/b") == "https://shop.test/b"
    assert answer_url("trustedshops", "k", "https://ts.test/r/1", "https://ts.test") == (
        "https://ts.test/r/1"
    )


def _register(session: Session, business: str, source: SourceSpec) -> None:
    sync_businesses(session, [BusinessSpec(business, "Europe/Berlin", "de", (source,))])


def test_recording_a_reply_answers_the_review(any_engine: Engine) -> None:
    at = datetime(2026, 12, 4, 15, tzinfo=UTC)
    with Session(any_engine) as session:
        _register(session, "B", SourceSpec("g", "google_business_profile", "", True))
        source = get_source(session, "B", "g")
        assert source is not None
        upsert_reviews(session, source, [make_review_data(platform_id="rev1", rating=1.0)])
        review = session.exec(select(Review)).one()
        record_owner_reply(session, review, "Danke", "anna", "google_business_profile", at)
        session.commit()
        assert review.id is not None
        [reply] = owner_replies(session, review.id)
        assert (reply.text, reply.replied_by, reply.replied_at) == ("Danke", "anna", at)
        assert (review.reply_text, review.reply_at) == ("Danke", at)


def _config(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
storage: {{url: "sqlite:///leumund.db"}}
businesses:
  - name: Praxis Dr. Muster
    language: en
    kind: praxis
    contact: "Tel. 089 7654321"
    owner_emails: [praxis@example.test]
    sources:
      - name: google
        type: google_business_profile
        url: {base}
        location: {LOCATION}
        client_id_env: T_GBP_ID
        client_secret_env: T_GBP_SECRET
        refresh_token_env: T_GBP_TOKEN
      - name: tp
        type: trustpilot
        url: {base}/review/praxis.test
        enabled: false
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def gbp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_GBP_ID", CREDENTIALS["client_id"])
    monkeypatch.setenv("T_GBP_SECRET", CREDENTIALS["client_secret"])
    monkeypatch.setenv("T_GBP_TOKEN", CREDENTIALS["refresh_token"])


def _reviews(tmp_path: Path) -> dict[str, Review]:
    engine = make_engine(f"sqlite:///{tmp_path / 'leumund.db'}")
    with Session(engine) as session:
        found = {r.platform_id: r for r in session.exec(select(Review))}
    engine.dispose()
    return found


def _alert_mail(tmp_path: Path) -> EmailMessage:
    """The one alert among the mails written (the first crawl's backlog summary is another)."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=default)
        for path in (tmp_path / "mail").glob("*.eml")
    ]
    [alert] = [m for m in messages if str(m["Subject"]).startswith("⚠ New 1")]
    assert isinstance(alert, EmailMessage)
    return alert


@pytest.mark.usefixtures("gbp_env")
def test_one_star_review_to_alert_with_draft_to_reply_to_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new 1-star review → alert with a draft → reply posted → answered, also on re-crawl."""
    with LocalServer(tmp_path) as server:
        fake = GoogleFake(server, {"": {"reviews": [gbp_review(2, "FIVE", reply=True)]}})
        config = str(_config(tmp_path, server.base_url))
        assert main(["crawl", "--config", config]) == 0  # the first crawl: backlog
        fake.publish({**gbp_review(1, "ONE"), "comment": "Nach der Wurzelbehandlung Schmerzen."})
        assert main(["crawl", "--config", config]) == 0
        assert main(["alerts", "decide", "--config", config]) == 0
        assert main(["alerts", "send", "--config", config]) == 0
        review_id = _reviews(tmp_path)["rev1"].id
        alert = _alert_mail(tmp_path)
        plain = alert.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
        draft = plain.split("Suggested reply\n", 1)[1].split("\n\n", 1)[1]
        draft = draft.split(f"\n\nLeumund review id: {review_id}\n\n-- \n", 1)[0] + "\n"
        text = tmp_path / "antwort.txt"
        text.write_text(draft, encoding="utf-8")
        args = ["reply", "--config", config, "--review", str(review_id), "--text-file"]
        assert main([*args, str(text), "--by", "Dr. Muster"]) == 0
        out = capsys.readouterr().out
        assert main(["crawl", "--config", config]) == 0
    assert draft == draft_for_test()
    assert "Kunde 1" not in draft and "Wurzelbehandlung" not in draft
    assert "Nach der Wurzelbehandlung Schmerzen." in plain  # the review itself is in the alert
    assert "Reply now: https://business.google.com/reviews" in plain
    assert out.endswith(
        f"reply: posted to {LOCATION}/reviews/rev1; review {review_id} is answered"
        " (by Dr. Muster)\n"
    )
    assert json.loads(fake.reply_hits[0].body) == {"comment": draft.strip()}
    review = _reviews(tmp_path)["rev1"]
    assert review.reply_text == draft.strip()
    assert review.reply_at == datetime(2026, 12, 4, 15, 30, 0, 123456, tzinfo=UTC)
    engine = make_engine(f"sqlite:///{tmp_path / 'leumund.db'}")
    with Session(engine) as session:
        [row] = session.exec(select(OwnerReply)).all()
    engine.dispose()
    assert (row.review_id, row.replied_by, row.via) == (
        review_id,
        "Dr. Muster",
        "google_business_profile",
    )


def draft_for_test() -> str:
    return draft_reply(DraftRequest("Praxis Dr. Muster", "praxis", "Tel. 089 7654321", "en"))


@pytest.mark.usefixtures("gbp_env")
def test_reply_draft_command_prints_the_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalServer(tmp_path) as server:
        GoogleFake(server, one_page())
        config = str(_config(tmp_path, server.base_url))
        assert main(["crawl", "--config", config]) == 0
    review_id = _reviews(tmp_path)["rev1"].id
    capsys.readouterr()
    assert main(["reply", "--config", config, "--review", str(review_id), "--draft"]) == 0
    assert capsys.readouterr().out == draft_for_test()


@pytest.mark.usefixtures("gbp_env")
def test_reply_command_refuses_other_platforms_with_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "https://api.example.test")
    engine = make_engine(f"sqlite:///{tmp_path / 'leumund.db'}")
    init_schema(engine)
    with Session(engine) as session:
        _register(session, "Praxis Dr. Muster", SourceSpec("tp", "trustpilot", "https://x", False))
        source = get_source(session, "Praxis Dr. Muster", "tp")
        assert source is not None
        upsert_reviews(session, source, [make_review_data(platform_id="64f0", rating=1.0)])
        session.commit()
        review_id = session.exec(select(Review)).one().id
    engine.dispose()
    text = tmp_path / "antwort.txt"
    text.write_text("Danke", encoding="utf-8")
    args = ["reply", "--config", str(config), "--review", str(review_id), "--text-file", str(text)]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f"leumund: review {review_id} is on trustpilot, where Leumund cannot post; answer it"
        " at https://businessapp.b2b.trustpilot.com/reviews/64f0\n"
    )
    assert main([*args[:4], "999", *args[5:]]) == 2
    assert capsys.readouterr().err == "leumund: review 999 not found (the id is shown in alerts)\n"
