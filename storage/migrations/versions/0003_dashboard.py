"""Dashboard: users' settings, single-use links, sessions, "handled" marks and search.

Revision ID: 0003_dashboard
Revises: 0002_source_visibility
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage import search

revision = "0003_dashboard"
down_revision = "0002_source_visibility"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("handled_at", TS, nullable=True))
        batch.add_column(sa.Column("handled_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("handled_note", sa.Text(), nullable=True))
    op.create_table(
        "webuser",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("email"),
    )
    op.create_table(
        "webtoken",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_webtoken_email"), "webtoken", ["email"], unique=False)
    op.create_table(
        "websession",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_websession_email"), "websession", ["email"], unique=False)
    op.create_index(op.f("ix_websession_expires_at"), "websession", ["expires_at"], unique=False)
    search.install(op.get_bind())


def downgrade() -> None:
    search.uninstall(op.get_bind())
    op.drop_table("websession")
    op.drop_table("webtoken")
    op.drop_table("webuser")
    with op.batch_alter_table("review") as batch:
        batch.drop_column("handled_note")
        batch.drop_column("handled_by")
        batch.drop_column("handled_at")
