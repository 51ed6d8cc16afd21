"""The short lists of a report: critical reviews, unanswered reviews, failing sources.

Only these are fetched as rows, at most a handful each, with long texts cut by the database.
A review's date is its publication date, or the first-seen date when the platform gives none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from alerts.message import safe_url
from alerts.report.model import (
    NAME_LIMIT,
    NEGATIVE_LIMIT,
    SHORT_TEXT_LIMIT,
    TEXT_LIMIT,
    UNANSWERED_DAYS,
    UNANSWERED_LIMIT,
    CrawlProblem,
    ReviewLine,
)
from storage import review_lists
from storage.crawls import crawl_health
from storage.review_lists import ReviewExcerpt, ReviewList


def _clip(value: str | None) -> str:
    text = " ".join((value or "").split())
    return text if len(text) < NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _line(row: ReviewExcerpt, text_limit: int) -> ReviewLine:
    text = " ".join(str(row.text or "").split())
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
        source_name=row.source_name,
        source_type=row.source_type,
        sentiment=row.sentiment_label,
    )


def _lines(found: ReviewList, text_limit: int) -> tuple[tuple[ReviewLine, ...], int]:
    return tuple(_line(row, text_limit) for row in found.reviews), found.total


def crawl_problems(
    session: Session, business_id: int, start: datetime, end: datetime
) -> tuple[CrawlProblem, ...]:
    """Sources with failed runs this week, or still failing at the week's end."""
    problems = []
    for health in crawl_health(session, business_id, start, end):
        s, failed = health.source, health.failed_runs
        still_failing = s.enabled and s.failing_since is not None and s.failing_since < end
        if failed or still_failing:
            error = health.last_failure_error or s.last_error
            problems.append(
                CrawlProblem(s.name, s.type, failed, health.total_runs, error, s.failing_since)
            )
    return tuple(problems)


def critical_reviews(
    session: Session, business_id: int, start: datetime, end: datetime, star_threshold: float
) -> tuple[tuple[ReviewLine, ...], int]:
    """The week's critical reviews, worst first (unrated ones after the rated)."""
    found = review_lists.critical_reviews(
        session, business_id, start, end, star_threshold,
        limit=NEGATIVE_LIMIT, text_chars=2 * TEXT_LIMIT, name_chars=NAME_LIMIT,
    )  # fmt: skip
    return _lines(found, TEXT_LIMIT)


def unanswered_reviews(
    session: Session, business_id: int, end: datetime
) -> tuple[tuple[ReviewLine, ...], int]:
    """Recent reviews the owner has not replied to yet, newest first."""
    found = review_lists.unanswered_reviews(
        session, business_id, end - timedelta(days=UNANSWERED_DAYS), end,
        limit=UNANSWERED_LIMIT, text_chars=2 * SHORT_TEXT_LIMIT, name_chars=NAME_LIMIT,
    )  # fmt: skip
    return _lines(found, SHORT_TEXT_LIMIT)
