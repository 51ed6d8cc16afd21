"""Schema upgrades with Alembic: every start brings the database to the newest revision.

A new, empty database gets the tables from the models and is stamped with the newest
revision (fast; a test keeps the revisions and the models identical). A database written
before migrations existed (tables, no `alembic_version`) is stamped as the baseline first,
then upgraded like any other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage import models, search  # noqa: F401  (models registers the tables)

log = logging.getLogger(__name__)

BASELINE = "0001_baseline"
_LOCK_ID = 0x4C45554D  # "LEUM": one upgrade at a time per PostgreSQL database


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at `storage/migrations`, bound to `connection`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision; safe to call on every start."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        tables = set(inspect(conn).get_table_names())
        cfg = alembic_config(conn)
        if not tables - {"alembic_version"}:
            SQLModel.metadata.create_all(conn)
            search.install(conn)
            command.stamp(cfg, "head")
            return
        if "alembic_version" not in tables:
            log.info("database from before migrations: marking it as revision %s", BASELINE)
            command.stamp(cfg, BASELINE)
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(cfg, "head")
        if before != head_revision():
            log.info("database upgraded from revision %s to %s", before, head_revision())
