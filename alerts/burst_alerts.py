"""Suspicious bursts in the alert decision: ONE message instead of an alert per review.

Per source with open critical reviews (critical as `alerts.rules.is_critical` says, the rule
individual alerts follow), in the business's decision transaction:

1. A critical review arriving within `JOIN_WINDOW` (24 h) of an earlier burst's last review
   on the same source joins that burst. While the burst's message to a recipient is still
   pending (held by quiet hours, waiting for a retry), the review is added to it; once it is
   sent, a follow-up lists the reviews that joined since ("geht weiter: 3 weitere").
2. Otherwise `alerts.bursts.find_burst` looks at the source's last 90 days + 48 h (arrival =
   first seen by Leumund; for the first crawl's backlog, the review's date), leaving out
   reviews already in a burst. A burst found among this run's open reviews becomes a burst
   row and one message per recipient listing every member not in an earlier message.

Members get `Review.burst_id` and are closed: no individual alert, also not after an edit.
Dedup keys `burst:{id}:{recipient}` and `burst:{id}:{first joined review}:{recipient}` make
a decision repeated after a crash harmless; a review is never in two messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from alerts.burst_payload import (
    HOUR,
    burst_hours,
    burst_payload,
    burst_reason,
    burst_snapshots,
    review_dates,
)
from alerts.bursts import Arrival, Burst, BurstSettings, find_burst
from alerts.dedup import dedup_key, dedup_recipient
from alerts.payloads import BurstPayload, ReviewSnapshot, read_payload, stored
from alerts.policy import AlertPolicy, Row
from alerts.rules import is_critical
from alerts.timing import send_after
from storage.bursts import (
    add_burst,
    burst_notifications,
    latest_burst,
    replace_pending_payload,
    source_history,
)
from storage.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Review,
    ReviewBurst,
    Source,
)
from storage.outbox import enqueue, existing_dedup_keys

log = logging.getLogger(__name__)
JOIN_WINDOW = timedelta(hours=24)
"""A critical review arriving this long after a burst's last one still belongs to it."""
# A review's data that cannot become a payload (pydantic's ValidationError is a ValueError).
BURST_ERRORS = (ValueError, LookupError, TypeError, ArithmeticError)


@dataclass
class BurstOutcome:
    """What the burst step did for one business: reviews it closed, rows it queued."""

    closed: set[int]
    messages: int = 0


def arrival_time(review: Review) -> datetime:
    """When Leumund saw it; a first crawl's backlog arrived when it was written."""
    if review.backlog and review.published_at is not None:
        return min(review.published_at, review.first_seen_at)
    return review.first_seen_at


def decide_bursts(
    session: Session, rows: Sequence[Row], policy: AlertPolicy, now: datetime
) -> BurstOutcome:
    """Join or detect bursts on every source of `rows`; the ids of the reviews they closed."""
    outcome = BurstOutcome(closed=set())
    if not policy.rules.bursts.enabled:
        return outcome
    by_source: dict[int, list[Row]] = {}
    for row in rows:
        review = row[0]
        fresh = review.burst_id is None and not (review.backlog and review.version == 1)
        if fresh and is_critical(review, policy.rules):
            by_source.setdefault(review.source_id, []).append(row)
    for source_rows in by_source.values():
        _isolated(session, source_rows, policy, now, outcome)
    return outcome


def _isolated(
    session: Session, rows: list[Row], policy: AlertPolicy, now: datetime, out: BurstOutcome
) -> None:
    """One source in a savepoint: should it fail, its reviews are alerted one by one."""
    mine = BurstOutcome(closed=set())
    try:
        with session.begin_nested():
            _source_bursts(session, rows, policy, now, mine)
    except BURST_ERRORS:
        log.exception("bursts of source %s not decided: its reviews alert singly", rows[0][1].id)
        for review, _, _ in rows:
            session.refresh(review)
        return
    out.closed |= mine.closed
    out.messages += mine.messages


def _source_bursts(
    session: Session, rows: list[Row], policy: AlertPolicy, now: datetime, out: BurstOutcome
) -> None:
    source = rows[0][1]
    assert source.id is not None
    ordered = sorted(rows, key=lambda r: (arrival_time(r[0]), r[0].id or 0))
    burst = latest_burst(session, source.id)
    joined = [r for r in ordered if burst is not None and _joins(burst, r[0])]
    if burst is not None and joined:
        _join(session, burst, joined, policy, now, out)
    rest = [r for r in ordered if r not in joined]
    if rest:
        _detect(session, source, rest, policy, now, out)


def _joins(burst: ReviewBurst, review: Review) -> bool:
    """Arrived while the burst was open; an old review edited to bad stars never joins."""
    return burst.started_at <= arrival_time(review) <= burst.last_at + JOIN_WINDOW


def _detect(
    session: Session,
    source: Source,
    rows: list[Row],
    policy: AlertPolicy,
    now: datetime,
    out: BurstOutcome,
) -> None:
    assert source.id is not None
    settings = BurstSettings(min_count=policy.rules.bursts.min_count)
    history = source_history(session, source.id, now - settings.history - max(settings.windows))
    arrivals = [
        Arrival(r.id, arrival_time(r), is_critical(r, policy.rules), r.text or r.title)
        for r in history
    ]
    exclude = {r.id for r in history if r.burst_id is not None}
    found = find_burst(arrivals, now, settings, exclude)
    open_ids = {r[0].id for r in rows}
    if found is None or not open_ids.intersection(found.keys):
        return
    members = [r for r in history if r.id in found.keys]
    _new_burst(session, source, found, members, rows, policy, now, out)


