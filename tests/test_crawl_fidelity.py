"""Every review stored as the platform shows it, on SQLite and PostgreSQL (issue 15).

Each test crawls synthetic pages from tests/httpserver.py through the real child-process
crawl into a real database; the docstrings say which real page shape each one imitates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from leumund.cli import main
from leumund.config import Config
from leumund.jobs.alerts import decide_alerts
from leumund.jobs.crawl import crawl_source
from leumund.parts import build_parts
from storage.models import CrawlRun, Notification, Review, ReviewEdit, Source
from storage.registry import get_source
from tests.httpserver import LocalServer, Reply

BUSINESS = "Zahnarztpraxis Beispiel"
OWNER = "praxis@zahnarzt-beispiel.de"
CRAWLER = {"download_delay": 0, "download_timeout": 5, "retry_times": 0, "crawl_timeout": 60}


def node(
    rid: str,
    rating: float | str,
    body: str,
    date: str = "2026-11-20T10:00:00Z",
    author: str = "Kundin",
    **extra: Any,
) -> dict[str, Any]:
    """A schema.org Review as shops, practices and blogs put it into their JSON-LD."""
    return {
        "@type": "Review",
        "@id": rid,
        "author": {"@type": "Person", "name": author},
        "reviewRating": {"@type": "Rating", "ratingValue": rating},
        "reviewBody": body,
        "datePublished": date,
        **extra,
    }


def jsonld_page(nodes: list[dict[str, Any]], next_href: str = "", extra: str = "") -> str:
    data = {"@context": "https://schema.org", "@type": "Dentist", "name": BUSINESS}
    data["review"] = nodes  # type: ignore[assignment]
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    block = json.dumps(data, ensure_ascii=False)
    return (
        f'<html><head>{link}{extra}<script type="application/ld+json">{block}</script>'
        "</head><body><h1>Bewertungen</h1></body></html>"
    )


def config_for(tmp_path: Path, *sources: dict[str, Any], **crawler: Any) -> Config:
    return Config.model_validate(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'unused.db'}"},
            "crawler": {**CRAWLER, **crawler},
            "businesses": [{"name": BUSINESS, "owner_emails": [OWNER], "sources": list(sources)}],
        }
    ).bind(tmp_path, {})


def _web(url: str, **extra: Any) -> dict[str, Any]:
    return {"name": "web", "type": "schema_org", "url": url, **extra}


def crawl(engine: Engine, config: Config, name: str = "web") -> CrawlRun:
    business = config.businesses[0]
    return crawl_source(
        engine, config, business, next(s for s in business.sources if s.name == name)
    )


def stored(engine: Engine) -> list[Review]:
    with Session(engine) as s:
        return list(s.exec(select(Review).order_by(col(Review.id))))


def source_row(engine: Engine, name: str = "web") -> Source:
    with Session(engine) as s:
        row = get_source(s, BUSINESS, name)
    assert row is not None
    return row


def alerts_per_review(engine: Engine) -> dict[int | None, int]:
    with Session(engine) as s:
        rows = s.exec(select(Notification.review_id).where(Notification.kind == "alert"))
        counts: dict[int | None, int] = {}
        for review_id in rows:
            counts[review_id] = counts.get(review_id, 0) + 1
        return counts


LONG_ID = "https://shop.example/bewertungen/" + "x" * 300
HOSTILE = [
    node("r-nul", 1, "Schlecht\x00 und\x07 laut", author="Nul\x00Byte"),
    node(LONG_ID, 1, "Termin dreimal verschoben."),
    node("r-bidi", 1, "!tug rhes", author="\u202eAnna\u202c", name="\u2066Titel\u2069"),
    node("r-ok1", 5, "Sehr freundlich."),
    node("r-ok2", 4, "Gut beraten."),
]


def test_hostile_page_stores_every_review_and_alerts_each_bad_one_once(
    any_engine: Engine, tmp_path: Path
) -> None:
    """A shop's own review page with JSON-LD (like the real ones served in the issue):
    a NUL byte, a C0 bell, an @id of 333 characters and bidi overrides in a name."""
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=jsonld_page([node("r0", 5, "Alles gut.")])))
        config = config_for(tmp_path, _web(server.url("/bewertungen")))
        assert crawl(any_engine, config).status == "ok"  # the backlog: one summary, no alerts
        server.script(
            "/bewertungen", Reply(body=jsonld_page([*HOSTILE, node("r0", 5, "Alles gut.")]))
        )
        run = crawl(any_engine, config)
        for _ in range(2):
            decide_alerts(build_parts(config, engine=any_engine), datetime.now(UTC))
        again = crawl(any_engine, config)
        decide_alerts(build_parts(config, engine=any_engine), datetime.now(UTC))
    assert (run.status, run.pages, run.reviews_new, run.reviews_skipped) == ("ok", 1, 5, 0)
    assert (again.reviews_new, again.reviews_updated) == (0, 0)
    reviews = {r.platform_id: r for r in stored(any_engine)}
    assert reviews["r-nul"].text == "Schlecht und laut" and reviews["r-nul"].author == "NulByte"
    assert (reviews["r-bidi"].author, reviews["r-bidi"].title) == ("Anna", "Titel")
    long_key = next(k for k in reviews if k.startswith("l:"))
    assert len(long_key) == 66 and reviews[long_key].text == "Termin dreimal verschoben."
    bad = {reviews[k].id for k in ("r-nul", "r-bidi", long_key)}
    assert alerts_per_review(any_engine) == dict.fromkeys(bad, 1)


def test_a_review_the_database_refuses_is_skipped_and_counted(
    any_engine: Engine, tmp_path: Path
) -> None:
    """Any row the database still refuses (here a trigger, standing in for a constraint
    nobody foresaw) costs that review only: the crawl is ok and says '1 skipped: …'."""
    if any_engine.dialect.name == "sqlite":
        ddl = [
            "CREATE TRIGGER refuse BEFORE INSERT ON review WHEN NEW.author = 'Mallory'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    else:
        ddl = [
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.author = 'Mallory'"
            " THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF;"
            " RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON review FOR EACH ROW EXECUTE FUNCTION refuse()",
        ]
    with any_engine.begin() as conn:
        for statement in ddl:
            conn.execute(text(statement))
    page = jsonld_page(
        [node("a", 5, "Top."), node("m", 1, "Böse.", author="Mallory"), node("b", 4, "Gut.")]
    )
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=page))
        config = config_for(tmp_path, _web(server.url("/bewertungen")))
        run = crawl(any_engine, config)
    assert (run.status, run.pages, run.reviews_new, run.reviews_skipped) == ("ok", 1, 2, 1)
    assert run.notes is not None and run.notes.startswith("1 skipped: m: ")
    assert [r.platform_id for r in stored(any_engine)] == ["a", "b"]


def test_storing_that_fails_as_a_whole_keeps_the_pages_fetched(
    any_engine: Engine, tmp_path: Path
) -> None:
    """The database refuses the whole store (a trigger refusing an `ok` run record stands in
    for a lost connection): the run is failed, but says how many pages it fetched."""
    if any_engine.dialect.name == "sqlite":
        ddl = [
            "CREATE TRIGGER refuse_ok BEFORE UPDATE ON crawlrun WHEN NEW.status = 'ok'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    else:
        ddl = [
            "CREATE FUNCTION refuse_ok() RETURNS trigger AS $$ BEGIN IF NEW.status = 'ok'"
            " THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF;"
            " RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_ok BEFORE UPDATE ON crawlrun FOR EACH ROW"
            " EXECUTE FUNCTION refuse_ok()",
        ]
    with any_engine.begin() as conn:
        for statement in ddl:
            conn.execute(text(statement))
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=jsonld_page([node("a", 5, "Top.")])))
        run = crawl(any_engine, config_for(tmp_path, _web(server.url("/bewertungen"))))
    assert (run.status, run.pages) == ("failed", 1)
    assert run.error is not None and run.error.startswith("storing reviews failed:")


def test_long_raw_id_stored_by_an_older_sqlite_install_is_found(
    engine: Engine, tmp_path: Path
) -> None:
    """SQLite only: PostgreSQL never stored an id over 255 characters, SQLite did."""
    page = jsonld_page([node(LONG_ID, 1, "Termin dreimal verschoben.")])
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=page))
        config = config_for(tmp_path, _web(server.url("/bewertungen")))
        crawl(engine, config)
        with engine.begin() as conn:  # what the previous release stored
            conn.execute(
                text("UPDATE review SET platform_id = :raw"), {"raw": LONG_ID.rsplit("/", 1)[-1]}
            )
        run = crawl(engine, config)
    assert (run.reviews_new, run.reviews_updated) == (0, 0)
    assert len(stored(engine)) == 1


def test_deep_json_ld_costs_its_block_and_an_oversized_page_is_dropped_and_named(
    any_engine: Engine, tmp_path: Path
) -> None:
    """A page carrying a hostile JSON-LD block of 1,100 nested arrays next to the real one;
    then 2 MB pages against `max_page_mb: 1` (a 50 MB page cost 528 MB of memory), once
    announced by Content-Length and once streamed in chunks without it."""
    deep = '<script type="application/ld+json">' + "[" * 1100 + "]" * 1100 + "</script>"
    page = jsonld_page([node("a", 5, "Top."), node("b", 2, "Naja.")], extra=deep)
    huge = "<html>" + "x" * (2 * 1024 * 1024) + "</html>"
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=page))
        server.script("/gross", Reply(body=huge))
        server.script("/strom", Reply(body=huge, chunked=True))
        sources = [_web(server.url("/bewertungen"))]
        sources += [{**_web(server.url(p)), "name": p[1:]} for p in ("/gross", "/strom")]
        config = config_for(tmp_path, *sources, max_page_mb=1)
        run = crawl(any_engine, config)
        big, streamed = crawl(any_engine, config, "gross"), crawl(any_engine, config, "strom")
    assert (run.status, run.reviews_new) == ("ok", 2)
    for dropped, path in ((big, "/gross"), (streamed, "/strom")):
        assert (dropped.status, dropped.pages_dropped) == ("failed", 1)
        expected = (
            f"page larger than the 1 MB limit (crawler.max_page_mb), dropped: {server.url(path)}"
        )
        assert dropped.error == expected and dropped.notes == expected


def _unordered_pages(server: LocalServer, extra: list[dict[str, Any]]) -> None:
    """A blog's comment list or Yelp's default order: not by date, newest on page 2."""
    page1 = [
        node("c1", 5, "Eins.", "2026-10-01T10:00:00Z"),
        node("c2", 4, "Zwei.", "2026-11-15T10:00:00Z"),
        node("c3", 5, "Drei.", "2026-09-01T10:00:00Z"),
    ]
    page2 = [node("c4", 3, "Vier.", "2026-08-01T10:00:00Z"), *extra]
    server.script("/kommentare", Reply(body=jsonld_page(page1, next_href="/kommentare/2")))
    server.script("/kommentare/2", Reply(body=jsonld_page(page2)))


def test_unordered_list_finds_a_new_review_on_page_two(any_engine: Engine, tmp_path: Path) -> None:
    with LocalServer() as server:
        _unordered_pages(server, [])
        source = {
            "name": "web",
            "type": "schema_org",
            "url": server.url("/kommentare"),
            "max_pages": 3,
        }
        config = config_for(tmp_path, source)
        first = crawl(any_engine, config)
        _unordered_pages(server, [node("c5", 1, "Neu und schlecht.", "2026-12-01T10:00:00Z")])
        second = crawl(any_engine, config)
        trusted = config_for(tmp_path, {**source, "order": "newest_first"})
        _unordered_pages(server, [node("c6", 1, "Noch einer.", "2026-12-02T10:00:00Z")])
        stopped = crawl(any_engine, trusted)
    assert (first.pages, first.reviews_new) == (2, 4)  # max_pages 3, but only 2 pages
    assert (second.status, second.pages, second.reviews_new) == ("ok", 2, 1)
    assert second.notes == "reviews not listed newest first; read up to max_pages"
    assert (stopped.pages, stopped.reviews_new) == (1, 0)  # as the operator said: stop at known


def test_try_source_json_is_json_only_and_warns_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalServer() as server:
        _unordered_pages(server, [])
        code = main(
            ["try-source", "--type", "schema_org", "--url", server.url("/kommentare"), "--json"]
        )
    out, err = capsys.readouterr()
    assert code == 0
    assert [json.loads(line)["platform_id"] for line in out.splitlines()] == ["c1", "c2", "c3"]
    assert "warning: the dates on the page are not in descending order" in err
    assert "3 reviews on 1 page(s)" in err


def _trustpilot_page(with_next_data: bool) -> str:
    """Trustpilot's page: `__NEXT_DATA__` with replies and line breaks; its JSON-LD @graph
    repeats the reviews without replies, with the line breaks removed and no review links."""
    reviews = [
        {
            "id": f"tp{n}",
            "rating": 5 - n,
            "title": f"Titel {n}",
            "text": f"Erster Satz {n}.\nZweiter Satz.",
            "consumer": {"displayName": f"Kunde {n}"},
            "dates": {"publishedDate": f"2026-11-2{5 - n}T10:00:00.000Z"},
            "reply": {"message": f"Danke {n}!", "publishedDate": "2026-11-28T10:00:00.000Z"},
        }
        for n in range(3)
    ]
    graph = [
        node(f"tp{n}", 5 - n, f"Erster Satz {n}.Zweiter Satz.", f"2026-11-2{5 - n}T10:00:00Z",
             author=f"Kunde {n}", name=f"Titel {n}")
        for n in range(3)
    ]  # fmt: skip
    ld = json.dumps({"@context": "https://schema.org", "@graph": graph})
    props = {
        "props": {
            "pageProps": {
                "reviews": reviews,
                "filters": {"pagination": {"currentPage": 1, "totalPages": 1}},
            }
        }
    }
    next_data = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(props)}</script>'
    return (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body>'
        f"{next_data if with_next_data else ''}</body></html>"
    )


def test_parser_fallback_neither_edits_nor_erases_replies(
    any_engine: Engine, tmp_path: Path
) -> None:
    with LocalServer() as server:
        server.script("/review/praxis.de", Reply(body=_trustpilot_page(True)))
        config = config_for(
            tmp_path, {"name": "tp", "type": "trustpilot", "url": server.url("/review/praxis.de")}
        )
        full = crawl(any_engine, config, "tp")
        seen_full = source_row(any_engine, "tp")
        server.script("/review/praxis.de", Reply(body=_trustpilot_page(False)))
        fallback = crawl(any_engine, config, "tp")
    assert (full.reviews_new, fallback.status, fallback.reviews_updated) == (3, "ok", 0)
    assert (seen_full.sees_replies, seen_full.sees_links) == (True, True)
    after = source_row(any_engine, "tp")
    assert (after.sees_replies, after.sees_links) == (False, False)
    reviews = stored(any_engine)
    assert [r.reply_text for r in reviews] == ["Danke 0!", "Danke 1!", "Danke 2!"]
    assert all(r.url and r.url.endswith(f"/reviews/{r.platform_id}") for r in reviews)
    assert all(r.version == 1 and "\n" in r.text for r in reviews)
    with Session(any_engine) as s:
        assert s.exec(select(ReviewEdit)).all() == []


def test_grade_scale_and_a_quiet_change_of_scale(any_engine: Engine, tmp_path: Path) -> None:
    """A German doctors' portal: school grades 1.0–6.0 without bestRating/worstRating."""
    page = jsonld_page(
        [
            node("g1", "1,0", "Hervorragend."),
            node("g2", "1,3", "Sehr gut."),
            node("g3", "5,0", "Mangelhaft."),
        ]
    )
    with LocalServer() as server:
        server.script("/noten", Reply(body=page))
        base = _web(server.url("/noten"))
        graded = config_for(tmp_path, {**base, "scale": "grade"})
        crawl(any_engine, graded)
        as_grades = [(r.rating, r.rating_raw, r.rating_scale) for r in stored(any_engine)]
        server.script(
            "/noten", Reply(status=503, body="Wartung")
        )  # stored ratings re-normalise anyway
        crawl(any_engine, config_for(tmp_path, {**base, "scale": "points10"}))
        as_points = [(r.rating, r.version) for r in stored(any_engine)]
    assert as_grades == [(5.0, 1.0, "6-1"), (4.7, 1.3, "6-1"), (1.0, 5.0, "6-1")]
    assert as_points == [(0.5, 1), (0.65, 1), (2.5, 1)]
    assert source_row(any_engine).scale == "points10"
    with Session(any_engine) as s:
        assert s.exec(select(ReviewEdit)).all() == []


