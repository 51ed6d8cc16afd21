"""What a report knows of each source: the owner's name for it, its health, what it sees.

Whether a source shows the owner's replies comes from its latest parse (`Source.sees_replies`,
filled by the crawler); while that is unknown, the platform type decides: the Places API,
Trusted Shops and schema.org pages are taken to hide replies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from alerts.i18n import source_display
from storage.registry import sources_of_business

REPLY_BLIND_TYPES = frozenset({"google_places", "trustedshops", "schema_org"})


def sees_replies(source_type: str, known: bool | None) -> bool:
    """What the latest parse saw, or the platform's default while nothing is known."""
    return known if known is not None else source_type not in REPLY_BLIND_TYPES


@dataclass(frozen=True, slots=True)
class SourceState:
    id: int
    name: str
    source_type: str
    display_name: str
    enabled: bool
    sees_replies: bool
    failing_since: datetime | None
    last_success_at: datetime | None
    last_error: str | None

    @property
    def down(self) -> bool:
        """Enabled and failing now (or never read at all)."""
        return self.enabled and self.failing_since is not None

    @property
    def never_worked(self) -> bool:
        return self.down and self.last_success_at is None


def source_states(session: Session, business_id: int) -> dict[int, SourceState]:
    """Every source of the business by id; two sources with one name tell them apart."""
    rows = {row.id: row for row in sources_of_business(session, business_id) if row.id}
    shown = {i: source_display(row.type, row.label, row.url) for i, row in rows.items()}
    clashes = Counter(shown.values())
    return {
        i: SourceState(
            id=i,
            name=row.name,
            source_type=row.type,
            display_name=shown[i] + (f" ({row.name})" if clashes[shown[i]] > 1 else ""),
            enabled=row.enabled,
            sees_replies=sees_replies(row.type, row.sees_replies),
            failing_since=row.failing_since,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
        )
        for i, row in rows.items()
    }
