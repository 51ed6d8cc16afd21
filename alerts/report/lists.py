"""The short lists of a report: critical reviews, unanswered reviews, failing sources.

Only these are fetched as rows, at most a handful each, with long texts cut by the database.
A review's date is its publication date, or the first-seen date when the platform gives none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from alerts.message import body_text, safe_url
from alerts.report.model import (
    NAME_LIMIT,
    NEGATIVE_LIMIT,
    SHORT_TEXT_LIMIT,
    TEXT_LIMIT,
    UNANSWERED_DAYS,
    UNANSWERED_LIMIT,
    CrawlProblem,
    ReplyCheck,
    ReviewLine,
    SourceAlarm,
)
from alerts.report.sources import SourceState
from alerts.rules import RuleHit, evaluate, severity
from alerts.settings import AlertRules
from storage.models import CrawlRun, CrawlStatus, Review, Source

_FAILED = (CrawlStatus.FAILED.value, CrawlStatus.TIMEOUT.value)


def review_date() -> ColumnElement[Any]:
    """When a review counts: published, or first seen when the platform shows no date."""
    return func.coalesce(col(Review.published_at), col(Review.first_seen_at))


def in_range(business_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    when = review_date()
    return and_(col(Review.business_id) == business_id, when >= start, when < end)


def _is_unanswered() -> ColumnElement[bool]:
    reply = col(Review.reply_text)
    return or_(reply.is_(None), func.trim(reply) == "")


def _review_lines(
    conn: Connection,
    where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int,
    text_limit: int,
    sources: Mapping[int, SourceState],
) -> tuple[tuple[ReviewLine, ...], int]:
    """At most `limit` reviews plus the total matching; texts cut in SQL already."""
    total = conn.execute(select(func.count()).select_from(Review).where(where)).scalar_one()
    query = (
        select(
            func.substr(col(Review.author), 1, NAME_LIMIT).label("author"),
            col(Review.rating),
            review_date().label("when"),
            func.substr(col(Review.title), 1, NAME_LIMIT).label("title"),
            func.substr(col(Review.text), 1, 2 * text_limit).label("text"),
            col(Review.url),
            col(Review.sentiment_label),
            col(Review.source_id),
            col(Review.id),
        )
        .where(where)
        .order_by(*order)
        .limit(limit)
    )
    lines = tuple(_line(row, text_limit, sources[row.source_id]) for row in conn.execute(query))
    return lines, int(total)


def _clip(value: str | None) -> str:
    text = " ".join(body_text(value or "").split())
    return text if len(text) < NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _line(row: Any, text_limit: int, source: SourceState) -> ReviewLine:
    text = " ".join(body_text(str(row.text or "")).split())
    shortened = len(text) > text_limit
    if shortened:
        text = text[:text_limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"
    return ReviewLine(
        author=_clip(row.author),
        rating=row.rating,
        when=row.when,
        title=_clip(row.title),
        text=text,
        shortened=shortened,
        url=safe_url(row.url),
        source_name=source.name,
        source_type=source.source_type,
        sentiment=row.sentiment_label,
        display_name=source.display_name,
        review_id=row.id,
    )


def crawl_problems(
    conn: Connection,
    business_id: int,
    start: datetime,
    end: datetime,
    sources: Mapping[int, SourceState],
) -> tuple[CrawlProblem, ...]:
    """Sources with failed runs this week that work again (those down now are alarms)."""
    run_counts: dict[int, tuple[int, int]] = {}
    last_error: dict[int, str | None] = {}
    runs = conn.execute(
        select(col(CrawlRun.source_id), col(CrawlRun.status), col(CrawlRun.error))
        .join(Source, col(Source.id) == col(CrawlRun.source_id))
        .where(
            col(Source.business_id) == business_id,
            col(CrawlRun.started_at) >= start,
            col(CrawlRun.started_at) < end,
        )
        .order_by(col(CrawlRun.started_at))
    )
    for run in runs:
        failed, total = run_counts.get(run.source_id, (0, 0))
        is_failed = run.status in _FAILED
        run_counts[run.source_id] = (failed + is_failed, total + 1)
        if is_failed:
            last_error[run.source_id] = run.error
    problems = []
    for s in sources.values():
        failed, total = run_counts.get(s.id, (0, 0))
        if failed and not s.down:
            error = last_error.get(s.id) or s.last_error
            problems.append(
                CrawlProblem(
                    s.name, s.source_type, failed, total, error, s.failing_since, s.display_name
                )
            )
    return tuple(problems)


def source_alarms(sources: Mapping[int, SourceState]) -> tuple[SourceAlarm, ...]:
    """Enabled sources delivering nothing now, longest down first."""
    down = sorted((s for s in sources.values() if s.down), key=lambda s: s.failing_since or 0)
    return tuple(
        SourceAlarm(s.display_name, s.failing_since, s.never_worked, s.last_error)
        for s in down
        if s.failing_since is not None
    )


def _critical_ids(
    conn: Connection, business_id: int, start: datetime, end: datetime, rules: AlertRules
) -> dict[int, tuple[str, ...]]:
    """The week's critical reviews by `severity`, the rule the alerts use, with the reasons.

    Keywords cannot be matched in SQL, so the week's texts are read; one business's week
    is a few hundred reviews at most.
    """
    rows = conn.execute(
        select(
            col(Review.id),
            col(Review.rating),
            col(Review.title),
            col(Review.text),
            col(Review.sentiment_label),
            col(Review.sentiment_probs),
        ).where(in_range(business_id, start, end))
    )
    reasons = {}
    for row in rows:
        hits = evaluate(row, rules)
        if severity(row, hits) == "critical":
            reasons[row.id] = tuple(_reason(hit) for hit in hits if hit.rule != "stars")
    return reasons


def _reason(hit: RuleHit) -> str:
    """'negative' or 'keyword:Hygiene': why a review is critical, beyond its stars."""
    return f"keyword:{hit.keyword}" if hit.rule == "keyword" else hit.rule


def critical_reviews(
    conn: Connection,
    business_id: int,
    start: datetime,
    end: datetime,
    rules: AlertRules,
    sources: Mapping[int, SourceState],
) -> tuple[tuple[ReviewLine, ...], int]:
    """The week's critical reviews, worst first (unrated ones after the rated)."""
    reasons = _critical_ids(conn, business_id, start, end, rules)
    lines, total = _review_lines(
        conn,
        col(Review.id).in_(list(reasons)),
        (func.coalesce(col(Review.rating), 6.0), review_date().desc(), col(Review.id)),
        NEGATIVE_LIMIT,
        TEXT_LIMIT,
        sources,
    )
    return tuple(replace(line, reasons=reasons[line.review_id]) for line in lines), total


def unanswered_reviews(
    conn: Connection, business_id: int, end: datetime, sources: Mapping[int, SourceState]
) -> tuple[tuple[ReviewLine, ...], int, ReplyCheck]:
    """Recent reviews the owner has not replied to yet, newest first.

    Only sources that show replies are asked: elsewhere every review would look unanswered.
    """
    seeing = [s.id for s in sources.values() if s.sees_replies]
    recent = and_(
        in_range(business_id, end - timedelta(days=UNANSWERED_DAYS), end),
        col(Review.source_id).in_(seeing),
    )
    checked = conn.execute(select(func.count()).select_from(Review).where(recent)).scalar_one()
    blind = tuple(
        (s.source_type, s.display_name)
        for s in sources.values()
        if s.enabled and not s.sees_replies
    )
    lines, total = _review_lines(
        conn,
        and_(recent, _is_unanswered()),
        (review_date().desc(), col(Review.id)),
        UNANSWERED_LIMIT,
        SHORT_TEXT_LIMIT,
        sources,
    )
    return lines, total, ReplyCheck(int(checked), blind)
