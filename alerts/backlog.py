"""The first crawl's backlog as one summary: counts per platform and the newest critical."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alerts.i18n import source_display
from alerts.policy import AlertPolicy, Row
from alerts.render import alert_payload
from alerts.rules import RuleHit, evaluate
from storage.models import Review, Source

BACKLOG_SHOWN = 5


def backlog_payload(rows: Sequence[Row], policy: AlertPolicy) -> dict[str, Any]:
    """Counts per platform, average rating and the newest critical reviews."""
    platforms: dict[int, dict[str, Any]] = {}
    ratings: list[float] = []
    critical: list[tuple[Review, Source, list[RuleHit]]] = []
    for review, source, _ in rows:
        assert source.id is not None
        entry = platforms.setdefault(
            source.id,
            {
                "platform": source.type,
                "source": source.name,
                "source_display": source_display(source.type, source.label, source.url),
                "count": 0,
                "ratings": [],
            },
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
                "source_display": p["source_display"],
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
