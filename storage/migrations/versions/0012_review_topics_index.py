"""`review_topic`: each review's topics as rows, indexed, so the dashboard can filter by topic.

Backfilled from `review.topics` (the JSON the classify step writes), which stays the source.

Revision ID: 0012_review_topics_index
Revises: 0011_alert_pause
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_review_topics_index"
down_revision = "0011_alert_pause"
branch_labels = None
depends_on = None

_REVIEW = sa.table("review", sa.column("id", sa.Integer), sa.column("topics", sa.JSON))
_BATCH = 1000


def upgrade() -> None:
    table = op.create_table(
        "review_topic",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("review_id", "topic"),
    )
    op.create_index(
        "ix_review_topic_topic_polarity", "review_topic", ["topic", "polarity"], unique=False
    )
    assert table is not None
    _backfill(op.get_bind(), table)


def _backfill(conn: sa.Connection, table: sa.Table) -> None:
    """Copy every analysed review's topics, a batch of reviews at a time."""
    after = 0
    while True:
        query = (
            sa.select(_REVIEW.c.id, _REVIEW.c.topics)
            .where(_REVIEW.c.topics.is_not(None), _REVIEW.c.id > after)
            .order_by(_REVIEW.c.id)
            .limit(_BATCH)
        )
        found = conn.execute(query).all()
        if not found:
            return
        rows = [row for review_id, topics in found for row in _rows(review_id, topics)]
        if rows:
            conn.execute(table.insert(), rows)
        after = found[-1][0]


def _rows(review_id: int, topics: object) -> list[dict[str, object]]:
    seen: dict[str, dict[str, object]] = {}
    for item in topics if isinstance(topics, list) else []:
        if not isinstance(item, dict):
            continue
        topic, polarity = str(item.get("topic", ""))[:64], str(item.get("polarity", ""))[:16]
        if topic and topic not in seen:
            seen[topic] = {"review_id": review_id, "topic": topic, "polarity": polarity}
    return list(seen.values())


def downgrade() -> None:
    op.drop_index("ix_review_topic_topic_polarity", table_name="review_topic")
    op.drop_table("review_topic")
