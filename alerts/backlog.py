"""The first crawl's backlog as one summary: counts per platform and the newest critical."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from alerts.i18n import source_display
from alerts.payloads import BacklogPayload, PlatformCount, review_snapshot
from alerts.policy import AlertPolicy, Row
from alerts.rules import RuleHit, evaluate, severity
from storage.models import Review, Source

BACKLOG_SHOWN = 5


@dataclass
class _Platform:
    platform: str
    source: str
    source_display: str
    ratings: list[float] = field(default_factory=list)
    count: int = 0

    def counted(self) -> PlatformCount:
        return PlatformCount(
            platform=self.platform,
            source=self.source,
            source_display=self.source_display,
            count=self.count,
            average=_mean(self.ratings),
        )


def backlog_payload(rows: Sequence[Row], policy: AlertPolicy) -> BacklogPayload:
    """Counts per platform, average rating and the newest critical reviews."""
    platforms: dict[int, _Platform] = {}
    critical: list[tuple[Review, Source, list[RuleHit]]] = []
    for review, source, _ in rows:
        assert source.id is not None
        shown = source_display(source.type, source.label, source.url)
        entry = platforms.setdefault(source.id, _Platform(source.type, source.name, shown))
        entry.count += 1
        if review.rating is not None:
            entry.ratings.append(review.rating)
        hits = evaluate(review, policy.rules)
        if severity(review, hits) == "critical":
            critical.append((review, source, hits))
    critical.sort(key=lambda c: c[0].published_at or c[0].first_seen_at, reverse=True)
    return BacklogPayload(
        business=rows[0][2].name,
        language=policy.language,
        timezone=policy.timezone,
        quiet_hours=policy.rules.quiet_hours,
        count=len(rows),
        average=_mean([r for p in platforms.values() for r in p.ratings]),
        platforms=tuple(p.counted() for p in platforms.values()),
        critical_count=len(critical),
        critical=tuple(review_snapshot(r, s, h) for r, s, h in critical[:BACKLOG_SHOWN]),
    )


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
