"""The suspicious-burst message as the templates show it: subject, wording, one line a review.

Pure: a `BurstPayload` and a `Wording` in, strings out. Every review is one short line
(stars, author, date, title or its first words), so fifty of them still read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alerts.i18n import Wording
from alerts.message import body_text, header_text, safe_url, shorten
from alerts.payloads import AUTHOR_LIMIT, TITLE_LIMIT, BurstPayload, ReviewSnapshot

FIRST_WORDS = 120


@dataclass(frozen=True, slots=True)
class BurstLine:
    author: str
    rating: float | None
    stars: str
    rating_text: str
    date: str
    headline: str
    url: str | None


def burst_line(t: Wording, review: ReviewSnapshot) -> BurstLine:
    """Title, or else the text's first words on one line."""
    headline = header_text(review.title, TITLE_LIMIT)
    if not headline:
        headline = shorten(" ".join(body_text(review.text).split()), FIRST_WORDS)[0]
    return BurstLine(
        author=header_text(review.author, AUTHOR_LIMIT) or t("anonymous"),
        rating=review.rating,
        stars=t.stars(review.rating),
        rating_text=t.rating(review.rating),
        date=t.datetime(review.published_at) if review.published_at else "",
        headline=headline or t("no_text"),
        url=safe_url(review.url),
    )


def burst_subject(t: Wording, payload: BurstPayload, business: str) -> str:
    if payload.follow_up:
        key = "burst_followup_subject_one" if payload.count == 1 else "burst_followup_subject"
        return t(key, count=payload.count, business=business)
    key = "burst_subject_similar" if payload.reason == "similar" else "burst_subject"
    return t(key, count=payload.count, hours=payload.hours, business=business)


def _heading(t: Wording, payload: BurstPayload) -> str:
    if payload.follow_up:
        key = "burst_followup_heading_one" if payload.count == 1 else "burst_followup_heading"
        return t(key, count=payload.count)
    key = "burst_heading_similar" if payload.reason == "similar" else "burst_heading"
    return t(key, count=payload.count, hours=payload.hours)


def _report_step(t: Wording, platform: str, shown: str) -> str:
    """How to report a review where it stands: Google's and Trustpilot's own procedures."""
    if platform.startswith("google"):
        return t("burst_todo_google")
    if platform == "trustpilot":
        return t("burst_todo_trustpilot")
    return t("burst_todo_platform", platform=shown)


def burst_context(t: Wording, payload: BurstPayload) -> tuple[str, dict[str, Any]]:
    """The subject and what `burst.html.j2` / `burst.txt.j2` need."""
    business = header_text(payload.business, 200)
    shown = header_text(payload.source_display, 200) or t.platform(payload.platform)
    place = t.place(payload.platform, shown)
    values = {"business": business, "place": place, "count": payload.count}
    if payload.follow_up:
        key = "burst_followup_intro" if payload.told else "burst_followup_intro_untold"
        intro = t(key, **values, total=payload.total)
    else:
        key = "burst_intro_similar" if payload.reason == "similar" else "burst_intro"
        intro = t(key, **values, hours=payload.hours)
    steps = [
        t("burst_todo_document").partition(": ")[::2],
        t("burst_todo_calm").partition(": ")[::2],
        _report_step(t, payload.platform, shown).partition(": ")[::2],
        t("burst_todo_lawyer").partition(": ")[::2],
    ]  # (what, how): the what in bold
    return burst_subject(t, payload, business), {
        "business": business,
        "heading": _heading(t, payload),
        "intro": intro,
        "earlier": t("burst_earlier", count=payload.earlier) if payload.earlier else "",
        "lines": [burst_line(t, r) for r in payload.reviews],
        "no_single": t("burst_no_single", place=place),
        "steps": steps,
    }
