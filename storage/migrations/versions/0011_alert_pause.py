"""Paused alerts (List-Unsubscribe from a mail) and the business a mail link belongs to.

Revision ID: 0011_alert_pause
Revises: 0010_competitors
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_alert_pause"
down_revision = "0010_competitors"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_pause",
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("paused_at", TS, nullable=False),
        sa.Column("paused_via", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"]),
        sa.PrimaryKeyConstraint("business_id", "recipient"),
    )
    with op.batch_alter_table("webtoken") as batch:
        batch.add_column(sa.Column("business_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_webtoken_business_id_business", "business", ["business_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("webtoken") as batch:
        batch.drop_constraint("fk_webtoken_business_id_business", type_="foreignkey")
        batch.drop_column("business_id")
    op.drop_table("alert_pause")
