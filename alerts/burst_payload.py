"""What a burst message holds: its frame, the reviews as listed, the hours the owner reads.

Pure functions of reviews and the business's policy, shared by the burst decision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from alerts.bursts import BurstSettings
from alerts.i18n import source_display
from alerts.message import shorten
from alerts.payloads import BurstPayload, ReviewSnapshot, review_snapshot
from alerts.policy import AlertPolicy
from alerts.rules import evaluate
from storage.models import Review, Source

SNAPSHOT_TEXT = 300
HOUR = timedelta(hours=1)
LONGEST = max(BurstSettings().windows)
"""Reviews written further apart are not one burst by their dates (see `burst_hours`)."""


def burst_reason(reason: str) -> Literal["rate", "similar"]:
    return "similar" if reason == "similar" else "rate"


def burst_payload(
    policy: AlertPolicy,
    source: Source,
    burst_id: int,
    reason: Literal["rate", "similar"],
) -> BurstPayload:
    """The message's frame; reviews, counts and hours are filled in by the caller."""
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
    )


def burst_snapshots(
    reviews: Sequence[Review], source: Source, policy: AlertPolicy
) -> tuple[ReviewSnapshot, ...]:
    """The reviews as the message lists them, oldest first, texts cut short."""
    snaps = []
    for review in reviews:
        snap = review_snapshot(review, source, evaluate(review, policy.rules))
        text, cut = shorten(snap.text, SNAPSHOT_TEXT)
        snaps.append(snap.model_copy(update={"text": text, "truncated": snap.truncated or cut}))
    return tuple(sorted(snaps, key=lambda s: (s.published_at is None, s.published_at)))


def burst_hours(dates: Sequence[datetime], window: timedelta) -> int:
    """The hours the owner reads: the span of the reviews' own dates where it is longer than
    the detector's window and still short (≤ 48 h), else the window they were seen in."""
    span = max(dates) - min(dates) if dates else timedelta(0)
    return max(round_hours(span if window < span <= LONGEST else window), 1)


def review_dates(reviews: Sequence[Review]) -> list[datetime]:
    return [r.published_at or r.first_seen_at for r in reviews]


def round_hours(span: timedelta) -> int:
    return math.ceil(span / HOUR)