def test_try_source_scale_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LocalServer() as server:
        server.script("/noten", Reply(body=jsonld_page([node("g1", "1,3", "Sehr gut.")])))
        code = main(
            [
                "try-source",
                "--type",
                "schema_org",
                "--url",
                server.url("/noten"),
                "--json",
                "--scale",
                "grade",
            ]
        )
    row = json.loads(capsys.readouterr().out)
    assert code == 0 and (row["rating"], row["rating_raw"], row["rating_scale"]) == (
        4.7,
        1.3,
        "6-1",
    )


def test_trustedshops_product_reviewer_names(any_engine: Engine, tmp_path: Path) -> None:
    """Trusted Shops API v2 product reviews with `reviewer.profile`, as documented."""
    named = {"profile": {"firstname": "Erika", "lastname": "M."}}
    items = [
        {"UID": "u1", "mark": "5", "comment": "Prima", "creationDate": "2026-11-20T10:00:00+01:00",
         "reviewer": named},
        {"UID": "u2", "mark": "2", "comment": "Naja", "creationDate": "2026-11-19T10:00:00+01:00"},
    ]  # fmt: skip
    body = {"response": {"data": {"product": {"reviews": items}}}}
    with LocalServer() as server:
        server.script(
            "/reviews.json", Reply(body=json.dumps(body), content_type="application/json")
        )
        config = config_for(
            tmp_path, {"name": "ts", "type": "trustedshops", "url": server.url("/reviews.json")}
        )
        crawl(any_engine, config, "ts")
    assert [r.author for r in stored(any_engine)] == ["Erika M.", ""]
    row = source_row(any_engine, "ts")
    assert (row.sees_replies, row.sees_links) == (False, False)


