"""Keyword mentions in good reviews, one rule for "critical", and mood lines that add up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.decide import decide_alerts
from alerts.i18n import rule_percents, wording
from alerts.payloads import ReviewSnapshot
from alerts.render import mood_line
from alerts.report.data import compute_report
from alerts.report.weeks import IsoWeek
from alerts.rules import RuleHit
from alerts.sending import build
from storage.models import Business
from tests.test_alerts_decide import (
    BUSINESS,
    NOW,
    RENDERER,
    add_review,
    alert_of,
    classify,
    outbox,
    policy,
    rendered,
    seed,
)
from tests.test_alerts_delivery import parts
from tests.test_alerts_render import _alert, envelope

PRAISE = "Hygiene wird hier großgeschrieben, alles blitzsauber. Klare Empfehlung!"
RED = ("#d1242f", "#a40e26")  # the critical stars, quote bar and rule chip


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    return any_engine


def test_keyword_in_praise_is_a_mention_sent_once(engine: Engine) -> None:
    source = seed(engine)
    review = add_review(engine, source, platform_id="p", rating=5.0, text=PRAISE)
    assert decide_alerts(engine, policy(), NOW).alerts == 0  # waits for the text's mood
    classify(engine, review, "positive", 0.02)
    assert decide_alerts(engine, policy(), NOW).alerts == 1
    decide_alerts(engine, policy(), NOW)
    [row] = outbox(engine)
    assert row.dedup_key.startswith(f"mention:{review}:") and alert_of(row).mention
    message = rendered(engine, row)
    subject = f"Erwähnt: „Hygiene“ in einer 5-Sterne-Bewertung auf Trustpilot – {BUSINESS}"
    assert message["Subject"] == subject
    plain, html = parts(message)
    for text in (plain, html):
        assert "Erwähnt: „Hygiene“" in text
        assert "die „Hygiene“ erwähnt. Sie liest sich gut" in text
        assert "⚠" not in text and "kritisch" not in text
        assert "Stichwort „Hygiene“ im Text" in text
    assert not any(red in html for red in RED)
    assert "#0969da" in html and "#ddf4ff" in html  # its own colour


@pytest.mark.parametrize(
    ("rating", "label", "negative"),
    [(2.0, "positive", 0.05), (5.0, "negative", 0.6), (3.0, "neutral", 0.2)],
)
def test_keyword_with_bad_stars_or_negative_text_stays_an_alert(
    engine: Engine, rating: float, label: str, negative: float
) -> None:
    source = seed(engine)
    review = add_review(engine, source, platform_id="p", rating=rating, text=PRAISE)
    classify(engine, review, label, negative)
    decide_alerts(engine, policy(), NOW)
    [row] = outbox(engine)
    assert row.dedup_key.startswith(f"alert:{review}:") and not alert_of(row).mention
    assert str(rendered(engine, row)["Subject"]).startswith("⚠ Neue ")


def test_a_mention_that_turns_critical_still_alerts(engine: Engine) -> None:
    source = seed(engine)
    review = add_review(engine, source, platform_id="p", rating=5.0, text=PRAISE)
    classify(engine, review, "positive", 0.02)
    decide_alerts(engine, policy(), NOW)
    add_review(engine, source, platform_id="p", rating=1.0, text=PRAISE + " Leider nicht mehr.")
    classify(engine, review, "positive", 0.1)
    decide_alerts(engine, policy(), NOW)
    keys = [row.dedup_key.split(":")[0] for row in outbox(engine)]
    assert keys == ["mention", "alert"]


def test_digest_counts_critical_reviews_and_marks_mentions(engine: Engine) -> None:
    source = seed(engine)
    good = add_review(engine, source, platform_id="g", rating=5.0, text=PRAISE)
    bad = add_review(engine, source, platform_id="b", rating=1.0, text="Nie wieder.")
    classify(engine, good, "positive", 0.02)
    classify(engine, bad, "negative", 0.9)
    decide_alerts(engine, policy(mode="digest"), NOW)
    rows = outbox(engine)
    assert len(rows) == 2 and all(row.digest for row in rows)
    message = build(RENDERER, rows, NOW, "0123456789abcdef")
    assert message["Subject"] == f"⚠ 1 neue kritische Bewertung – {BUSINESS}"
    plain, _ = parts(message)
    assert "======== 1/2 · Erwähnung ========" in plain  # oldest first: the praise
    assert "Dazu kommen Bewertungen, die Ihre Stichwörter erwähnen" in plain
    only_mention = build(RENDERER, [rows[0]], NOW, "0123456789abcdef")
    assert only_mention["Subject"] == f"Erwähnt: „Hygiene“ – {BUSINESS}"


def test_report_critical_list_is_what_the_alerts_sent(engine: Engine) -> None:
    """One rule: the week's critical reviews are exactly those that got an alert."""
    source = seed(engine)
    cases = {
        "a": (5.0, PRAISE, "positive", 0.02),  # mention
        "b": (1.0, "Schlecht.", "negative", 0.9),  # stars and text
        "c": (4.0, "Ganz okay.", "negative", 0.40),  # weak negative label: nothing
        "d": (3.0, "Hygiene naja.", "neutral", 0.3),  # keyword, mediocre: alert
        "e": (5.0, "Super!", "negative", 0.85),  # text rule despite stars
    }
    ids = {}
    for key, (rating, text, label, negative) in cases.items():
        ids[key] = add_review(engine, source, platform_id=key, rating=rating, text=text)
        classify(engine, ids[key], label, negative)
    decide_alerts(engine, policy(), NOW)
    alerted = {row.review_id for row in outbox(engine) if row.dedup_key.startswith("alert:")}
    assert alerted == {ids["b"], ids["d"], ids["e"]}
    with Session(engine) as session:
        business = session.exec(select(Business)).one()
    week = IsoWeek.of(datetime(2026, 11, 20, tzinfo=UTC).date())
    with Session(engine) as session:
        report = compute_report(session, business, week, policy()[BUSINESS].rules, NOW)
    assert report.negative_total == 3
    assert {line.text for line in report.negative} == {"Schlecht.", "Hygiene naja.", "Super!"}


