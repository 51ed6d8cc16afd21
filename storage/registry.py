"""Businesses and sources: mirrored from config.yaml into the database on start."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Business, Source


@dataclass(frozen=True, slots=True)
class SourceSpec:
    name: str
    type: str
    url: str
    enabled: bool
    label: str | None = None


@dataclass(frozen=True, slots=True)
class BusinessSpec:
    name: str
    timezone: str
    language: str
    sources: tuple[SourceSpec, ...]
    competitor_of: str | None = None
    """The name of the business this one is a competitor of."""
    label: str | None = None


def _business_row(session: Session, name: str) -> Business | None:
    return session.exec(select(Business).where(Business.name == name)).first()


def _sync_business(session: Session, spec: BusinessSpec) -> Business:
    business = _business_row(session, spec.name) or Business(name=spec.name)
    business.timezone, business.language = spec.timezone, spec.language
    business.label, business.competitor_of_id = spec.label, None
    if spec.competitor_of is not None:
        owner = _business_row(session, spec.competitor_of)
        if owner is None:  # synced before its business (one source crawled alone)
            owner = Business(name=spec.competitor_of, timezone=spec.timezone)
            owner.language = spec.language
            session.add(owner)
            session.flush()
        business.competitor_of_id = owner.id
    session.add(business)
    session.flush()
    return business


def _sync_source(session: Session, business: Business, spec: SourceSpec) -> Source:
    source = session.exec(
        select(Source).where(Source.business_id == business.id, Source.name == spec.name)
    ).first()
    if source is None:
        assert business.id is not None
        source = Source(business_id=business.id, name=spec.name, type=spec.type)
    source.type, source.url, source.enabled = spec.type, spec.url, spec.enabled
    source.label = spec.label
    session.add(source)
    return source


def sync_businesses(session: Session, specs: list[BusinessSpec]) -> None:
    """Create or update rows for configured businesses and sources.

    Sources removed from the config are disabled, never deleted: their reviews stay.
    """
    for spec in specs:
        business = _sync_business(session, spec)
        wanted = {s.name for s in spec.sources}
        for source_spec in spec.sources:
            _sync_source(session, business, source_spec)
        for source in session.exec(select(Source).where(Source.business_id == business.id)):
            if source.name not in wanted:
                source.enabled = False
                session.add(source)
    session.flush()


def get_source(session: Session, business_name: str, source_name: str) -> Source | None:
    return session.exec(
        select(Source)
        .join(Business)
        .where(Business.name == business_name, Source.name == source_name)
    ).first()


def get_business(session: Session, name: str) -> Business | None:
    return _business_row(session, name)


def sources_of_business(session: Session, business_id: int) -> list[Source]:
    """A business's sources, enabled or not, by name."""
    return list(
        session.exec(
            select(Source).where(col(Source.business_id) == business_id).order_by(col(Source.name))
        )
    )


def sources_with_business(
    session: Session, source_id: int | None = None
) -> list[tuple[Source, Business]]:
    """Every source (or the one with `source_id`) with its business, by id."""
    query = select(Source, Business).join(Business).order_by(col(Source.id))
    if source_id is not None:
        query = query.where(col(Source.id) == source_id)
    return [(source, business) for source, business in session.exec(query)]


def source_names(session: Session, source_ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """Source id → (business name, source name)."""
    rows = session.exec(
        select(Source.id, Business.name, Source.name)
        .join(Business)
        .where(col(Source.id).in_(list(source_ids)))
    )
    return {sid: (business, source) for sid, business, source in rows if sid is not None}


def last_attempts(session: Session) -> dict[tuple[str, str], datetime | None]:
    """(business name, source name) → when its last crawl finished (None: never)."""
    rows = session.exec(select(Business.name, Source.name, Source.last_attempt_at).join(Business))
    return {(business, source): at for business, source, at in rows}


def first_crawl_times(session: Session, business_name: str) -> list[datetime]:
    """When each of a business's sources first completed a crawl (never-crawled left out)."""
    rows = session.exec(
        select(Source.first_crawl_at)
        .join(Business)
        .where(Business.name == business_name, col(Source.first_crawl_at).is_not(None))
    )
    return [at for at in rows if at is not None]
