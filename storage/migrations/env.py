"""Alembic environment: always run on the connection `storage.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from storage import models, search  # noqa: F401  (models registers the tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=lambda name, _type, _parents: not search.is_index_object(name),
)
with context.begin_transaction():
    context.run_migrations()
