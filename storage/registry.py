"""Businesses and sources: mirrored from config.yaml into the database on start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

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


def _sync_business(session: Session, spec: BusinessSpec) -> Business:
    business = session.exec(select(Business).where(Business.name == spec.name)).first()
    if business is None:
        business = Business(name=spec.name)
    business.timezone, business.language = spec.timezone, spec.language
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
    return session.exec(select(Business).where(Business.name == name)).first()
