"""Filtering the review list by topic and tone, topic chips on a review, the `review_topic`
index kept in step with `Review.topics` and backfilled by its migration — on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage import migrate
from storage.dashboard import ReviewFilter, review_page
from storage.db import init_schema, make_engine, session_scope
from storage.models import Review, ReviewTopic, Source
from storage.reviews import set_topics, upsert_reviews
from tests.factories import make_business_and_source, make_review_data
from tests.test_web import Site, site  # noqa: F401  (the fixture)
from tests.web_support import OWNER_A


def _tag(review_id: int, *pairs: tuple[str, str], engine: Engine) -> None:
    with session_scope(engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        set_topics(session, review, [{"topic": t, "polarity": p, "quote": "…"} for t, p in pairs])


def _tag_seeded(where: Site) -> tuple[int, int]:
    good, bad = where.review("Bäckerei A", "good"), where.review("Bäckerei A", "bad")
    _tag(good, ("Wartezeit", "positive"), ("Qualität", "positive"), engine=where.engine)
    _tag(bad, ("Wartezeit", "negative"), ("Freundlichkeit", "negative"), engine=where.engine)
    other = where.review("Zahnarzt B", "b1")
    _tag(other, ("Wartezeit", "negative"), engine=where.engine)
    return good, bad


def test_the_review_list_filters_by_topic_and_tone(site: Site) -> None:  # noqa: F811
    good, bad = _tag_seeded(site)
    site.sign_in(OWNER_A)
    business = site.ids["Bäckerei A"]
    other = site.review("Zahnarzt B", "b1")

    def listed(query: str) -> set[int]:
        page = site.client.get(f"/b/{business}/reviews?{query}").text
        return {i for i in (good, bad, other) if f'/r/{i}"' in page}

    assert listed("topic=Wartezeit") == {good, bad}  # never the other business's
    assert listed("topic=Wartezeit&topic_polarity=negative") == {bad}
    assert listed("topic_polarity=positive") == {good}
    assert listed("topic=Qualit%C3%A4t") == {good}
    assert listed("topic=Sauberkeit") == set()
    assert listed("topic=Bogus&topic_polarity=evil") == {good, bad}  # unreadable: any
    page = site.client.get(f"/b/{business}/reviews?topic=Freundlichkeit").text
    assert "1 Bewertungen" in page and '<option value="Freundlichkeit" selected>' in page
    export = site.client.get(f"/b/{business}/reviews.csv?topic=Freundlichkeit").text
    assert export.count("\n") == 2  # the header and the one review


def test_the_review_page_shows_topic_chips_linking_to_the_list(site: Site) -> None:  # noqa: F811
    _, bad = _tag_seeded(site)
    site.sign_in(OWNER_A)
    page = site.client.get(f"/r/{bad}").text
    business = site.ids["Bäckerei A"]
    assert "Themen:" in page
    assert (
        f'<a class="chip negative" href="/b/{business}/reviews?topic=Wartezeit&amp;'
        'topic_polarity=negative"'
    ) in page
    assert ">Wartezeit · negativ</a>" in page and ">Freundlichkeit · negativ</a>" in page
    good = site.review("Bäckerei A", "formula")
    assert "Themen:" not in site.client.get(f"/r/{good}").text  # not analysed: no chips


def _rows(engine: Engine) -> set[tuple[int, str, str]]:
    with Session(engine) as session:
        found = session.exec(select(ReviewTopic)).all()
        return {(r.review_id, r.topic, r.polarity) for r in found}


def test_the_index_follows_set_topics_and_edits(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        business, source = make_business_and_source(session)
        upsert_reviews(session, source, [make_review_data(platform_id="r1")])
        review = session.exec(select(Review)).one()
        assert review.id is not None and business.id is not None
        review_id, business_id = review.id, business.id
    _tag(review_id, ("Preis", "negative"), ("Preis", "positive"), engine=any_engine)
    assert _rows(any_engine) == {(review_id, "Preis", "negative")}  # one row per topic
    _tag(review_id, ("Lage", "neutral"), engine=any_engine)
    assert _rows(any_engine) == {(review_id, "Lage", "neutral")}
    with session_scope(any_engine) as session:
        source = session.exec(select(Source)).one()
        upsert_reviews(session, source, [make_review_data(platform_id="r1", text="Neu.")])
    assert _rows(any_engine) == set()  # an edit clears them until it is classified again
    with Session(any_engine) as session:
        f = ReviewFilter(topic="Lage")
        assert review_page(session, business_id, f, offset=0, limit=5)[1] == 0


def test_the_migration_backfills_from_review_topics(any_engine: Engine) -> None:
    """A database at the revision before: its analysed reviews get their rows on upgrade."""
    url = any_engine.url.render_as_string(hide_password=False)
    any_engine.dispose()
    with any_engine.begin() as conn:
        conn.execute(text("DROP TABLE review_topic"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0011_alert_pause'"))
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, source = make_business_and_source(session)
        items = [make_review_data(platform_id=p) for p in ("a", "b", "c")]
        upsert_reviews(session, source, items)
        reviews = {r.platform_id: r for r in session.exec(select(Review))}
        reviews["a"].topics = [
            {"topic": "Wartezeit", "polarity": "negative", "quote": "q"},
            {"topic": "Wartezeit", "polarity": "positive", "quote": "q"},
            {"topic": "Preis", "polarity": "positive", "quote": "q"},
        ]
        reviews["b"].topics = []
        ids = {k: r.id for k, r in reviews.items()}
    init_schema(engine)  # the upgrade every start runs
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _rows(engine) == {(ids["a"], "Wartezeit", "negative"), (ids["a"], "Preis", "positive")}
    with Session(engine) as session:
        query = select(ReviewTopic.review_id).where(col(ReviewTopic.topic) == "Preis")
        assert session.exec(query).all() == [ids["a"]]
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0011_alert_pause")
    engine.dispose()