def test_written_dates_are_read_and_unreadable_ones_counted(
    any_engine: Engine, tmp_path: Path
) -> None:
    """Dates as blogs, shop widgets and feeds write them (newest first, as such lists do)."""
    dates = [
        "24.10.2011 14:05",
        "Mon, 24 Oct 2011 14:05:00 +0200",
        "October 24, 2011",
        "24. Oktober 2011",
        "vor 3 Tagen",
    ]
    page = jsonld_page([node(f"d{n}", 5, f"Text {n}.", date) for n, date in enumerate(dates)])
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=page))
        config = config_for(tmp_path, _web(server.url("/bewertungen")))
        run = crawl(any_engine, config)
    day = datetime(2011, 10, 24, tzinfo=UTC)
    got = [r.published_at for r in stored(any_engine)]
    assert got == [
        day.replace(hour=h, minute=m) for h, m in ((14, 5), (12, 5), (12, 0), (12, 0))
    ] + [None]
    assert (run.status, run.dates_unread) == ("ok", 1)
    assert run.notes == "1 review(s) without a readable date; dated when first seen"
    with Session(any_engine) as s:
        undated = s.exec(select(Review).where(Review.platform_id == "d4")).one()
    assert undated.first_seen_at is not None  # shown as dated when first seen, as before


