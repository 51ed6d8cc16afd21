"""Each alert rule fires where it should and stays quiet where it shouldn't; timing is exact."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alerts.rules import evaluate, matching_keywords
from alerts.settings import AlertRules, QuietHours
from alerts.timing import after_quiet_hours, next_digest_time, send_after
from storage.models import Review

BERLIN = ZoneInfo("Europe/Berlin")
RULES = AlertRules(star_threshold=2, negative_probability=0.8, keywords=["Hygiene", "Anwalt"])


def _review(**fields: Any) -> Review:
    base: dict[str, Any] = {"source_id": 1, "business_id": 1, "platform_id": "x", "rating": 5.0}
    return Review(**(base | fields))


def _rules(review: Review, rules: AlertRules = RULES) -> list[str]:
    return [h.rule for h in evaluate(review, rules)]


@pytest.mark.parametrize(
    ("rating", "fires"), [(1.0, True), (2.0, True), (2.5, False), (4.0, False), (None, False)]
)
def test_star_rule_at_or_below_threshold(rating: float | None, fires: bool) -> None:
    assert ("stars" in _rules(_review(rating=rating))) is fires


def test_star_hit_records_value_and_threshold() -> None:
    [hit] = evaluate(_review(rating=1.0), RULES)
    assert (hit.rule, hit.value, hit.threshold) == ("stars", 1.0, 2.0)


@pytest.mark.parametrize(
    ("label", "probs", "rating", "fires"),
    [
        ("negative", {"negative": 0.93, "positive": 0.05, "neutral": 0.02}, 4.0, True),
        ("negative", {"negative": 0.80, "positive": 0.1, "neutral": 0.1}, None, True),
        ("negative", {"negative": 0.79, "positive": 0.2, "neutral": 0.01}, 4.0, False),
        ("neutral", {"negative": 0.45, "positive": 0.1, "neutral": 0.45}, 4.0, False),
        ("positive", {"negative": 0.01, "positive": 0.98, "neutral": 0.01}, 5.0, False),
        ("negative", None, 4.0, True),
        (None, None, 4.0, False),
    ],
)
def test_negative_text_rule_independent_of_stars(
    label: str | None, probs: dict[str, float] | None, rating: float | None, fires: bool
) -> None:
    review = _review(rating=rating, sentiment_label=label, sentiment_probs=probs)
    assert _rules(review) == (["negative"] if fires else [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Die HYGIENE war katastrophal", ["Hygiene"]),
        ("Massive Hygienemängel in der Küche", ["Hygiene"]),
        ("Die Küchenhygiene lässt zu wünschen übrig", ["Hygiene"]),
        ("Mein Rechtsanwalt meldet sich", ["Anwalt"]),
        ("Hygiene? Anwalt!", ["Hygiene", "Anwalt"]),
        ("Ein schönes Anwesen mit hygienischem Flair", []),
        ("Alles bestens, gerne wieder", []),
    ],
)
def test_keywords_case_insensitive_and_in_german_compounds(text: str, found: list[str]) -> None:
    assert matching_keywords(text, ["Hygiene", "Anwalt"]) == found


def test_keyword_umlauts_sharp_s_and_short_words() -> None:
    assert matching_keywords("ÜBELKEIT nach dem Essen", ["Übelkeit"]) == ["Übelkeit"]
    decomposed = "U\u0308belkeit"  # as some sites send it: U + combining diaeresis
    assert matching_keywords(decomposed, ["übelkeit"]) == ["übelkeit"]
    assert matching_keywords("GROSSE Enttäuschung", ["große"]) == ["große"]
    assert matching_keywords("Das Essen war giftig", ["Gift"]) == ["Gift"]
    assert matching_keywords("Ihre Mitgift", ["Gift"]) == []
    assert matching_keywords("Kalter   Kaffee serviert", ["kalter Kaffee"]) == ["kalter Kaffee"]
    assert matching_keywords("egal", ["", "  "]) == []


def test_keyword_in_title_and_all_rules_together() -> None:
    review = _review(
        rating=1.0,
        title="Hygiene mangelhaft",
        text="Ich schalte meinen Anwalt ein.",
        sentiment_label="negative",
        sentiment_probs={"negative": 0.99},
    )
    hits = evaluate(review, RULES)
    assert [h.rule for h in hits] == ["stars", "negative", "keyword", "keyword"]
    assert [h.keyword for h in hits if h.keyword] == ["Hygiene", "Anwalt"]


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


QUIET = QuietHours(start=time(22, 0), end=time(7, 0))


@pytest.mark.parametrize(
    ("local_now", "local_expected"),
    [
        (datetime(2026, 11, 23, 23, 30), datetime(2026, 11, 24, 7, 0)),
        (datetime(2026, 11, 24, 2, 0), datetime(2026, 11, 24, 7, 0)),
        (datetime(2026, 11, 24, 6, 59), datetime(2026, 11, 24, 7, 0)),
        (datetime(2026, 11, 24, 7, 0), datetime(2026, 11, 24, 7, 0)),
        (datetime(2026, 11, 23, 21, 59), datetime(2026, 11, 23, 21, 59)),
        (datetime(2026, 11, 23, 22, 0), datetime(2026, 11, 24, 7, 0)),
    ],
)
def test_quiet_hours_spanning_midnight_delay_to_their_end(
    local_now: datetime, local_expected: datetime
) -> None:
    assert after_quiet_hours(_utc(local_now), QUIET, "Europe/Berlin") == _utc(local_expected)


def test_quiet_hours_within_a_day_and_empty_window() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))
    noon = _utc(datetime(2026, 11, 23, 12, 30))
    assert after_quiet_hours(noon, lunch, "Europe/Berlin") == _utc(datetime(2026, 11, 23, 14))
    evening = _utc(datetime(2026, 11, 23, 23, 0))
    assert after_quiet_hours(evening, lunch, "Europe/Berlin") == evening
    never = QuietHours(start=time(8, 0), end=time(8, 0))
    assert after_quiet_hours(evening, never, "Europe/Berlin") == evening
    assert after_quiet_hours(evening, None, "Europe/Berlin") == evening


def test_quiet_hours_across_the_autumn_clock_change() -> None:
    # 25.10.2026 03:00 CEST → 02:00 CET: the night is an hour longer, 07:00 is CET (06:00 UTC).
    now = _utc(datetime(2026, 10, 24, 23, 0))
    assert after_quiet_hours(now, QUIET, "Europe/Berlin") == datetime(2026, 10, 25, 6, tzinfo=UTC)


def test_quiet_hours_use_the_business_time_zone() -> None:
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 in Berlin, 18:30 in New York
    assert after_quiet_hours(now, QUIET, "America/New_York") == now
    assert after_quiet_hours(now, QUIET, "Europe/Berlin") == _utc(datetime(2026, 11, 24, 7))


def test_next_digest_time_today_or_tomorrow() -> None:
    six = time(18, 0)
    morning = _utc(datetime(2026, 11, 23, 9, 0))
    assert next_digest_time(morning, six, "Europe/Berlin") == _utc(datetime(2026, 11, 23, 18))
    exactly = _utc(datetime(2026, 11, 23, 18, 0))
    assert next_digest_time(exactly, six, "Europe/Berlin") == exactly
    late = _utc(datetime(2026, 11, 23, 18, 0, 1))
    assert next_digest_time(late, six, "Europe/Berlin") == _utc(datetime(2026, 11, 24, 18))


def test_digest_time_inside_quiet_hours_waits_for_their_end() -> None:
    now = _utc(datetime(2026, 11, 23, 9, 0))
    when = send_after(now, "Europe/Berlin", QUIET, digest_time=time(23, 0))
    assert when == _utc(datetime(2026, 11, 24, 7, 0))
    assert send_after(now, "Europe/Berlin", QUIET) == now
