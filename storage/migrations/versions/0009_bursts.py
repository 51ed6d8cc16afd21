"""Suspicious bursts of negative reviews, and which burst a review was reported in.

Revision ID: 0009_bursts
Revises: 0008_source_label
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_bursts"
down_revision = "0008_source_label"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
FK = "fk_review_burst_id_burst"


def upgrade() -> None:
    op.create_table(
        "burst",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_burst_business_id"), "burst", ["business_id"], unique=False)
    op.create_index(op.f("ix_burst_source_id"), "burst", ["source_id"], unique=False)
    op.create_index(op.f("ix_burst_started_at"), "burst", ["started_at"], unique=False)
    # No batch mode: on SQLite a copied `review` could not be dropped while other tables
    # refer to it, and a nullable column with an inline REFERENCES needs no copy there.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE review ADD COLUMN burst_id INTEGER REFERENCES burst (id)")
    else:
        op.add_column("review", sa.Column("burst_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "review", "burst", ["burst_id"], ["id"])
    op.create_index(op.f("ix_review_burst_id"), "review", ["burst_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_burst_id"), table_name="review")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a REFERENCES, nor copy `review` (others refer to
        # it): the column stays, always NULL once the table is gone.
        op.execute("UPDATE review SET burst_id = NULL")
    else:
        op.drop_constraint(FK, "review", type_="foreignkey")
        op.drop_column("review", "burst_id")
    op.drop_index(op.f("ix_burst_started_at"), table_name="burst")
    op.drop_index(op.f("ix_burst_source_id"), table_name="burst")
    op.drop_index(op.f("ix_burst_business_id"), table_name="burst")
    op.drop_table("burst")
