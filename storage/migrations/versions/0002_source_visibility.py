"""What a source's latest parse could see: owner replies and links to single reviews.

Revision ID: 0002_source_visibility
Revises: 0001_baseline
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_source_visibility"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("sees_replies", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("sees_links", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("sees_links")
        batch.drop_column("sees_replies")
