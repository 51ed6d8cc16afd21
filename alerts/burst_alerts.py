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
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session

from alerts.bursts import Arrival, Burst, BurstSettings, find_burst
from alerts.dedup import dedup_key, dedup_recipient
from alerts.i18n import source_display
from alerts.message import shorten
from alerts.payloads import BurstPayload, ReviewSnapshot, read_payload, review_snapshot, stored
from alerts.policy import AlertPolicy, Row
from alerts.rules import evaluate, is_critical
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
SNAPSHOT_TEXT = 300
HOUR = timedelta(hours=1)


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
        _source_bursts(session, source_rows, policy, now, outcome)
    return outcome


def _source_bursts(
    session: Session, rows: list[Row], policy: AlertPolicy, now: datetime, out: BurstOutcome
) -> None:
    source = rows[0][1]
    assert source.id is not None
    ordered = sorted(rows, key=lambda r: (arrival_time(r[0]), r[0].id or 0))
    burst = latest_burst(session, source.id)
    until = burst.last_at + JOIN_WINDOW if burst is not None else None
    joined = [r for r in ordered if until is not None and arrival_time(r[0]) <= until]
    if burst is not None and joined:
        _join(session, burst, joined, policy, now, out)
    rest = [r for r in ordered if r not in joined]
    if rest:
        _detect(session, source, rest, policy, now, out)


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
        started_at=min(times), last_at=max(times), count=len(members), notified=True,
    )  # fmt: skip
    burst_id = add_burst(session, burst, members)
    open_ids = {r[0].id for r in rows}
    told = _told_before(session, members, policy)
    listed = [r for r in members if r.id in open_ids and r.id not in told]
    payload = _payload(
        policy, source, burst_id, _reason(found.reason), _snapshots(listed, source, policy)
    ).model_copy(
        update={"count": len(members), "hours": _hours(members, found.window),
                "earlier": len(members) - len(listed), "total": len(members)},
    )  # fmt: skip
    for recipient in policy.recipients:
        key = dedup_key("burst", burst_id, recipient=recipient)
        out.messages += enqueue(session, _row(key, recipient, source, payload, policy, now))
    _close(session, [r for r in members if r.id in open_ids], out)
    log.warning(
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
    added = _snapshots(reviews, source, policy)
    notifications = burst_notifications(session, burst.id)
    for to in policy.recipients:
        mine = [n for n in notifications if dedup_recipient(n.recipient) == dedup_recipient(to)]
        if mine and _extend(session, mine[-1], added, burst):
            continue
        payload = _payload(policy, source, burst.id, _reason(burst.reason), added).model_copy(
            update={"count": len(added), "hours": _hours(reviews, HOUR), "follow_up": True,
                    "total": burst.count},
        )  # fmt: skip
        key = dedup_key("burst", burst.id, reviews[0].id, recipient=to)
        out.messages += enqueue(session, _row(key, to, source, payload, policy, now))
    _close(session, reviews, out)
    log.warning(
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
    start = min((r.published_at for r in (*old.reviews, *added) if r.published_at), default=None)
    end = max((r.published_at for r in (*old.reviews, *added) if r.published_at), default=None)
    span = _round_hours(end - start) if start and end else 0
    payload = old.model_copy(
        update={
            "reviews": old.reviews + added,
            "count": old.count + len(added),
            "total": burst.count,
            "hours": max(old.hours, span),
        }
    )
    return replace_pending_payload(session, row.id, stored(payload))


def _reason(reason: str) -> Literal["rate", "similar"]:
    return "similar" if reason == "similar" else "rate"


def _payload(
    policy: AlertPolicy,
    source: Source,
    burst_id: int,
    reason: Literal["rate", "similar"],
    reviews: tuple[ReviewSnapshot, ...],
) -> BurstPayload:
    """The message's frame; counts and hours are filled in by the caller."""
    return BurstPayload(
        business=policy.business,
        language=policy.language,
        timezone=policy.timezone,
        quiet_hours=policy.rules.quiet_hours,
        burst_id=burst_id,
        reason=reason,
        platform=source.type,
        source=source.name,
        source_display=source_display(source.type, source.label, source.url),
        reviews=reviews,
    )


def _snapshots(
    reviews: Sequence[Review], source: Source, policy: AlertPolicy
) -> tuple[ReviewSnapshot, ...]:
    """The reviews as the message lists them, oldest first, texts cut short."""
    snaps = []
    for review in reviews:
        snap = review_snapshot(review, source, evaluate(review, policy.rules))
        text, cut = shorten(snap.text, SNAPSHOT_TEXT)
        snaps.append(snap.model_copy(update={"text": text, "truncated": snap.truncated or cut}))
    return tuple(sorted(snaps, key=lambda s: (s.published_at is None, s.published_at)))


def _hours(members: Sequence[Review], window: timedelta) -> int:
    """The hours the owner reads: the reviews' own dates' span, at least the detector's."""
    dates = [r.published_at or r.first_seen_at for r in members]
    return max(_round_hours(window), _round_hours(max(dates) - min(dates)), 1)


def _round_hours(span: timedelta) -> int:
    return math.ceil(span / HOUR)


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