def _new_burst(
    session: Session,
    source: Source,
    found: Burst,
    members: list[Review],
    rows: list[Row],
    policy: AlertPolicy,
    now: datetime,
    out: BurstOutcome,
) -> None:
    assert source.id is not None
    times = [arrival_time(r) for r in members]
    burst = ReviewBurst(
        business_id=source.business_id, source_id=source.id, reason=found.reason,
        started_at=min(times), last_at=max(times), count=len(members),
        notified=bool(policy.recipients),
    )  # fmt: skip
    burst_id = add_burst(session, burst, members)
    open_ids = {r[0].id for r in rows}
    told = _told_before(session, members, policy)
    listed = [r for r in members if r.id in open_ids and r.id not in told]
    frame = burst_payload(policy, source, burst_id, burst_reason(found.reason))
    payload = frame.model_copy(
        update={
            "reviews": burst_snapshots(listed, source, policy),
            "count": len(members),
            "hours": burst_hours(review_dates(members), found.window),
            "earlier": len(members) - len(listed),
            "total": len(members),
        }
    )
    for recipient in policy.recipients:
        key = dedup_key("burst", burst_id, recipient=recipient)
        out.messages += enqueue(session, _row(key, recipient, source, payload, policy, now))
    _close(session, [r for r in members if r.id in open_ids], out)
    log.info(
        "suspicious burst %s on source %s of %r: %d negative reviews (%s, %d listed)",
        burst_id, source.name, policy.business, len(members), found.reason, len(listed),
    )  # fmt: skip


def _join(
    session: Session,
    burst: ReviewBurst,
    rows: list[Row],
    policy: AlertPolicy,
    now: datetime,
    out: BurstOutcome,
) -> None:
    """Later reviews of an open burst: into its pending message, else into a follow-up."""
    assert burst.id is not None
    source = rows[0][1]
    reviews = [r[0] for r in rows]
    burst.last_at = max([burst.last_at, *(arrival_time(r) for r in reviews)])
    burst.count += len(reviews)
    add_burst(session, burst, reviews)
    told = _told_before(session, reviews, policy)
    reviews = [r for r in reviews if r.id not in told]  # alerted singly: counted, not listed
    _close(session, [r[0] for r in rows], out)
    if not reviews:
        return
    added = burst_snapshots(reviews, source, policy)
    notifications = burst_notifications(session, burst.id)
    for to in policy.recipients:
        mine = [n for n in notifications if dedup_recipient(n.recipient) == dedup_recipient(to)]
        if mine and _extend(session, mine[-1], added, burst):
            continue
        frame = burst_payload(policy, source, burst.id, burst_reason(burst.reason))
        payload = frame.model_copy(
            update={
                "reviews": added,
                "count": len(added),
                "hours": burst_hours(review_dates(reviews), HOUR),
                "follow_up": True,
                "told": bool(mine),
                "total": burst.count,
            }
        )
        key = dedup_key("burst", burst.id, reviews[0].id, recipient=to)
        out.messages += enqueue(session, _row(key, to, source, payload, policy, now))
    log.info(
        "%d more negative reviews joined burst %s of %r", len(reviews), burst.id, policy.business
    )


def _extend(
    session: Session, row: Notification, added: tuple[ReviewSnapshot, ...], burst: ReviewBurst
) -> bool:
    """Add the reviews to a message not yet sent; False once a sender has it."""
    if row.status != NotificationStatus.PENDING.value or row.id is None:
        return False
    old = read_payload(row.payload)
    if not isinstance(old, BurstPayload):
        return False
    dates = [r.published_at for r in (*old.reviews, *added) if r.published_at]
    payload = old.model_copy(
        update={
            "reviews": old.reviews + added,
            "count": old.count + len(added),
            "total": burst.count,
            "hours": burst_hours(dates, timedelta(hours=old.hours)),
        }
    )
    return replace_pending_payload(session, row.id, stored(payload))


def _told_before(session: Session, members: Sequence[Review], policy: AlertPolicy) -> set[int]:
    """Members an individual alert already told a recipient of (e.g. before classification)."""
    keys = {
        dedup_key("alert", r.id, recipient=to): r.id
        for r in members
        for to in policy.recipients
        if r.id is not None
    }  # fmt: skip
    found = existing_dedup_keys(session, keys)
    return {review_id for key, review_id in keys.items() if key in found}


def _row(
    key: str,
    recipient: str,
    source: Source,
    payload: BurstPayload,
    policy: AlertPolicy,
    now: datetime,
) -> Notification:
    """Sent at once (also in digest mode: an attack does not wait), after quiet hours."""
    return Notification(
        kind=NotificationKind.BURST.value, dedup_key=key, recipient=recipient,
        business_id=source.business_id, source_id=source.id, payload=stored(payload),
        created_at=now, send_after=send_after(now, policy.timezone, policy.rules.quiet_hours),
    )  # fmt: skip


def _close(session: Session, reviews: Sequence[Review], out: BurstOutcome) -> None:
    for review in reviews:
        review.alert_checked_version = review.version
        session.add(review)
        if review.id is not None:
            out.closed.add(review.id)
