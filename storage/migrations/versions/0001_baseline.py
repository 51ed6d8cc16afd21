"""Baseline: the schema of Leumund 0.1.0, as its create_all wrote it.

Databases created before migrations existed have these tables and no `alembic_version`;
`storage.migrate` stamps them with this revision before upgrading.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "business",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_business_name"), "business", ["name"], unique=True)
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("first_crawl_at", TS, nullable=True),
        sa.Column("last_success_at", TS, nullable=True),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", TS, nullable=True),
        sa.Column("broken_notified", sa.Boolean(), nullable=False),
        sa.Column("reviews_seen_ever", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["business.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_id", "name"),
    )
    op.create_index(op.f("ix_source_business_id"), "source", ["business_id"], unique=False)
    op.create_table(
        "crawlrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("reviews_seen", sa.Integer(), nullable=False),
        sa.Column("reviews_new", sa.Integer(), nullable=False),
        sa.Column("reviews_updated", sa.Integer(), nullable=False),
        sa.Column("http_errors", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_crawlrun_source_id"), "crawlrun", ["source_id"], unique=False)
    op.create_index(op.f("ix_crawlrun_started_at"), "crawlrun", ["started_at"], unique=False)
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.String(length=255), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("rating_raw", sa.Float(), nullable=True),
        sa.Column("rating_scale", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_at", TS, nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("backlog", sa.Boolean(), nullable=False),
        sa.Column("sentiment_label", sa.String(), nullable=True),
        sa.Column("sentiment_probs", sa.JSON(), nullable=True),
        sa.Column("sentiment_model", sa.String(), nullable=True),
        sa.Column("classified_at", TS, nullable=True),
        sa.Column("alert_checked_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["business.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "platform_id"),
    )
    op.create_index(
        op.f("ix_review_alert_checked_version"), "review", ["alert_checked_version"], unique=False
    )
    op.create_index(op.f("ix_review_business_id"), "review", ["business_id"], unique=False)
    op.create_index(op.f("ix_review_first_seen_at"), "review", ["first_seen_at"], unique=False)
    op.create_index(op.f("ix_review_published_at"), "review", ["published_at"], unique=False)
    op.create_index(op.f("ix_review_sentiment_label"), "review", ["sentiment_label"], unique=False)
    op.create_index(op.f("ix_review_source_id"), "review", ["source_id"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("send_after", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["business.id"],
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    op.create_index(
        op.f("ix_notification_business_id"), "notification", ["business_id"], unique=False
    )
    op.create_index(op.f("ix_notification_kind"), "notification", ["kind"], unique=False)
    op.create_index(op.f("ix_notification_review_id"), "notification", ["review_id"], unique=False)
    op.create_index(
        op.f("ix_notification_send_after"), "notification", ["send_after"], unique=False
    )
    op.create_index(op.f("ix_notification_status"), "notification", ["status"], unique=False)
    op.create_table(
        "reviewedit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("old_rating", sa.Float(), nullable=True),
        sa.Column("old_title", sa.String(), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_rating", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_reviewedit_review_id"), "reviewedit", ["review_id"], unique=False)


def downgrade() -> None:
    for table in ("reviewedit", "notification", "review", "crawlrun", "source", "business"):
        op.drop_table(table)
