"""The burst message: every review on one line, hostile text escaped, both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from alerts.payloads import BurstPayload, ReviewSnapshot
from alerts.render import Envelope, Renderer

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>'


def _payload(**fields: object) -> BurstPayload:
    reviews = tuple(
        ReviewSnapshot(
            review_id=i, platform="trustpilot", source="tp", author=f"{HOSTILE} Kunde {i}",
            rating=1.0, title="" if i % 2 else f"Titel {i} <b>fett</b>",
            text=f"Erste Worte {i} " + "und noch viel mehr " * 30,
            published_at=NOW - timedelta(hours=i), url="javascript:alert(1)" if i == 0 else None,
        )
        for i in range(6)
    )  # fmt: skip
    data: dict[str, object] = {
        "business": "Bäckerei <Beispiel>", "platform": "trustpilot", "source": "tp",
        "count": 6, "hours": 12, "reviews": reviews, "total": 6,
    }  # fmt: skip
    return BurstPayload.model_validate(data | fields)


def _render(payload: BurstPayload) -> tuple[EmailMessage, str, str]:
    envelope = Envelope("inhaber@example.test", "burst:1:inhaber@example.test", NOW, "inst")
    message = Renderer("Leumund <l@example.test>").render(payload, envelope)
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return message, str(html.get_content()), str(text.get_content())


def test_every_review_is_listed_and_hostile_text_escaped() -> None:
    message, html, text = _render(_payload())
    assert message["Subject"] == (
        "⚠ Auffällige Häufung: 6 negative Bewertungen in 12 Stunden – Bäckerei <Beispiel>"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>fett" not in html
    assert "javascript:" not in html
    for i in range(6):
        assert f"Kunde {i}" in text
        assert (f"Titel {i}" if i % 2 == 0 else f"Erste Worte {i}") in text
    assert "Bewertung melden" in text and "Trustpilot Business" in text
    assert "Anwalt" in text and "Nicht im Ärger antworten" in text


def test_english_follow_up_and_near_identical_wording() -> None:
    message, _, text = _render(_payload(language="en", follow_up=True, count=1, total=7))
    assert str(message["Subject"]).startswith("⚠ Unusual cluster continues: 1 more negative review")
    assert "1 new, 7 in all" in text
    message, _, text = _render(_payload(reason="similar", platform="google_places"))
    assert "6 fast gleichlautende negative Bewertungen in 12 Stunden" in str(message["Subject"])
    assert "„Rezension melden“" in text


def test_two_burst_weeks_under_the_chart_are_named_in_the_plural() -> None:
    from types import SimpleNamespace
    from typing import cast

    from alerts.i18n import wording
    from alerts.report.model import WeeklyReport
    from alerts.report.render import _burst_note
    from alerts.report.weeks import IsoWeek

    two = cast(WeeklyReport, SimpleNamespace(burst_weeks=(IsoWeek(2026, 45), IsoWeek(2026, 47))))
    one = cast(WeeklyReport, SimpleNamespace(burst_weeks=(IsoWeek(2026, 47),)))
    assert _burst_note(two, wording("de")) == (
        "⚠ Wochen mit auffälliger Häufung negativer Bewertungen: KW 45/2026 und KW 47/2026"
    )
    assert (_burst_note(two, wording("en")) or "").startswith("⚠ Weeks with an unusual cluster")
    assert _burst_note(one, wording("de")) == (
        "⚠ Woche mit auffälliger Häufung negativer Bewertungen: KW 47/2026"
    )


def test_the_report_step_says_where_to_report_in_german() -> None:
    from alerts.burst_view import burst_context
    from alerts.i18n import wording

    for platform, where in (("google_maps", "Google"), ("trustpilot", "Trustpilot")):
        _, context = burst_context(wording("de"), _payload(platform=platform))
        assert (f"Bei {where} melden", True) in [
            (what, bool(how)) for what, how in context["steps"]
        ]