@pytest.mark.parametrize(
    ("value", "threshold", "shown"),
    [
        (0.7998, 0.8, ("79\u202f%", "80\u202f%")),
        (0.8, 0.8, ("80\u202f%", "80\u202f%")),
        (0.93, 0.8, ("93\u202f%", "80\u202f%")),
        (0.29, 0.3, ("29\u202f%", "30\u202f%")),
        (0.806, 0.805, ("80,6\u202f%", "80,5\u202f%")),
        (0.803, 0.805, ("80\u202f%", "81\u202f%")),
    ],
)
def test_shown_percentages_agree_with_the_rule(
    value: float, threshold: float, shown: tuple[str, str]
) -> None:
    assert rule_percents(value, threshold, "de") == shown


def _snapshot(rating: float | None, label: str | None, negative: float | None,
              rules: list[RuleHit]) -> ReviewSnapshot:  # fmt: skip
    return ReviewSnapshot(
        platform="trustpilot", source="tp", rating=rating, sentiment=label,
        negative_probability=negative, rules=tuple(rules),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("snapshot", "line"),
    [
        # a 2-star complaint the model calls positive: the stars speak, no contradiction
        (_snapshot(2.0, "positive", 0.1, [RuleHit("stars", 2.0, 2.0)]), None),
        # a 1-star review, "negative" at 45 %: says nothing the stars do not
        (_snapshot(1.0, "negative", 0.45, [RuleHit("stars", 2.0, 1.0)]), None),
        # the text rule fired: its reason carries the number
        (_snapshot(None, "negative", 0.9, [RuleHit("negative", 0.8, 0.9)]), None),
        # no stars, 79.98 % under an 80 % rule that did not fire: never shown as 80 %
        (_snapshot(None, "negative", 0.7998, [RuleHit("keyword", keyword="Hygiene")]),
         "negativ (79\u202f%)"),
        # five stars, a keyword and a negative text: the mood says why it is critical
        (_snapshot(5.0, "negative", 0.62, [RuleHit("keyword", keyword="Hygiene")]),
         "negativ (62\u202f%)"),
        (_snapshot(None, "positive", 0.02, [RuleHit("keyword", keyword="Hygiene")]), "positiv"),
        (_snapshot(None, None, None, [RuleHit("keyword", keyword="Hygiene")]), None),
    ],
)  # fmt: skip
def test_mood_line_only_when_it_tells_something(snapshot: ReviewSnapshot, line: str | None) -> None:
    assert mood_line(wording("de"), snapshot) == line


def test_mail_shows_numbers_that_agree_with_the_rule() -> None:
    fired = [{"rule": "negative", "threshold": 0.8, "value": 0.80004}]
    plain, html = parts(RENDERER.alert(_alert("de", rules=fired), envelope()))
    for text in (plain, html):
        assert "Text als negativ erkannt (80\u202f% sicher, Grenze 80\u202f%)" in text
        assert "Stimmung" not in text
    missed = [{"rule": "keyword", "keyword": "Wartezeit"}]
    payload = _alert("de", rules=missed, negative_probability=0.7998)
    plain, html = parts(RENDERER.alert(payload, envelope()))
    for text in (plain, html):
        assert "Stimmung: negativ (79\u202f%)" in text and "80" not in text
