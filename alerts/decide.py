"""Deciding alerts: open reviews → outbox rows, in the same transaction as the decision.

A review is open while `alert_checked_version < version`. It is closed only once every rule
could be decided; while its sentiment is missing, the star and keyword rules act at once and
the review stays open, so the text rule gets its turn after classification. The dedup key
`alert:{review_id}:{recipient}` makes every later decision about the same review harmless:
an owner hears about a review once, even when it is edited or decided again after a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.message import to_text
from alerts.render import Renderer, alert_payload
from alerts.rules import RuleHit, evaluate, sentiment_pending
from alerts.settings import AlertRules
from alerts.timing import quiet_payload, send_after
from storage.db import session_scope
from storage.models import Business, Notification, NotificationKind, Review, Source
from storage.outbox import enqueue

log = logging.getLogger(__name__)
BACKLOG_SHOWN = 5


@dataclass(frozen=True)
class AlertPolicy:
    """One business's rules and where its alerts go, as plain data."""

    business: str
    rules: AlertRules
    recipients: tuple[str, ...]
    language: str = "de"
    timezone: str = "Europe/Berlin"


@dataclass
class DecideSummary:
    closed: int = 0
    waiting: int = 0
    alerts: int = 0
    backlog_summaries: int = 0
    unconfigured: int = 0
    businesses: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return self.alerts + self.backlog_summaries


Row = tuple[Review, Source, Business]


def open_reviews(session: Session, business_id: int | None = None) -> list[Row]:
    """Reviews whose alert decision is still open, with their source and business."""
    query = (
        select(Review, Source, Business)
        .join(Source, col(Review.source_id) == col(Source.id))
        .join(Business, col(Review.business_id) == col(Business.id))
        .where(col(Review.alert_checked_version) < col(Review.version))
        .order_by(col(Review.business_id), col(Review.id))
    )
    if business_id is not None:
        query = query.where(col(Review.business_id) == business_id)
    return [(r, s, b) for r, s, b in session.exec(query)]


def decide_alerts(
    engine: Engine, policies: Mapping[str, AlertPolicy], renderer: Renderer, now: datetime
) -> DecideSummary:
    """Decide every open review; one transaction per business."""
    summary = DecideSummary()
    with session_scope(engine) as session:
        query = select(Review.business_id).where(
            col(Review.alert_checked_version) < col(Review.version)
        )
        business_ids = sorted(set(session.exec(query)))
    for business_id in business_ids:
        with session_scope(engine) as session:
            rows = open_reviews(session, business_id)
            if rows:
                _decide_business(session, rows, policies, renderer, now, summary)
    return summary


def _close(session: Session, review: Review) -> None:
    review.alert_checked_version = review.version
    session.add(review)


def _decide_business(
    session: Session,
    rows: list[Row],
    policies: Mapping[str, AlertPolicy],
    renderer: Renderer,
    now: datetime,
    summary: DecideSummary,
) -> None:
    business = rows[0][2]
    policy = policies.get(business.name)
    if policy is None:
        log.info(
            "business %r is not configured: %d reviews closed unalerted", business.name, len(rows)
        )
        for review, _, _ in rows:
            _close(session, review)
        summary.unconfigured += len(rows)
        return
    backlog: list[Row] = []
    for row in rows:
        review, source, _ = row
        if review.backlog and review.version == 1:
            if source.first_crawl_at is not None:  # summarise once the first crawl completed
                backlog.append(row)
            continue
        _decide_review(session, row, policy, renderer, now, summary)
    if backlog:
        _backlog_summary(session, backlog, policy, renderer, now, summary)
    summary.businesses.append(business.name)


def _decide_review(
    session: Session,
    row: Row,
    policy: AlertPolicy,
    renderer: Renderer,
    now: datetime,
    summary: DecideSummary,
) -> None:
    review, source, business = row
    hits = evaluate(review, policy.rules)
    if hits:
        payload = alert_payload(
            review, source, business.name, hits, policy.language, policy.timezone
        )
        payload["quiet_hours"] = quiet_payload(policy.rules.quiet_hours)
        for recipient in policy.recipients:
            key = f"alert:{review.id}:{recipient.lower()}"
            if _exists(session, key):  # decided before (edit, re-check, restart): once only
                continue
            notification = _alert_row(key, recipient, review, payload, policy, renderer, now)
            added = enqueue(session, notification)
            summary.alerts += added
            if added:
                log.info(
                    "alert for review %s of %r to %s (%s)", review.id, business.name, recipient,
                    ", ".join(h.rule for h in hits),
                )  # fmt: skip
    if sentiment_pending(review):
        summary.waiting += 1
    else:
        _close(session, review)
        summary.closed += 1


