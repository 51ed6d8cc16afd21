"""`leumund status --json`: the status as one JSON object for monitoring scripts.

The shape is a documented contract (README, "Monitoring"): keys are only ever added, and
`format` grows when one changes meaning. Times are ISO 8601 in UTC, or null for never.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leumund.service.status import BusinessStatus, SourceStatus, Status

FORMAT = 1
STATUSES = ("pending", "sending", "sent", "failed")


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _counts(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts.get(name, 0) for name in STATUSES}


def _source(source: SourceStatus) -> dict[str, Any]:
    return {
        "name": source.name,
        "type": source.type,
        "enabled": source.enabled,
        "schedule": source.schedule,
        "last_success_at": _time(source.last_success_at),
        "last_attempt_at": _time(source.last_attempt_at),
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
        "reviews": source.reviews,
        "next_run_at": _time(source.next_run),
    }


def _business(business: BusinessStatus) -> dict[str, Any]:
    return {
        "name": business.name,
        "timezone": business.timezone,
        "reviews": business.reviews,
        "notifications": _counts(business.notifications),
        "next_report_at": _time(business.next_report),
        "mail_held_until": _time(business.mail_held_until),
        "sources": [_source(s) for s in business.sources],
        "competitor_of": business.competitor_of,
    }


def _outbox(status: Status) -> dict[str, int]:
    total = dict.fromkeys(STATUSES, 0)
    for counts in [status.operator_notifications, *(b.notifications for b in status.businesses)]:
        for name in STATUSES:
            total[name] += counts.get(name, 0)
    return total


def status_document(status: Status, now: datetime) -> dict[str, Any]:
    """Everything `leumund status` prints, as plain JSON values."""
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "businesses": [_business(b) for b in status.businesses],
        "outbox": _outbox(status),
        "operator_notifications": _counts(status.operator_notifications),
        "failed_notifications": {
            "total": status.failed_total,
            "latest": [
                {
                    "business": n.business,
                    "kind": n.kind,
                    "recipient": n.recipient,
                    "attempts": n.attempts,
                    "last_error": n.last_error,
                }
                for n in status.failed
            ],
        },
        "model": {
            "configured": status.model_configured,
            "used": dict(status.models_used),
            "unclassified": status.unclassified,
        },
        "next_health_check_at": _time(status.next_health_check),
    }
