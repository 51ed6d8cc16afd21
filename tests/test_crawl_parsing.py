"""Platform parsers on the real captured pages in ../shared and on our own demo pages.

Expected values are read independently from the raw JSON of each fixture, so every review's
id, rating, date and reply is checked, not a sample.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.base import dates_descending
from crawler.demo.site import DemoSite
from crawler.platforms.google import places_reviews, profile_reviews
from crawler.platforms.jsonld import lenient_json, reviews_from_html
from crawler.platforms.trustedshops import trustedshops_reviews
from crawler.platforms.trustpilot import parse_page, read_page, reviews_from_page_props
from crawler.registry import SPIDERS
from crawler.settings import SOURCE_TYPES
from crawler.values import clamp_stars, on_scale, parse_time, stars
from storage.cleaning import clean_review, clean_text
from storage.models import ReviewData
from storage.ratings import original_rating
from storage.reviews import content_hash

TP_URL = "https://de.trustpilot.com/review/eventnet.de?sort=recency"


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)


def _next_data_reviews(html: str) -> list[dict[str, Any]]:
    raw = re.search(r'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', html, re.S)
    assert raw is not None
    reviews: list[dict[str, Any]] = json.loads(raw.group(1))["props"]["pageProps"]["reviews"]
    return reviews


def _assert_trustpilot(got: list[ReviewData], raw: list[dict[str, Any]]) -> None:
    assert [r.platform_id for r in got] == [r["id"] for r in raw]
    for review, item in zip(got, raw, strict=True):
        assert review.rating == review.rating_raw == float(item["rating"])
        assert review.rating_scale == "1-5"
        assert review.published_at == _iso(item["dates"]["publishedDate"])
        assert review.author == item["consumer"]["displayName"].strip()
        assert review.language == item["language"]
        assert " ".join(review.text.split()) == " ".join(item["text"].split())
        if item["reply"] is None:
            assert (review.reply, review.reply_at) == (None, None)
        else:
            assert " ".join(review.reply.split()) == " ".join(item["reply"]["message"].split())
            assert review.reply_at == _iso(item["reply"]["publishedDate"])


def test_source_types_match_the_spider_registry() -> None:
    assert tuple(SPIDERS) == SOURCE_TYPES


def test_trustpilot_real_page_every_review(shared_dir: Path) -> None:
    html = (shared_dir / "fixtures/trustpilot/eventnet_de_page1.html").read_text("utf-8")
    got, next_url = parse_page(html, TP_URL)
    raw = _next_data_reviews(html)
    assert len(got) == 20
    _assert_trustpilot(got, raw)
    assert sum(r.reply is not None for r in got) == 4
    assert next_url is None  # pagination says 1 page of 1
    replied = next(r for r in got if r.platform_id == "665426cb1631934fecd8dc87")
    assert replied.reply == "Vielen lieben Dank für die tolle Bewertung!"
    assert replied.url == "https://de.trustpilot.com/reviews/665426cb1631934fecd8dc87"


def test_trustpilot_jsonld_fallback_matches_next_data(shared_dir: Path) -> None:
    html = (shared_dir / "fixtures/trustpilot/eventnet_de_page1.html").read_text("utf-8")
    without_next_data = re.sub(r'<script[^>]*id="__NEXT_DATA__".*?</script>', "", html, flags=re.S)
    fallback, _ = parse_page(without_next_data, TP_URL)
    primary, _ = parse_page(html, TP_URL)
    assert [r.platform_id for r in fallback] == [r.platform_id for r in primary]
    assert [r.published_at for r in fallback] == [r.published_at for r in primary]
    assert [r.rating for r in fallback] == [r.rating for r in primary]
    assert all(r.reply is None for r in fallback)  # JSON-LD carries no replies


def test_trustpilot_page_props_of_three_businesses(shared_dir: Path) -> None:
    data = json.loads(
        (shared_dir / "fixtures/trustpilot/pageprops_three_businesses.json").read_text("utf-8")
    )
    for business in data:
        got = reviews_from_page_props(business, business["pageUrl"])
        _assert_trustpilot(got, business["reviews"])
    assert sum(r["reply"] is not None for b in data for r in b["reviews"]) == 19


def test_places_new_real_responses(shared_dir: Path) -> None:
    files = sorted((shared_dir / "fixtures/google/places_new").glob("*.json"))
    assert len(files) == 3
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        got = places_reviews(data)
        assert len(got) == len(data["reviews"]) <= 5
        for review, item in zip(got, data["reviews"], strict=True):
            assert review.platform_id == item["name"].rsplit("/", 1)[1]
            assert review.rating == float(item["rating"])
            assert review.published_at is not None
            assert review.published_at.replace(microsecond=0) == _iso(item["publishTime"])
            assert review.published_at.microsecond == int(
                (item["publishTime"].split(".")[1].rstrip("Z") + "000000")[:6]
            )
            original = item.get("originalText") or item.get("text") or {}
            assert review.text == " ".join(original.get("text", "").split()) or "\n" in review.text
            assert review.language == original.get("languageCode")
            assert review.reply is None  # Places API (New) has no owner replies
    rating_only = [r for p in files for r in places_reviews(json.loads(p.read_text("utf-8")))]
    assert any(r.text == "" and r.rating == 4.0 for r in rating_only)


def test_places_legacy_real_responses(shared_dir: Path) -> None:
    for path in sorted((shared_dir / "fixtures/google/places_legacy").glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        raw = data["result"]["reviews"]
        got = places_reviews(data)
        assert len(got) == len(raw) > 0
        for review, item in zip(got, raw, strict=True):
            assert review.rating == float(item["rating"])
            assert review.published_at == datetime.fromtimestamp(item["time"], UTC)
            assert review.author == item["author_name"]
            assert review.language == item["language"]
        contributors = [r.platform_id for r in got if r.platform_id]
        assert len(set(contributors)) == len(contributors)


def test_trustedshops_real_product_reviews(shared_dir: Path) -> None:
    data = json.loads((shared_dir / "fixtures/trustedshops/productReviews.json").read_text("utf-8"))
    raw = data["response"]["data"]["product"]["reviews"]
    got = trustedshops_reviews(data)
    assert len(got) == len(raw) == 36
    for review, item in zip(got, raw, strict=True):
        assert review.platform_id == item["UID"]
        assert review.rating == float(item["mark"])
        assert review.published_at == datetime.fromisoformat(item["creationDate"]).astimezone(UTC)
    assert got[0].published_at == datetime(2016, 1, 7, 21, 58, 51, tzinfo=UTC)


def test_business_profile_documented_shape() -> None:
    body = {
        "reviews": [
            {
                "reviewer": {"displayName": "Anna B."},
                "starRating": "TWO",
                "comment": "Kalter Kaffee.",
                "createTime": "2024-06-24T19:54:05.529610Z",
                "updateTime": "2024-06-25T08:00:00.123456789Z",
                "reviewReply": {
                    "comment": "Das tut uns leid!",
                    "updateTime": "2024-06-25T09:00:00Z",
                },
                "name": "accounts/1/locations/2/reviews/AbC123",
            },
            {
                "reviewId": "XyZ",
                "reviewer": {"isAnonymous": True},
                "starRating": "STAR_RATING_UNSPECIFIED",
                "createTime": "2014-10-02T15:01:23.045123456Z",
                "updateTime": "2014-10-02T15:01:23.045123456Z",
                "name": "accounts/1/locations/2/reviews/XyZ",
            },
        ],
        "averageRating": 2,
        "totalReviewCount": 2,
        "nextPageToken": "next",
    }
    got, token = profile_reviews(body)
    assert token == "next"
    assert [r.platform_id for r in got] == ["AbC123", "XyZ"]
    assert (got[0].rating, got[0].reply, got[0].author) == (2.0, "Das tut uns leid!", "Anna B.")
    assert got[0].reply_at == datetime(2024, 6, 25, 9, tzinfo=UTC)
    assert (got[1].rating, got[1].text, got[1].author) == (None, "", "")
    assert got[1].published_at == datetime(2014, 10, 2, 15, 1, 23, 45123, tzinfo=UTC)


def test_broken_jsonld_is_read_leniently() -> None:
    broken = '{"@type": "Review", "reviewBody": "Zeile eins\nZeile zwei", "author": "A",}'
    assert lenient_json(broken)["reviewBody"] == "Zeile eins\nZeile zwei"
    html = f'<html><script type="application/ld+json"><!-- {broken} --></script></html>'
    (review,) = reviews_from_html(html, "http://x/")
    assert (review.author, review.text) == ("A", "Zeile eins\nZeile zwei")


def test_microdata_and_rdfa_reviews() -> None:
    html = """<html><body>
    <div itemscope itemtype="https://schema.org/Review">
      <span itemprop="author" itemscope itemtype="https://schema.org/Person">
        <span itemprop="name">Heinz</span></span>
      <meta itemprop="datePublished" content="2026-05-01">
      <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
        <meta itemprop="ratingValue" content="2"><meta itemprop="bestRating" content="5">
      </div>
      <p itemprop="reviewBody">Zu salzig.</p>
    </div>
    <div vocab="https://schema.org/" typeof="Review">
      <span property="author" typeof="Person"><span property="name">Gabi</span></span>
      <span property="reviewRating" typeof="Rating"><span property="ratingValue">4</span>
      </span><span property="reviewBody">Sehr gut.</span>
    </div></body></html>"""
    got = {r.author: r for r in reviews_from_html(html, "http://x/")}
    assert got["Heinz"].rating == 2.0
    assert got["Heinz"].published_at == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert got["Heinz"].text == "Zu salzig."
    assert (got["Gabi"].rating, got["Gabi"].text) == (4.0, "Sehr gut.")


def test_rating_scales_and_times() -> None:
    assert stars(1.0, best=1.0, worst=6.0) == 5.0  # Jameda-style grade 1 is best
    assert stars(6.0, best=1.0, worst=6.0) == 0.0
    assert stars(8.0, best=10.0, worst=1.0) == 4.0
    assert stars(3.0) == 3.0
    assert parse_time("2025-10-30T17:52:54.942473320Z") == datetime(
        2025, 10, 30, 17, 52, 54, 942473, tzinfo=UTC
    )
    assert parse_time("2016-01-07T22:58:51+01:00") == datetime(2016, 1, 7, 21, 58, 51, tzinfo=UTC)
    assert parse_time("kaputt") is None


def test_date_only_is_noon_utc_so_the_day_holds_in_every_zone() -> None:
    for value in ("2026-11-02", "02.11.2026", "2.11.2026"):
        assert parse_time(value) == datetime(2026, 11, 2, 12, tzinfo=UTC)
    noon = parse_time("2026-11-02")
    assert noon is not None
    for zone in ("America/Los_Angeles", "Pacific/Pago_Pago", "Europe/Berlin", "Asia/Tokyo"):
        assert noon.astimezone(ZoneInfo(zone)).date() == date(2026, 11, 2)
    assert parse_time("2026-11-02T00:30:00") == datetime(2026, 11, 2, 0, 30, tzinfo=UTC)


def test_clamp_stars() -> None:
    assert [clamp_stars(v) for v in (8.0, 5.0, 3.5, 0.0, -1.0, None, float("nan"))] == [
        5.0, 5.0, 3.5, 0.0, 0.0, None, None,
    ]  # fmt: skip


def test_demo_pages_parse_like_the_real_platform(tmp_path: Path) -> None:
    site = DemoSite(tmp_path)
    html = (tmp_path / "review/baeckerei-beispiel.de/index.html").read_text("utf-8")
    first, next_url = parse_page(html, "http://127.0.0.1/review/baeckerei-beispiel.de")
    assert next_url == "http://127.0.0.1/review/baeckerei-beispiel.de?page=2"
    newest = sorted(site.reviews, key=lambda r: r.published, reverse=True)[:6]
    assert [r.platform_id for r in first] == [r.id for r in newest]
    schema = (tmp_path / "bewertungen/index.html").read_text("utf-8")
    on_shop = reviews_from_html(schema, "http://127.0.0.1/bewertungen/")
    assert [r.platform_id for r in on_shop] == [r.id for r in newest]
    assert [r.reply for r in on_shop] == [r.reply for r in first]
    assert len(site.reviews) == 12
    assert {r.rating for r in site.reviews} >= {1, 2, 3, 4, 5}


def test_jsonld_graph_references_entities_and_markup_resolved() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Person", "@id": "#p1", "name": "Jörg"},
            {
                "@type": "Review",
                "@id": "https://example.test/r/77",
                "author": {"@id": "#p1"},
                "reviewBody": "Gut &amp; günstig.<br/>Gerne wieder.",
                "reviewRating": [{"@type": "Rating", "ratingValue": "4,5"}],
                "datePublished": "03.11.2026",
            },
        ],
    }
    html = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    (review,) = reviews_from_html(html, "https://example.test/bewertungen")
    assert (review.platform_id, review.author, review.rating) == ("77", "Jörg", 4.5)
    assert review.text == "Gut & günstig.\nGerne wieder."
    assert review.published_at == datetime(2026, 11, 3, 12, tzinfo=UTC)


def test_real_trustpilot_fallback_is_no_edit(shared_dir: Path) -> None:
    """The real page without `__NEXT_DATA__`: line breaks gone, no replies, no links."""
    html = (shared_dir / "fixtures/trustpilot/eventnet_de_page1.html").read_text("utf-8")
    without_next_data = re.sub(r'<script[^>]*id="__NEXT_DATA__".*?</script>', "", html, flags=re.S)
    primary, _, full = read_page(html, TP_URL)
    fallback, _, partial = read_page(without_next_data, TP_URL)
    assert (full, partial) == (True, False)
    assert sum(a.text != b.text for a, b in zip(primary, fallback, strict=True)) >= 4
    assert [content_hash(r) for r in fallback] == [content_hash(r) for r in primary]


def test_cleaning_keeps_text_and_removes_controls_and_overrides() -> None:
    item = ReviewData(
        platform_id="a\x00b",
        author="\u202eAnna\u202c",
        rating=1.0,
        rating_raw=1.0,
        rating_scale="1-5",
        title="\u2066Titel\u2069\x1b[31m",
        text="Zeile 1\r\nZeile\t2\x00\x7f",
        language="de",
        published_at=None,
        reply="Danke\x08",
    )
    got = clean_review(item)
    assert (got.platform_id, got.author, got.title) == ("ab", "Anna", "Titel[31m")
    assert (got.text, got.reply) == ("Zeile 1\nZeile\t2", "Danke")
    assert clean_review(got) is got
    assert clean_text("!tug rhes \u202e") == "!tug rhes \u202e"  # text keeps bidi (alerts clean)


def test_written_dates_german_and_english() -> None:
    noon = datetime(2011, 10, 24, 12, tzinfo=UTC)
    for written in ("October 24, 2011", "24. Oktober 2011", "Montag, 24. Okt. 2011"):
        assert parse_time(written) == noon, written
    assert parse_time("24.10.2011 14:05 Uhr") == datetime(2011, 10, 24, 14, 5, tzinfo=UTC)
    assert parse_time("Mon, 24 Oct 2011 14:05:00 +0200") == datetime(
        2011, 10, 24, 12, 5, tzinfo=UTC
    )
    assert parse_time("3. März 2024") == datetime(2024, 3, 3, 12, tzinfo=UTC)
    for unreadable in ("vor 3 Tagen", "5", "gestern", "Oktober"):
        assert parse_time(unreadable) is None, unreadable


def test_scales_and_order_helpers() -> None:
    assert on_scale(1.0, "grade") == (5.0, "6-1") and on_scale(6.0, "grade") == (0.0, "6-1")
    assert on_scale(7.0, "points10") == (3.5, "0-10")
    assert on_scale(80.0, "percent") == (4.0, "0-100")
    assert on_scale(4.0, "stars") == (4.0, "1-5")
    day = datetime(2026, 11, 1, tzinfo=UTC)
    dated = [_dated(day.replace(day=d)) for d in (5, 5, 3)]
    assert dates_descending(dated) and dates_descending([*dated, _dated(None)])
    assert not dates_descending([*dated, _dated(day.replace(day=4))])


def _dated(when: datetime | None) -> ReviewData:
    return ReviewData("", "", None, None, None, "", "", None, when)


def test_deeply_nested_json_ld_block_is_skipped_alone() -> None:
    deep = "[" * 1100 + "]" * 1100
    review = {
        "@type": "Review",
        "@id": "r1",
        "reviewBody": "Gut.",
        "reviewRating": {"ratingValue": 4},
    }
    html = (
        f'<script type="application/ld+json">{deep}</script>'
        f'<script type="application/ld+json">{json.dumps(review)}</script>'
    )
    assert [r.platform_id for r in reviews_from_html(html, "https://x.test/")] == ["r1"]
    assert lenient_json("[" * 70 + "]" * 70) is None  # deeper than 64: dropped


def test_original_rating_beside_the_stars() -> None:
    grade, label = 1.3, on_scale(1.3, "grade")[1]
    assert original_rating(grade, label) == "Note 1,3"
    assert original_rating(grade, label, "en") == "grade 1.3"
    assert original_rating(8.0, on_scale(8.0, "points10")[1]) == "8/10"
    assert original_rating(85.0, on_scale(85.0, "percent")[1]) == "85 %"
    assert original_rating(4.0, "1-5") is None and original_rating(None, "6-1") is None
