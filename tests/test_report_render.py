"""The rendered report: multipart structure, inline chart, wording, numbers, escaping."""

from __future__ import annotations

import base64
import re
import struct
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from statistics import mean

from sqlalchemy.engine import Engine

from alerts.report.charts import TrendChart
from alerts.report.model import WeeklyReport
from alerts.report.render import RenderedReport, build_message, render_report, render_report_file
from alerts.report.weeks import IsoWeek
from alerts.templating import make_environment
from storage.db import session_scope
from tests.test_report_data import (
    WEEK_END,
    Seeded,
    add_business,
    report_for,
    review,
    seed_many,
)

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
SENDER = "Leumund <leumund@baeckerei.example>"


def de_number(value: float) -> str:
    text = f"{value:.1f}".replace(".", ",")
    return text.removesuffix(",0")


def email_of(report: WeeklyReport) -> tuple[RenderedReport, EmailMessage]:
    rendered = render_report(make_environment(), report)
    msg = build_message(rendered, SENDER, "inhaber@baeckerei.example", NOW, "<report.1@x.test>")
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return rendered, parsed


def parts(msg: EmailMessage) -> dict[str, EmailMessage]:
    found: dict[str, EmailMessage] = {}
    for part in msg.walk():
        assert isinstance(part, EmailMessage)
        found.setdefault(part.get_content_type(), part)
    return found


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_email_is_text_and_html_with_inline_chart(engine: Engine) -> None:
    report = report_for(engine, seed_many(engine))
    _, msg = email_of(report)
    assert msg.get_content_type() == "multipart/alternative"
    found = parts(msg)
    assert set(found) >= {"text/plain", "multipart/related", "text/html", "image/png"}
    related = [p.get_content_type() for p in found["multipart/related"].iter_parts()]
    assert related == ["text/html", "image/png"]
    image = found["image/png"]
    cid = str(image["Content-ID"]).strip("<>")
    html = found["text/html"].get_content()
    assert f'src="cid:{cid}"' in html
    width, height = png_size(image.get_content())
    assert width >= 900 and 400 <= height < width
    assert "Wochenbericht KW 47/2026" in str(msg["Subject"])


def test_numbers_in_the_report_are_the_computed_ones(engine: Engine) -> None:
    seeded = seed_many(engine)
    report = report_for(engine, seeded)
    rendered, _ = email_of(report)
    week = [r for r in seeded.reviews if seeded.in_week(r, 2026, 47)]
    average = de_number(mean(r.rating for r in week if r.rating is not None))
    before = [r for r in seeded.reviews if seeded.when(r) < WEEK_END]
    overall = de_number(mean(r.rating for r in before if r.rating is not None))
    assert f"Diese Woche: {average} Sterne ({len(week)} Bewertungen)" in rendered.text
    assert f"Insgesamt: {overall} Sterne ({len(before)} Bewertungen)" in rendered.text
    assert "KW 47/2026: 16.11.2026 bis 22.11.2026" in rendered.text
    assert f"{len(week)} neue Bewertungen, im Schnitt {average} Sterne." in rendered.html
    negative = sum(1 for r in week if r.sentiment_label == "negative")
    assert re.search(rf"negativ</td>.*?<strong>{negative}</strong>", rendered.html, re.S)


def test_empty_week_says_so_and_has_no_chart(engine: Engine) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(s, "Praxis Leer", {"google": "google_places"})
    report = report_for(engine, Seeded(business, sources))
    rendered, msg = email_of(report)
    assert "keine neuen Bewertungen" in rendered.text
    assert "keine neuen Bewertungen" in rendered.html
    assert rendered.chart_png is None
    assert "image/png" not in parts(msg)
    assert "cid:" not in rendered.html


def test_one_platform_business_in_english(engine: Engine) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(
            s, "Dental Studio", {"google-profile": "google_business_profile"}, language="en"
        )
        seeded = Seeded(business, sources)
        for n, stars in enumerate([5.0, 4.0, 4.0, 2.0]):
            when = datetime(2026, 11, 17 + n, 12, tzinfo=UTC)
            s.add(review(seeded, "google-profile", n, rating=stars, published_at=when))
    report = report_for(engine, seeded)
    rendered, msg = email_of(report)
    assert str(msg["Subject"]) == "Weekly report week 47, 2026 – Dental Studio"
    assert "This week: 3.8 stars (4 reviews)" in rendered.text
    assert "week 47, 2026: 16 Nov 2026 to 22 Nov 2026" in rendered.text
    assert [p.source_name for p in report.platforms] == ["google-profile"]
    assert "  Google: 4, Ø 3.8 stars" in rendered.text
    assert 'lang="en"' in rendered.html and "Sterne" not in rendered.html
    assert rendered.chart_png is not None


def test_hostile_review_text_is_escaped(engine: Engine) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(
            s, "Böse <b>GmbH</b>\r\nBcc: victim@example.org", {"trustpilot": "trustpilot"}
        )
        seeded = Seeded(business, sources)
        s.add(
            review(
                seeded,
                "trustpilot",
                1,
                rating=1.0,
                author="<script>alert('author')</script>",
                title='"><img src=x onerror=alert(1)>',
                text="</div><a href='https://evil.example'>klick</a> \u202eRTL\u202c 🍞",
                url="javascript:alert(document.cookie)",
                published_at=datetime(2026, 11, 18, 9, tzinfo=UTC),
            )
        )
        s.add(
            review(
                seeded,
                "trustpilot",
                2,
                rating=2.0,
                author="Max\r\nMuster" + "x" * 5000,
                text="Schimmel! " * 10_000,
                published_at=datetime(2026, 11, 19, 9, tzinfo=UTC),
            )
        )
    rendered, msg = email_of(report_for(engine, seeded))
    assert len(rendered.html) < 40_000 and len(rendered.text) < 10_000
    assert "Max Musterxxx" in rendered.text and "Max\r" not in rendered.text
    html = rendered.html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror" in html
    assert "<a href='https://evil.example'>" not in html
    assert "javascript:" not in html
    assert "&lt;b&gt;GmbH&lt;/b&gt;" in html
    assert msg["Bcc"] is None and "\n" not in str(msg["Subject"])
    assert "🍞" in html and "🍞" in rendered.text


def test_file_version_embeds_the_chart(engine: Engine) -> None:
    report = report_for(engine, seed_many(engine))
    html = render_report_file(make_environment(), report)
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert match is not None
    assert png_size(base64.b64decode(match.group(1)))[0] >= 900
    assert "cid:" not in html


def test_reused_chart_draws_the_same_as_a_fresh_one(engine: Engine) -> None:
    seeded = seed_many(engine)
    busy, sparse = report_for(engine, seeded), report_for(engine, seeded, IsoWeek(2026, 29))
    env, chart = make_environment(), TrendChart(12)
    first = render_report(env, busy, chart).chart_png
    again = render_report(env, sparse, chart).chart_png
    assert again is not None and again != first
    assert again == render_report(env, sparse).chart_png


def test_week_with_one_unrated_review(engine: Engine) -> None:
    with session_scope(engine) as s:
        business, sources = add_business(s, "Kiosk Eins", {"website": "schema_org"})
        seeded = Seeded(business, sources)
        when = datetime(2026, 11, 19, 12, tzinfo=UTC)
        s.add(review(seeded, "website", 1, rating=None, published_at=when, url=None))
    rendered, _ = email_of(report_for(engine, seeded))
    assert "1 neue Bewertung, ohne Sterne." in rendered.text
    assert "Diese Woche: – (1 Bewertung)" in rendered.text
    assert "Website: 1\n" in rendered.text
