"""Replies posted through Leumund (who, when, via) and when invite kits were made.

Revision ID: 0004_replies_invite_kits
Revises: 0003_dashboard
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_replies_invite_kits"
down_revision = "0003_dashboard"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ownerreply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replied_by", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        sa.Column("replied_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ownerreply_review_id"), "ownerreply", ["review_id"], unique=False)
    op.create_table(
        "invitekit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("review_url", sa.String(), nullable=False),
        sa.Column("made_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_invitekit_business_id"), "invitekit", ["business_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invitekit_business_id"), table_name="invitekit")
    op.drop_table("invitekit")
    op.drop_index(op.f("ix_ownerreply_review_id"), table_name="ownerreply")
    op.drop_table("ownerreply")
