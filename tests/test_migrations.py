"""Schema upgrades: a database written by the previous release keeps its data (issue 14.6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from leumund.cli import main
from storage import migrate, search
from storage.db import init_schema, make_engine
from storage.models import Notification, Review, Source

OLD_SCHEMA = Path(__file__).parent / "data" / "schema_0_1_0.sqlite.sql"
T0 = "2026-11-20 09:30:00.000000"

# Rows as release 0.1.0 wrote them, including a notification in that release's payload format.
OLD_ROWS = [
    "INSERT INTO business (id, name, timezone, language, created_at)"
    f" VALUES (1, 'Bäckerei Beispiel', 'Europe/Berlin', 'de', '{T0}')",
    "INSERT INTO source (id, business_id, name, type, url, enabled, consecutive_failures,"
    " broken_notified, reviews_seen_ever, last_success_at)"
    f" VALUES (1, 1, 'trustpilot', 'trustpilot', 'https://x.test', true, 0, false, 1, '{T0}')",
    "INSERT INTO review (id, source_id, business_id, platform_id, author, rating, title, text,"
    " first_seen_at, content_hash, version, backlog, alert_checked_version, sentiment_probs)"
    " VALUES (1, 1, 1, 'r1', 'Anna', 1.0, 'Schlecht', 'Brötchen hart', "
    f"'{T0}', 'h', 1, false, 1, '{{\"negative\": 0.9}}')",
    "INSERT INTO crawlrun (id, source_id, started_at, status, pages, reviews_seen, reviews_new,"
    f" reviews_updated, http_errors) VALUES (1, 1, '{T0}', 'ok', 2, 1, 1, 0, 0)",
    "INSERT INTO reviewedit (id, review_id, changed_at, old_title, old_text)"
    f" VALUES (1, 1, '{T0}', 'Alt', 'Alter Text')",
    "INSERT INTO notification (id, kind, dedup_key, recipient, business_id, review_id, payload,"
    " message, digest, status, attempts, created_at, send_after)"
    " VALUES (1, 'alert', 'alert:1:inhaber@x.test', 'inhaber@x.test', 1, 1,"
    f" '{json.dumps({'review_id': 1, 'rules': ['stars']})}', 'Subject: x\n\nbody', false,"
    f" 'pending', 0, '{T0}', '{T0}')",
]


def _write_previous_release(engine: Engine) -> None:
    """Tables exactly as release 0.1.0 created them (no alembic_version), with data."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for statement in OLD_SCHEMA.read_text().split(";"):
                if statement.strip().strip("-").strip():
                    conn.exec_driver_sql(statement)
        else:
            command.upgrade(migrate.alembic_config(conn), migrate.BASELINE)
            conn.execute(text("DROP TABLE alembic_version"))
        for row in OLD_ROWS:
            conn.exec_driver_sql(row)


def _schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        options = {"include_name": lambda name, *_: not search.is_index_object(name)}
        context = MigrationContext.configure(conn, opts=options)
        return list(compare_metadata(context, SQLModel.metadata))


def test_previous_release_upgrades_with_data_intact(any_engine_url: str) -> None:
    engine = make_engine(any_engine_url)
    _write_previous_release(engine)
    init_schema(engine)
    init_schema(engine)  # a second start changes nothing
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_diff(engine) == []
    with Session(engine) as session:
        review = session.exec(select(Review)).one()
        assert (review.author, review.rating, review.text) == ("Anna", 1.0, "Brötchen hart")
        assert review.first_seen_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        assert review.sentiment_probs == {"negative": 0.9}
        source = session.exec(select(Source)).one()
        assert (source.name, source.sees_replies, source.sees_links) == ("trustpilot", None, None)
        note = session.exec(select(Notification)).one()
        assert note.payload == {"review_id": 1, "rules": ["stars"]}
        assert note.message == "Subject: x\n\nbody"
    engine.dispose()


def test_revisions_build_exactly_the_models(any_engine_url: str) -> None:
    """Running every revision from nothing gives the schema a new database gets."""
    engine = make_engine(any_engine_url)
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "head")
    assert _schema_diff(engine) == []
    engine.dispose()


def test_new_database_is_stamped_with_the_newest_revision(any_engine_url: str) -> None:
    engine = make_engine(any_engine_url)
    init_schema(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_diff(engine) == []
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no schema at all) on SQLite and, where it runs, PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_db_commands_upgrade_a_previous_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "leumund.db"
    engine = make_engine(f"sqlite:///{db}")
    _write_previous_release(engine)
    engine.dispose()
    config = tmp_path / "config.yaml"
    config.write_text(f"storage: {{url: 'sqlite:///{db}'}}\nbusinesses: []\n")
    assert main(["db", "current", "--config", str(config)]) == 1
    assert "needs `leumund db upgrade`" in capsys.readouterr().out
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert f"revision {migrate.head_revision()} (upgraded from none)" in capsys.readouterr().out
    assert main(["db", "current", "--config", str(config)]) == 0