def _exists(session: Session, key: str) -> bool:
    found = session.exec(select(Notification.id).where(Notification.dedup_key == key)).first()
    return found is not None


def _alert_row(
    key: str,
    recipient: str,
    review: Review,
    payload: dict[str, Any],
    policy: AlertPolicy,
    renderer: Renderer,
    now: datetime,
) -> Notification:
    rules = policy.rules
    digest = rules.mode == "digest"
    when = send_after(
        now, policy.timezone, rules.quiet_hours, rules.digest_time if digest else None
    )
    message = None if digest else to_text(renderer.alert(payload, recipient, key, now))
    return Notification(
        kind=NotificationKind.ALERT.value,
        dedup_key=key,
        recipient=recipient,
        business_id=review.business_id,
        review_id=review.id,
        source_id=review.source_id,
        payload=payload,
        message=message,
        digest=digest,
        created_at=now,
        send_after=when,
    )


def backlog_payload(rows: Sequence[Row], policy: AlertPolicy) -> dict[str, Any]:
    """Counts per platform, average rating and the newest critical reviews."""
    platforms: dict[int, dict[str, Any]] = {}
    ratings: list[float] = []
    critical: list[tuple[Review, Source, list[RuleHit]]] = []
    for review, source, _ in rows:
        assert source.id is not None
        entry = platforms.setdefault(
            source.id, {"platform": source.type, "source": source.name, "count": 0, "ratings": []}
        )
        entry["count"] += 1
        if review.rating is not None:
            entry["ratings"].append(review.rating)
            ratings.append(review.rating)
        hits = evaluate(review, policy.rules)
        if hits:
            critical.append((review, source, hits))
    critical.sort(key=lambda c: c[0].published_at or c[0].first_seen_at, reverse=True)
    return {
        "business": rows[0][2].name,
        "language": policy.language,
        "timezone": policy.timezone,
        "count": len(rows),
        "average": _mean(ratings),
        "platforms": [
            {
                "platform": p["platform"],
                "source": p["source"],
                "count": p["count"],
                "average": _mean(p["ratings"]),
            }
            for p in platforms.values()
        ],
        "critical_count": len(critical),
        "critical": [
            alert_payload(r, s, rows[0][2].name, h, policy.language, policy.timezone)
            for r, s, h in critical[:BACKLOG_SHOWN]
        ],
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _backlog_summary(
    session: Session,
    rows: list[Row],
    policy: AlertPolicy,
    renderer: Renderer,
    now: datetime,
    summary: DecideSummary,
) -> None:
    """ONE email per business and first crawl instead of one per old review."""
    business = rows[0][2]
    payload = backlog_payload(rows, policy)
    payload["quiet_hours"] = quiet_payload(policy.rules.quiet_hours)
    sources = "-".join(str(i) for i in sorted({s.id for _, s, _ in rows if s.id is not None}))
    when = send_after(now, policy.timezone, policy.rules.quiet_hours)
    for recipient in policy.recipients:
        key = f"backlog:{business.id}:{sources}:{recipient.lower()}"
        if _exists(session, key):
            continue
        message = to_text(renderer.backlog(payload, recipient, key, now))
        row = Notification(
            kind=NotificationKind.BACKLOG_SUMMARY.value, dedup_key=key, recipient=recipient,
            business_id=business.id, payload=payload, message=message,
            created_at=now, send_after=when,
        )  # fmt: skip
        summary.backlog_summaries += enqueue(session, row)
    for review, _, _ in rows:
        _close(session, review)
    log.info(
        "backlog of %d reviews of %r summarised in one email (%d critical)",
        len(rows), business.name, payload["critical_count"],
    )  # fmt: skip
