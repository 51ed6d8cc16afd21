"""Crawl records say what a crawl skipped or could not read; sources remember their scale.

Revision ID: 0005_crawl_counts
Revises: 0004_replies_invite_kits
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_crawl_counts"
down_revision = "0004_replies_invite_kits"
branch_labels = None
depends_on = None

COUNTS = ("reviews_skipped", "duplicates", "dates_unread", "pages_dropped")


def upgrade() -> None:
    with op.batch_alter_table("crawlrun") as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("scale", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("scale")
    with op.batch_alter_table("crawlrun") as batch:
        batch.drop_column("notes")
        for name in reversed(COUNTS):
            batch.drop_column(name)
