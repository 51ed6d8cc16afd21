"""Alembic revisions of the schema; `storage.migrate` runs them (no alembic.ini needed)."""