def test_two_reviews_with_one_id_keep_the_first(any_engine: Engine, tmp_path: Path) -> None:
    """A shop widget that lists a review twice under the same id, with two texts."""
    page = jsonld_page(
        [
            node("same", 5, "Erste Fassung."),
            node("same", 1, "Zweite Fassung."),
            node("other", 4, "Gut."),
        ]
    )
    with LocalServer() as server:
        server.script("/bewertungen", Reply(body=page))
        config = config_for(tmp_path, _web(server.url("/bewertungen")))
        runs = [crawl(any_engine, config) for _ in range(2)]
    assert [(r.reviews_new, r.reviews_updated, r.duplicates) for r in runs] == [
        (2, 0, 1),
        (0, 0, 1),
    ]
    same = next(r for r in stored(any_engine) if r.platform_id == "same")
    assert (same.text, same.version) == ("Erste Fassung.", 1)


def test_wrong_response_type_is_named(
    any_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Trusted Shops API URL given as a schema_org source, a shop page as trustedshops."""
    with LocalServer() as server:
        server.script(
            "/reviews.json", Reply(body='{"response": {}}', content_type="application/json")
        )
        server.script("/bewertungen", Reply(body=jsonld_page([node("a", 5, "Top.")])))
        config = config_for(
            tmp_path,
            _web(server.url("/reviews.json")),
            {"name": "ts", "type": "trustedshops", "url": server.url("/bewertungen")},
        )
        as_html, as_json = crawl(any_engine, config), crawl(any_engine, config, "ts")
        code = main(["try-source", "--type", "trustpilot", "--url", server.url("/reviews.json")])
    json_hint = "returned JSON, not an HTML page; did you mean type trustedshops?"
    html_hint = "returned an HTML page, not JSON; did you mean type schema_org or trustpilot?"
    assert as_html.error == f"{server.url('/reviews.json')} {json_hint}"
    assert as_json.error == f"{server.url('/bewertungen')} {html_hint}"
    assert code == 1
    assert json_hint in capsys.readouterr().err
