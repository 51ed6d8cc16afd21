"""Deciding alerts: open reviews → outbox rows, in the same transaction as the decision.

A review is open while `alert_checked_version < version`. It is closed only once every rule
could be decided; while its sentiment is missing, the star and keyword rules act at once and
the review stays open, so the text rule gets its turn after classification. The pipeline
classifies (sentiment and topics) right before deciding; when that step worked, a review
still unclassified arrived in between and waits for its own pass (`hold_unclassified`), so
its alert names its topics. Only when the model is not available do stars alert at once.
A keyword alone in a review that reads well (`alerts.rules.severity`) is a mention, not an
alert: it waits for the text's mood, and has its own key `mention:…`, so a later edit that
makes the review critical still alerts. The dedup key `alert:{review_id}:{recipient}` makes
every later decision about the same review harmless: an owner hears about a review once,
even when it is edited or decided again after a crash. The outbox row keeps a typed
payload; the email is rendered when it is sent.

Each business is decided in its own transaction and a failure there (logged with its
traceback) leaves its reviews open for the next run while the other businesses proceed. A
single review whose data cannot become a payload is closed with a logged error; the rest of
its business goes on.

Reviews stored before a source's first complete crawl (`backlog`) become one summary once
that crawl completed — or, when the first crawl keeps failing, once the oldest of them has
been stored for `BACKLOG_GRACE` (2 days), so a source that never finishes a crawl is not
silent forever. Backlog stored after that summary shares its dedup key and is closed quietly.

Critical reviews that form (or join) a suspicious burst on their source are told of in the
burst's one message instead (`alerts.burst_alerts`), in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.backlog import backlog_payload
from alerts.burst_alerts import decide_bursts
from alerts.dedup import dedup_key, dedup_recipient
from alerts.payloads import AlertPayload, TopicTag, review_snapshot, stored
from alerts.policy import AlertPolicy, Row
from alerts.replies import ReplyTemplateError, answer_url, complaint_topics
from alerts.rules import evaluate, sentiment_pending, severity
from alerts.timing import send_after
from storage.alert_pauses import paused_recipients
from storage.db import session_scope
from storage.models import Notification, NotificationKind, Review
from storage.outbox import dedup_key_exists, enqueue
from storage.reviews import businesses_with_open_reviews, open_reviews

log = logging.getLogger(__name__)
BACKLOG_GRACE = timedelta(days=2)
# A review's data that cannot become a payload (pydantic's ValidationError is a ValueError).
PAYLOAD_ERRORS = (ValueError, LookupError, TypeError, ArithmeticError)


@dataclass
class DecideSummary:
    closed: int = 0
    waiting: int = 0
    alerts: int = 0
    backlog_summaries: int = 0
    burst_messages: int = 0
    unconfigured: int = 0
    competitor: int = 0
    unrenderable: int = 0
    businesses: list[str] = field(default_factory=list)
    failed_businesses: list[int] = field(default_factory=list)
    hold: bool = False  # unclassified reviews wait for classification (see decide_alerts)

    @property
    def added(self) -> int:
        return self.alerts + self.backlog_summaries + self.burst_messages


def decide_alerts(
    engine: Engine,
    policies: Mapping[str, AlertPolicy],
    now: datetime,
    hold_unclassified: bool = False,
) -> DecideSummary:
    """Decide every open review; one transaction per business, a failure stays in its own.

    `hold_unclassified`: classification just ran, so a review without a sentiment waits for
    it (and its topics) instead of alerting by its stars alone.
    """
    summary = DecideSummary(hold=hold_unclassified)
    with session_scope(engine) as session:
        business_ids = businesses_with_open_reviews(session)
    for business_id in business_ids:
        try:
            with session_scope(engine) as session:
                rows = open_reviews(session, business_id)
                if rows:
                    _decide_business(session, rows, policies, now, summary)
        except Exception:
            log.exception("deciding alerts for business %s failed; retried next run", business_id)
            summary.failed_businesses.append(business_id)
    return summary


def _close(session: Session, review: Review) -> None:
    review.alert_checked_version = review.version
    session.add(review)


def _decide_business(
    session: Session,
    rows: list[Row],
    policies: Mapping[str, AlertPolicy],
    now: datetime,
    summary: DecideSummary,
) -> None:
    business = rows[0][2]
    if business.competitor_of_id is not None:
        _close_competitor(session, rows, summary)
        return
    policy = policies.get(business.name)
    if policy is None:
        log.info(
            "business %r is not configured: %d reviews closed unalerted", business.name, len(rows)
        )
        for review, _, _ in rows:
            _close(session, review)
        summary.unconfigured += len(rows)
        return
    ZoneInfo(policy.timezone)  # a broken policy fails the business, never closes its reviews
    policy = _without_paused(session, business.id, policy)
    _decide_rows(session, rows, policy, now, summary)
    summary.businesses.append(business.name)


def _decide_rows(
    session: Session, rows: list[Row], policy: AlertPolicy, now: datetime, summary: DecideSummary
) -> None:
    """Bursts first (their reviews never alert alone), then each review, then the backlog."""
    backlog: list[Row] = []
    ready = _backlog_ready(rows, now, summary.hold)
    bursts = decide_bursts(session, rows, policy, now)
    summary.burst_messages += bursts.messages
    summary.closed += len(bursts.closed)
    for row in rows:
        review, source, _ = row
        if review.backlog and review.version == 1:
            if source.id in ready:
                backlog.append(row)
            continue
        if review.burst_id is not None:  # told of in its burst's message, never alone
            if review.id not in bursts.closed:
                _close(session, review)
                summary.closed += 1
            continue
        _decide_isolated(session, row, policy, now, summary)
    if backlog:
        _backlog_summary(session, backlog, policy, now, summary)


def _without_paused(session: Session, business_id: int | None, policy: AlertPolicy) -> AlertPolicy:
    """The policy without recipients who paused this business's alerts (List-Unsubscribe):
    what is decided while paused is not mailed to them later either."""
    paused = paused_recipients(session, business_id) if business_id is not None else set()
    if not paused:
        return policy
    kept = tuple(r for r in policy.recipients if dedup_recipient(r) not in paused)
    return replace(policy, recipients=kept)


def _close_competitor(session: Session, rows: list[Row], summary: DecideSummary) -> None:
    """A competitor's reviews are only compared in reports: never an alert, mention,
    digest or backlog summary to anyone. Closed here, on purpose, and counted."""
    for review, _, _ in rows:
        _close(session, review)
    summary.competitor += len(rows)
    log.info("competitor %r: %d reviews closed without alert", rows[0][2].name, len(rows))


def _backlog_ready(rows: list[Row], now: datetime, hold: bool) -> set[int | None]:
    """Sources whose backlog may be summarised: first crawl done, or oldest backlog stale;
    with `hold`, once all of it is classified (its critical reviews show their topics)."""
    oldest: dict[int | None, datetime] = {}
    waiting: set[int | None] = set()
    for review, source, _ in rows:
        if review.backlog and review.version == 1:
            seen = oldest.get(source.id)
            oldest[source.id] = min(seen, review.first_seen_at) if seen else review.first_seen_at
            if hold and sentiment_pending(review):
                waiting.add(source.id)
    return {
        source.id
        for _, source, _ in rows
        if source.id in oldest
        and source.id not in waiting
        and (source.first_crawl_at is not None or oldest[source.id] <= now - BACKLOG_GRACE)
    }


def _decide_isolated(
    session: Session,
    row: Row,
    policy: AlertPolicy,
    now: datetime,
    summary: DecideSummary,
) -> None:
    """Decide one review in a savepoint; one with unusable data is closed with an error."""
    review = row[0]
    try:
        with session.begin_nested():
            _decide_review(session, row, policy, now, summary)
    except PAYLOAD_ERRORS:
        log.exception("review %s cannot be alerted: closed without an alert", review.id)
        session.refresh(review)
        _close(session, review)
        summary.unrenderable += 1


def _decide_review(
    session: Session,
    row: Row,
    policy: AlertPolicy,
    now: datetime,
    summary: DecideSummary,
) -> None:
    review, source, business = row
    if summary.hold and sentiment_pending(review):
        summary.waiting += 1
        return
    hits = evaluate(review, policy.rules)
    kind = severity(review, hits)
    if kind == "mention" and sentiment_pending(review):
        kind = None  # the text may still make it critical: one mail, after classification
    if kind is not None:
        snapshot = review_snapshot(review, source, hits)
        payload = AlertPayload(
            business=business.name,
            language=policy.language,
            timezone=policy.timezone,
            quiet_hours=policy.rules.quiet_hours,
            review=snapshot,
            mention=kind == "mention",
            reply_draft=_reply_draft(policy, snapshot.topics),
            answer_url=answer_url(source.type, review.platform_id, review.url, source.url),
        )
        _enqueue_alerts(session, review, payload, policy, now, summary)
    if sentiment_pending(review):
        summary.waiting += 1
    else:
        _close(session, review)
        summary.closed += 1


def _enqueue_alerts(
    session: Session,
    review: Review,
    payload: AlertPayload,
    policy: AlertPolicy,
    now: datetime,
    summary: DecideSummary,
) -> None:
    """One row per recipient; a mention has its own key, so should the review later turn
    critical, that still alerts."""
    prefix = "mention" if payload.mention else "alert"
    rules = ", ".join(h.rule for h in payload.review.rules)
    for recipient in policy.recipients:
        key = dedup_key(prefix, review.id, recipient=recipient)
        if dedup_key_exists(session, key):  # decided before (edit, restart): once only
            continue
        added = enqueue(session, _alert_row(key, recipient, review, payload, policy, now))
        summary.alerts += added
        if added:
            log.info(
                "%s for review %s of %r to %s (%s)", prefix, review.id, payload.business,
                recipient, rules,
            )  # fmt: skip


def _reply_draft(policy: AlertPolicy, topics: Sequence[TopicTag]) -> str:
    """The draft taking up the review's negative topics; the business's own without any."""
    points = complaint_topics([(tag.topic, tag.polarity) for tag in topics])
    if policy.drafter is None or not points:
        return policy.reply_draft
    try:
        return policy.drafter.draft(points)
    except ReplyTemplateError:
        log.exception("reply draft for %r without its topics", policy.business)
        return policy.reply_draft


def _alert_row(
    key: str,
    recipient: str,
    review: Review,
    payload: AlertPayload,
    policy: AlertPolicy,
    now: datetime,
) -> Notification:
    rules = policy.rules
    digest = rules.mode == "digest"
    when = send_after(
        now, policy.timezone, rules.quiet_hours, rules.digest_time if digest else None
    )
    return Notification(
        kind=NotificationKind.ALERT.value,
        dedup_key=key,
        recipient=recipient,
        business_id=review.business_id,
        review_id=review.id,
        source_id=review.source_id,
        payload=stored(payload),
        digest=digest,
        created_at=now,
        send_after=when,
    )


def _backlog_summary(
    session: Session,
    rows: list[Row],
    policy: AlertPolicy,
    now: datetime,
    summary: DecideSummary,
) -> None:
    """ONE email per business and first crawl instead of one per old review."""
    business = rows[0][2]
    payload = backlog_payload(rows, policy)
    sources = "-".join(str(i) for i in sorted({s.id for _, s, _ in rows if s.id is not None}))
    when = send_after(now, policy.timezone, policy.rules.quiet_hours)
    for recipient in policy.recipients:
        key = dedup_key("backlog", business.id, sources, recipient=recipient)
        if dedup_key_exists(session, key):
            continue
        row = Notification(
            kind=NotificationKind.BACKLOG_SUMMARY.value, dedup_key=key, recipient=recipient,
            business_id=business.id, payload=stored(payload), created_at=now, send_after=when,
        )  # fmt: skip
        summary.backlog_summaries += enqueue(session, row)
    for review, _, _ in rows:
        _close(session, review)
    log.info(
        "backlog of %d reviews of %r summarised in one email (%d critical)",
        len(rows), business.name, payload.critical_count,
    )  # fmt: skip
