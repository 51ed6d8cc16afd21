"""Full-text search over reviews: SQLite FTS5 (no stemming) and PostgreSQL `german` (stems).

Whole words find the same reviews on both; PostgreSQL also finds other forms of a word
("Wartezeiten" for "Wartezeit"). The index lives outside the models (a virtual table and
triggers on SQLite, an expression index on PostgreSQL), so `install` runs after
`create_all` and in the migration that introduced it; a later migration that recreates the
`review` table must call it again.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Connection, and_, text
from sqlmodel import col

from storage.models import Review

FTS_TABLE = "review_fts"
PG_INDEX = "ix_review_fulltext"
_PG_DOCUMENT = "coalesce(title, '') || ' ' || coalesce(text, '') || ' ' || coalesce(author, '')"
_WORD = re.compile(r"\w+")

_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, text, author,"
    " content='review', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON review BEGIN"
    f" INSERT INTO {FTS_TABLE}(rowid, title, text, author)"
    " VALUES (new.id, new.title, new.text, new.author); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON review BEGIN"
    f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text, author)"
    " VALUES ('delete', old.id, old.title, old.text, old.author); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF title, text, author"
    f" ON review BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text, author)"
    " VALUES ('delete', old.id, old.title, old.text, old.author);"
    f" INSERT INTO {FTS_TABLE}(rowid, title, text, author)"
    " VALUES (new.id, new.title, new.text, new.author); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]


def install(conn: Connection) -> None:
    """Create the search index (idempotent) and fill it from the stored reviews."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
    else:
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON review"
            f" USING gin (to_tsvector('german', {_PG_DOCUMENT}))"
        )


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for suffix in ("_ai", "_ad", "_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}{suffix}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def words(query: str) -> list[str]:
    """The whole words of a search box entry; operators and quotes are not syntax here."""
    return _WORD.findall(query)[:12]


def matches(query: str, dialect: str) -> ColumnElement[bool] | None:
    """A WHERE clause for reviews containing every word of `query`; None for no words."""
    found = words(query)
    if not found:
        return None
    if dialect == "sqlite":
        phrase = " ".join(f'"{w}"' for w in found)
        return col(Review.id).in_(
            text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts").bindparams(
                fts=phrase
            )
        )
    return and_(
        text(
            f"to_tsvector('german', {_PG_DOCUMENT}) @@ plainto_tsquery('german', :fts)"
        ).bindparams(fts=" ".join(found))
    )


def is_index_object(name: str | None) -> bool:
    """True for the search index's own tables and indexes (not part of the models)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == PG_INDEX)
