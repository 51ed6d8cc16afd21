"""Render the demo business's review pages from a JSON list of reviews.

Two platforms, each in its real structure: `review/<slug>/` is a Trustpilot-style page
(`__NEXT_DATA__` → `props.pageProps.reviews[]` and `filters.pagination`, plus a JSON-LD
`@graph` of Review nodes), `bewertungen/` a shop's own page with schema.org JSON-LD and an
`a.next` link. Newest review first, `PER_PAGE` per page.

reviews.json is written as if ISO week 2026-W47 were the last complete week; every date is
moved by whole weeks so that it always is (weekdays and times stay), and the demo's weekly
report has this week's reviews, a trend and a critical review whatever the calendar says.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BUSINESS = "Bäckerei Beispiel"
SLUG = "baeckerei-beispiel.de"
PER_PAGE = 6
TRUSTPILOT_DIR = f"review/{SLUG}"
SCHEMA_DIR = "bewertungen"
ROBOTS = "User-agent: *\nDisallow: /intern/\n"
TIMEZONE = ZoneInfo("Europe/Berlin")
# The Monday of the week reviews.json treats as the last complete one.
TEMPLATE_LAST_WEEK = date(2026, 11, 16)


@dataclass(frozen=True)
class DemoReview:
    id: str
    author: str
    rating: int
    title: str
    text: str
    published: str
    reply: str | None = None
    reply_at: str | None = None


def bundled_reviews(now: datetime | None = None, name: str = "reviews.json") -> list[DemoReview]:
    """The demo's reviews, dated so that their last week is the last complete one at `now`
    (`competitor.json`: those of the demo's competitor)."""
    raw = json.loads(files("crawler.demo").joinpath(name).read_text("utf-8"))
    shift = date_shift(now or datetime.now(UTC))
    return [DemoReview(**_shifted(item, shift)) for item in raw]


def date_shift(now: datetime) -> timedelta:
    """Whole weeks from the template's last week to the last complete week at `now`."""
    today = now.astimezone(TIMEZONE).date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    return last_monday - TEMPLATE_LAST_WEEK


def _shifted(item: dict[str, Any], shift: timedelta) -> dict[str, Any]:
    moved = dict(item)
    for key in ("published", "reply_at"):
        if moved.get(key):
            moved[key] = _iso(_parse(moved[key]) + shift)
    return moved


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class DemoSite:
    """The demo pages in `directory`, re-rendered after every change."""

    def __init__(self, directory: Path, reviews: list[DemoReview] | None = None) -> None:
        self.directory = Path(directory)
        self.reviews = list(bundled_reviews() if reviews is None else reviews)
        self.render()

    def add_review(
        self,
        *,
        author: str,
        rating: int,
        title: str,
        text: str,
        published: datetime | None = None,
        reply: str | None = None,
    ) -> DemoReview:
        """A new review, shown first on both platforms (newer than any, whatever the clock)."""
        when = published or max(datetime.now(UTC), self._newest() + timedelta(minutes=1))
        review = DemoReview(uuid.uuid4().hex[:24], author, rating, title, text, _iso(when))
        if reply:
            review = DemoReview(**{**asdict(review), "reply": reply, "reply_at": _iso(when)})
        self.reviews.append(review)
        self.render()
        return review

    def _newest(self) -> datetime:
        stamps = [_parse(r.published) for r in self.reviews]
        return max(stamps, default=datetime.now(UTC))

    def replace_review(self, review: DemoReview) -> None:
        """An edit on the platform: same id, new content."""
        self.reviews = [review if r.id == review.id else r for r in self.reviews]
        self.render()

    def trustpilot_url(self, base_url: str) -> str:
        return f"{base_url}/{TRUSTPILOT_DIR}"

    def schema_org_url(self, base_url: str) -> str:
        return f"{base_url}/{SCHEMA_DIR}/"

    def pages(self) -> list[list[DemoReview]]:
        ordered = sorted(self.reviews, key=lambda r: r.published, reverse=True)
        return [ordered[i : i + PER_PAGE] for i in range(0, len(ordered), PER_PAGE)] or [[]]

    def render(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "robots.txt").write_text(ROBOTS, encoding="utf-8")
        pages = self.pages()
        for number, reviews in enumerate(pages, start=1):
            name = "index.html" if number == 1 else f"page-{number}.html"
            _write(self.directory / TRUSTPILOT_DIR / name, trustpilot_page(reviews, number, pages))
            name = "index.html" if number == 1 else f"seite-{number}.html"
            _write(self.directory / SCHEMA_DIR / name, schema_page(reviews, number, len(pages)))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _script_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def trustpilot_review(review: DemoReview) -> dict[str, Any]:
    reply = None
    if review.reply:
        reply = {"message": review.reply, "publishedDate": review.reply_at, "updatedDate": None}
    return {
        "id": review.id,
        "filtered": False,
        "pending": False,
        "text": review.text,
        "rating": review.rating,
        "title": review.title,
        "likes": 0,
        "dates": {"experiencedDate": None, "publishedDate": review.published, "updatedDate": None},
        "consumer": {"id": "c" + review.id[1:], "displayName": review.author, "countryCode": "DE"},
        "reply": reply,
        "language": "de",
        "location": None,
    }


def trustpilot_props(reviews: list[DemoReview], number: int, total: int, count: int) -> Any:
    return {
        "businessUnit": {"displayName": BUSINESS, "identifyingName": SLUG},
        "reviews": [trustpilot_review(r) for r in reviews],
        "filters": {
            "totalNumberOfReviews": count,
            "pagination": {
                "currentPage": number,
                "perPage": PER_PAGE,
                "totalCount": count,
                "totalPages": total,
            },
            "selected": {"sort": "recency"},
        },
    }


def jsonld_review(review: DemoReview, base: str, with_reply: bool) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "Review",
        "@id": f"{base}/Review/{SLUG}/{review.id}",
        "author": {"@type": "Person", "name": review.author},
        "datePublished": review.published,
        "headline": review.title,
        "reviewBody": review.text,
        "reviewRating": {
            "@type": "Rating",
            "bestRating": "5",
            "worstRating": "1",
            "ratingValue": str(review.rating),
        },
        "inLanguage": "de",
    }
    if with_reply and review.reply:
        node["comment"] = {
            "@type": "Comment",
            "text": review.reply,
            "dateCreated": review.reply_at,
            "author": {"@type": "Organization", "name": BUSINESS},
        }
    return node


