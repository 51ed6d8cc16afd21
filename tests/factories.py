"""Plain factories for test data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from storage.models import Business, ReviewData, Source


def make_review_data(**overrides: Any) -> ReviewData:
    fields: dict[str, Any] = {
        "platform_id": "r1",
        "author": "Erika Mustermann",
        "rating": 5.0,
        "rating_raw": 5.0,
        "rating_scale": "1-5",
        "title": "Sehr lecker",
        "text": "Die Brötchen sind frisch und die Verkäuferin ist freundlich.",
        "language": "de",
        "published_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "reply": None,
        "reply_at": None,
        "url": "https://example.test/review/r1",
    }
    fields.update(overrides)
    return ReviewData(**fields)


def make_business_and_source(
    session: Session, name: str = "Bäckerei Beispiel", source_type: str = "trustpilot"
) -> tuple[Business, Source]:
    business = Business(name=name)
    session.add(business)
    session.flush()
    assert business.id is not None
    source = Source(business_id=business.id, name="tp", type=source_type, url="http://x")
    session.add(source)
    session.flush()
    return business, source
