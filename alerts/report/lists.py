"""The short lists of a report: critical reviews, unanswered reviews, failing sources.

Only these are fetched as rows, at most a handful each, with long texts cut by the database.
A review's date is its publication date, or the first-seen date when the platform gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

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
from storage import review_lists
from storage.crawls import crawl_health
from storage.figures import rating_counts_per_source
from storage.review_lists import ReviewExcerpt, ReviewList


def _clip(value: str | None) -> str:
    text = " ".join(body_text(value or "").split())
    return text if len(text) < NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _line(row: ReviewExcerpt, text_limit: int, source: SourceState) -> ReviewLine:
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
        source_name=row.source_name,
        source_type=row.source_type,
        sentiment=row.sentiment_label,
        display_name=source.display_name,
        review_id=row.id,
    )


def _lines(
    found: ReviewList, text_limit: int, sources: Mapping[int, SourceState]
) -> tuple[tuple[ReviewLine, ...], int]:
    lines = tuple(_line(row, text_limit, sources[row.source_id]) for row in found.reviews)
    return lines, found.total


def crawl_problems(
    session: Session,
    business_id: int,
    start: datetime,
    end: datetime,
    sources: Mapping[int, SourceState],
) -> tuple[CrawlProblem, ...]:
    """Sources with failed runs this week that work again (those down now are alarms)."""
    problems = []
    for health in crawl_health(session, business_id, start, end):
        state = sources[health.source.id or 0]
        if health.failed_runs and not state.down:
            problems.append(
                CrawlProblem(
                    state.name, state.source_type, health.failed_runs, health.total_runs,
                    health.last_failure_error or state.last_error, state.failing_since,
                    state.display_name,
                )
            )  # fmt: skip
    return tuple(problems)


def source_alarms(sources: Mapping[int, SourceState]) -> tuple[SourceAlarm, ...]:
    """Enabled sources delivering nothing now, longest down first."""
    down = [s for s in sources.values() if s.down and s.failing_since is not None]
    down.sort(key=lambda s: (s.failing_since, s.name))
    return tuple(
        SourceAlarm(s.display_name, s.failing_since, s.never_worked, s.last_error)
        for s in down
        if s.failing_since is not None
    )


def _critical_reasons(
    session: Session, business_id: int, start: datetime, end: datetime, rules: AlertRules
) -> dict[int, tuple[str, ...]]:
    """The week's critical reviews by `severity`, the rule the alerts use, with the reasons.

    Keywords cannot be matched in SQL, so the week's reviews are read whole; one business's
    week is a few hundred reviews at most.
    """
    reasons = {}
    for review in review_lists.reviews_dated(session, business_id, start, end):
        hits = evaluate(review, rules)
        if review.id is not None and severity(review, hits) == "critical":
            reasons[review.id] = tuple(_reason(hit) for hit in hits if hit.rule != "stars")
    return reasons


def _reason(hit: RuleHit) -> str:
    """'negative' or 'keyword:Hygiene': why a review is critical, beyond its stars."""
    return f"keyword:{hit.keyword}" if hit.rule == "keyword" else hit.rule


def critical_reviews(
    session: Session,
    business_id: int,
    start: datetime,
    end: datetime,
    rules: AlertRules,
    sources: Mapping[int, SourceState],
) -> tuple[tuple[ReviewLine, ...], int]:
    """The week's critical reviews, worst first (unrated ones after the rated)."""
    reasons = _critical_reasons(session, business_id, start, end, rules)
    found = review_lists.worst_reviews(
        session, list(reasons), limit=NEGATIVE_LIMIT, text_chars=2 * TEXT_LIMIT,
        name_chars=NAME_LIMIT,
    )  # fmt: skip
    lines, total = _lines(found, TEXT_LIMIT, sources)
    return tuple(replace(line, reasons=reasons[line.review_id]) for line in lines), total


def unanswered_reviews(
    session: Session, business_id: int, end: datetime, sources: Mapping[int, SourceState]
) -> tuple[tuple[ReviewLine, ...], int, ReplyCheck]:
    """Recent reviews the owner has not replied to yet, newest first.

    Only sources that show replies are asked: elsewhere every review would look unanswered.
    """
    since = end - timedelta(days=UNANSWERED_DAYS)
    seeing = [s.id for s in sources.values() if s.sees_replies]
    counts = rating_counts_per_source(session, business_id, since, end)
    checked = sum(counts[i].count for i in seeing if i in counts)
    blind = tuple(
        (s.source_type, s.display_name)
        for s in sources.values()
        if s.enabled and not s.sees_replies
    )
    found = review_lists.unanswered_reviews(
        session, business_id, since, end, limit=UNANSWERED_LIMIT,
        text_chars=2 * SHORT_TEXT_LIMIT, name_chars=NAME_LIMIT, source_ids=seeing,
    )  # fmt: skip
    lines, total = _lines(found, SHORT_TEXT_LIMIT, sources)
    return lines, total, ReplyCheck(checked, blind)
