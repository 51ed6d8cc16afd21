"""Wording and formats: German readers see German dates and numbers, English readers English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from jinja2 import ChoiceLoader, DictLoader, UndefinedError

from alerts.i18n import (
    format_date,
    format_datetime,
    format_number,
    format_percent,
    format_rating,
    platform_name,
    stars,
    wording,
)
from alerts.templating import make_environment
from alerts.texts import TEXTS


def test_german_and_english_dates_and_numbers() -> None:
    assert format_date(date(2026, 11, 23), "de") == "23.11.2026"
    assert format_date(date(2026, 11, 3), "en") == "3 Nov 2026"
    assert format_number(4.5, "de") == "4,5"
    assert format_number(4.5, "en") == "4.5"
    assert format_number(1234.25, "de", 2) == "1.234,25"
    assert format_number(1234.25, "en", 2) == "1,234.25"
    assert format_number(4.0, "de") == "4"
    assert format_number(4.25, "de") == "4,3"  # half up, as people round
    assert format_number(2.675, "en", 2) == "2.68"
    assert format_rating(4.5, "de") == "4,5 Sterne"
    assert format_rating(1, "de") == "1 Stern"
    assert format_rating(2, "en") == "2 stars"
    assert format_percent(0.934, "de") == "93\u202f%"
    assert format_percent(0.934, "en") == "93%"


def test_datetime_is_shown_in_the_business_time_zone() -> None:
    t = wording("de", "Europe/Berlin")
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert t.date(late) == "24.11.2026"
    assert t.datetime(late) == "24.11.2026, 00:30 Uhr"
    assert format_datetime(late, "en") == "23 Nov 2026, 23:30"


def test_stars_and_platform_names() -> None:
    assert stars(1) == "★☆☆☆☆"
    assert stars(4.5) == "★★★★★"
    assert stars(None) == ""
    assert platform_name("trustpilot") == "Trustpilot"
    assert platform_name("google_places") == "Google"
    assert platform_name("some_new_site") == "Some New Site"


def test_every_text_has_both_languages_and_unknown_language_falls_back_to_german() -> None:
    assert all(de and en for de, en in TEXTS.values())
    assert wording("fr").lang == "de"
    assert wording("en")("reply_now") == "Reply now"
    assert wording(None)("reply_now") == "Jetzt antworten"


def test_base_template_escapes_html_and_rejects_missing_variables() -> None:
    env = make_environment()
    assert env.loader is not None
    child_src = '{% extends "base.html.j2" %}{% block content %}<p>{{ text }}</p>{% endblock %}'
    overlay = env.overlay(
        loader=ChoiceLoader([DictLoader({"child.html.j2": child_src}), env.loader])
    )
    child = overlay.get_template("child.html.j2")
    html = child.render(t=wording("de"), text="<script>alert(1)</script>")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<html lang="de">' in html and "max-width:600px" in html
    with pytest.raises(UndefinedError):
        env.get_template("base.html.j2").render()