def _article(review: DemoReview) -> str:
    reply = f'<div class="reply"><p>{escape(review.reply)}</p></div>' if review.reply else ""
    return (
        f'<article data-review-id="{escape(review.id)}"><h2>{escape(review.title)}</h2>'
        f"<p>{'★' * review.rating}{'☆' * (5 - review.rating)} {escape(review.author)}, "
        f"{escape(review.published[:10])}</p><p>{escape(review.text)}</p>{reply}</article>"
    )


def trustpilot_page(reviews: list[DemoReview], number: int, pages: list[list[DemoReview]]) -> str:
    count = sum(len(p) for p in pages)
    next_data = {
        "props": {"pageProps": trustpilot_props(reviews, number, len(pages), count)},
        "page": "/review/[businessUnit]",
        "query": {"businessUnit": SLUG},
    }
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "LocalBusiness", "@id": f"#/schema/Organization/{SLUG}", "name": BUSINESS},
            *[jsonld_review(r, "#/schema", with_reply=False) for r in reviews],
        ],
    }
    more = (
        f'<a name="pagination-button-next" href="/{TRUSTPILOT_DIR}?page={number + 1}">'
        "Nächste Seite</a>"
        if number < len(pages)
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{BUSINESS} – Bewertungen</title>"
        f'<script type="application/ld+json">{_script_json(graph)}</script></head><body>'
        f"<h1>{BUSINESS}</h1>{''.join(_article(r) for r in reviews)}{more}"
        f'<script id="__NEXT_DATA__" type="application/json">{_script_json(next_data)}</script>'
        "</body></html>"
    )


def schema_page(reviews: list[DemoReview], number: int, total: int) -> str:
    business = {
        "@context": "https://schema.org",
        "@type": "Bakery",
        "name": BUSINESS,
        "address": {"@type": "PostalAddress", "addressLocality": "Musterstadt"},
        "review": [jsonld_review(r, "https://baeckerei-beispiel.de", True) for r in reviews],
    }
    more = f'<a class="next" href="seite-{number + 1}.html">Weiter</a>' if number < total else ""
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>Bewertungen – {BUSINESS}</title>"
        f'<script type="application/ld+json">{_script_json(business)}</script></head><body>'
        f"<h1>Was unsere Kundschaft sagt</h1>{''.join(_article(r) for r in reviews)}{more}"
        "</body></html>"
    )
