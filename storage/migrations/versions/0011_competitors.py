"""Competitors: a business row may be a competitor of another (and carry its display name).

Revision ID: 0011_competitors
Revises: 0008_source_label
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_competitors"
down_revision = "0008_source_label"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business") as batch:
        batch.add_column(sa.Column("competitor_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("label", sa.String(), nullable=True))
        batch.create_foreign_key(
            "fk_business_competitor_of_id_business", "business", ["competitor_of_id"], ["id"]
        )
        batch.create_index("ix_business_competitor_of_id", ["competitor_of_id"])


def downgrade() -> None:
    with op.batch_alter_table("business") as batch:
        batch.drop_index("ix_business_competitor_of_id")
        batch.drop_constraint("fk_business_competitor_of_id_business", type_="foreignkey")
        batch.drop_column("label")
        batch.drop_column("competitor_of_id")
