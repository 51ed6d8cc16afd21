"""The topics of a review (Themen) with their polarity and a quote, found when classifying.

Revision ID: 0007_review_topics
Revises: 0006_installation
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_review_topics"
down_revision = "0006_installation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.drop_column("topics")
