"""Competitors: a business row may be a competitor of another (and carry its display name).

Added with ALTER TABLE, not a batch copy: SQLite cannot copy `business` while other tables'
foreign keys point at it, and ADD COLUMN … REFERENCES is allowed for a NULL default.

Revision ID: 0010_competitors
Revises: 0009_bursts
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_competitors"
down_revision = "0009_bursts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # alembic renders no inline REFERENCES there
        op.execute(
            "ALTER TABLE business ADD COLUMN competitor_of_id INTEGER REFERENCES business (id)"
        )
    else:
        op.add_column(
            "business",
            sa.Column(
                "competitor_of_id", sa.Integer(), sa.ForeignKey("business.id"), nullable=True
            ),
        )
    op.add_column("business", sa.Column("label", sa.String(), nullable=True))
    op.create_index("ix_business_competitor_of_id", "business", ["competitor_of_id"])


def downgrade() -> None:
    op.drop_index("ix_business_competitor_of_id", table_name="business")
    with op.batch_alter_table("business") as batch:
        batch.drop_column("label")
        batch.drop_column("competitor_of_id")
