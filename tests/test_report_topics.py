"""The weekly report's topic table: counts, averages, shares, the biggest change and quotes,
asserted on factory data on both databases, and how it renders (escaped, both languages)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.report.data import compute_report
from alerts.report.model import WeeklyReport
from alerts.report.render import render_report
from alerts.report.topics import TopicLine
from alerts.templating import make_environment
from storage.db import session_scope
from storage.models import Business, Review, Source
from storage.reviews import set_topics
from tests.test_report_data import WEEK, add_business

THIS_WEEK = datetime(2026, 11, 18, 12, tzinfo=UTC)  # W47
HOSTILE = "<script>alert(1)</script> Schmutzige Tische " + "und klebrige Böden " * 10
Tags = list[tuple[str, str, str]]


def _add(
    session: Session, source: Source, n: int, when: datetime, stars: float, tags: Tags
) -> None:
    assert source.id is not None
    review = Review(
        source_id=source.id, business_id=source.business_id, platform_id=f"r{n}", rating=stars,
        text="…", published_at=when,
    )  # fmt: skip
    session.add(review)
    session.flush()
    set_topics(session, review, [{"topic": t, "polarity": p, "quote": q} for t, p, q in tags])


def _seed(engine: Engine, language: str = "de") -> Business:
    with session_scope(engine) as s:
        business, sources = add_business(s, "Café Sonne", {"tp": "trustpilot"}, language)
        source = sources["tp"]
        week: list[tuple[float, Tags]] = [
            (1.0, [("Wartezeit", "negative", "Wir haben eine Stunde gewartet."),
                   ("Freundlichkeit", "negative", "Unfreundlich.")]),
            (5.0, [("Wartezeit", "positive", "Kaum gewartet."),
                   ("Qualität", "positive", "Sehr lecker.")]),
            (2.0, [("Wartezeit", "negative", "Ewig gewartet."),
                   ("Sauberkeit", "negative", HOSTILE)]),
            (4.0, [("Gesamteindruck", "positive", "Gerne wieder.")]),
        ]  # fmt: skip
        n = 0
        for stars, tags in week:
            n += 1
            _add(s, source, n, THIS_WEEK, stars, tags)
        earlier = [  # the 4 weeks before: W43–W46
            (datetime(2026, 11, 10, tzinfo=UTC), [("Wartezeit", "negative", "x")]),
            (datetime(2026, 10, 21, tzinfo=UTC), [("Wartezeit", "positive", "x")]),
        ]
        earlier += [(datetime(2026, 11, 3, tzinfo=UTC), [("Qualität", "positive", "x")])] * 8
        earlier += [(datetime(2026, 10, 27, tzinfo=UTC), [("Preis", "negative", "x")])] * 4
        outside = [(datetime(2026, 10, 14, tzinfo=UTC), [("Wartezeit", "negative", "W42")])] * 10
        outside += [(datetime(2026, 11, 24, tzinfo=UTC), [("Preis", "negative", "W48")])] * 5
        for when, tags in earlier + outside:
            n += 1
            _add(s, source, n, when, 3.0, tags)
        return business


def _report(engine: Engine, business: Business) -> WeeklyReport:
    with Session(engine) as session:
        return compute_report(session, business, WEEK)


def test_topic_table_figures(any_engine: Engine) -> None:
    report = _report(any_engine, _seed(any_engine))
    assert report.topics == (
        TopicLine("Wartezeit", 3, 2, 0.5, "Wir haben eine Stunde gewartet.", biggest_change=True),
        TopicLine("Qualität", 1, 0, 2.0, "Sehr lecker."),
        TopicLine("Freundlichkeit", 1, 1, 0.0, "Unfreundlich."),
        TopicLine("Sauberkeit", 1, 1, 0.0, report.topics[3].quote),
        TopicLine("Preis", 0, 0, 1.0, ""),
        TopicLine("Gesamteindruck", 1, 0, 0.0, "Gerne wieder."),
    )
    cut = report.topics[3].quote
    assert cut.startswith("<script>") and cut.endswith(" …") and len(cut) <= 142
    assert report.topics[0].negative_share == pytest.approx(2 / 3)


def test_topic_table_renders_escaped_in_both_languages(any_engine: Engine) -> None:
    business = _seed(any_engine)
    env = make_environment()
    rendered = render_report(env, _report(any_engine, business))
    for text in (rendered.text, rendered.html):
        assert "Themen" in text and "Ø 4 Wochen davor" in text
        assert "größte Veränderung: +2,5" in text
        assert "„Wir haben eine Stunde gewartet.“" in text
        assert "67\u202f%" in text  # Wartezeit: 2 of 3 negative
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert "  Wartezeit: 3 (Ø 4 Wochen davor: 0,5), negativ: 67\u202f% – größte" in rendered.text
    business.language = "en"
    english = render_report(env, _report(any_engine, business))
    assert "Waiting time" in english.html and "biggest change: +2.5" in english.text
    assert "“Wir haben eine Stunde gewartet.”" in english.text


def test_no_topic_mentions_no_table(any_engine: Engine) -> None:
    with session_scope(any_engine) as s:
        business, sources = add_business(s, "Leer", {"tp": "trustpilot"})
        _add(s, sources["tp"], 1, THIS_WEEK, 5.0, [])
    report = _report(any_engine, business)
    assert report.topics == ()
    rendered = render_report(make_environment(), report)
    assert "Themen" not in rendered.text and "Themen" not in rendered.html
