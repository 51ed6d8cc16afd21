"""Full-text search: whole words find the same reviews on SQLite (FTS5) and PostgreSQL
(`german`, stemmed); PostgreSQL also finds other forms of a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage import dashboard
from storage.db import init_schema, make_engine, session_scope
from storage.models import Review
from storage.reviews import upsert_reviews
from tests.factories import make_business_and_source, make_review_data

TEXTS = {
    "a": "Die Wartezeit war kurz und das Personal sehr freundlich.",
    "b": "Lange Wartezeiten, unfreundliche Bedienung.",
    "c": "Brötchen frisch, Kaffee gut. Wartezeit: keine!",
    "d": "Preis-Leistung stimmt, Sauberkeit top.",
}
WHOLE_WORDS = ["Wartezeit", "freundlich", "Brötchen", "Kaffee gut", "Sauberkeit", "Preis", "xyz"]


def _fill(engine: Engine) -> int:
    with session_scope(engine) as session:
        business, source = make_business_and_source(session)
        items = [make_review_data(platform_id=k, text=v, title="") for k, v in TEXTS.items()]
        upsert_reviews(session, source, items)
        assert business.id is not None
        return business.id


def _found(engine: Engine, business_id: int, query: str) -> set[str]:
    with session_scope(engine) as session:
        f = dashboard.ReviewFilter(query=query)
        rows, total = dashboard.review_page(session, business_id, f, offset=0, limit=50)
    assert total == len(rows)
    return {review.platform_id for review, _ in rows}


def test_whole_words_find_the_same_reviews_on_both_databases(tmp_path: Path, pg_url: str) -> None:
    sqlite, pg = make_engine(f"sqlite:///{tmp_path / 's.db'}"), make_engine(pg_url)
    found: dict[str, list[set[str]]] = {}
    for engine in (sqlite, pg):
        init_schema(engine)
        business_id = _fill(engine)
        for query in WHOLE_WORDS:
            found.setdefault(query, []).append(_found(engine, business_id, query))
    for query, (on_sqlite, on_pg) in found.items():
        assert on_sqlite - {"b"} == on_pg - {"b"}, query
    assert found["Wartezeit"][0] == {"a", "c"}
    assert found["Wartezeit"][1] == {"a", "b", "c"}  # stemmed: "Wartezeiten" too
    assert found["Kaffee gut"][0] == {"c"} and found["xyz"] == [set(), set()]
    sqlite.dispose()
    pg.dispose()


def test_search_follows_edits_and_ignores_query_syntax(any_engine: Engine) -> None:
    business_id = _fill(any_engine)
    assert _found(any_engine, business_id, '"Kaffee*') == {"c"}
    assert _found(any_engine, business_id, "Kaffee OR Sauberkeit") == set()  # OR is a word
    assert _found(any_engine, business_id, "   ") == {"a", "b", "c", "d"}
    with session_scope(any_engine) as session:
        review = session.exec(select(Review).where(Review.platform_id == "d")).one()
        review.text = "Jetzt mit Kaffee."
        session.add(review)
    assert _found(any_engine, business_id, "Kaffee") == {"c", "d"}
    assert _found(any_engine, business_id, "Sauberkeit") == set()


@pytest.mark.parametrize("query", ["Wartezeit", "freundlich"])
def test_search_combines_with_filters(any_engine: Engine, query: str) -> None:
    business_id = _fill(any_engine)
    with session_scope(any_engine) as session:
        f = dashboard.ReviewFilter(query=query, handled=False, stars_max=5)
        rows, total = dashboard.review_page(session, business_id, f, offset=0, limit=1)
    assert total >= 1 and len(rows) == 1
