"""The topics Leumund names in alerts and reports, for local businesses of any kind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    """The short name used in config.yaml, the database and the emails ("Wartezeit")."""
    title: str
    """The long name for tables and explanations."""


TOPICS: tuple[Topic, ...] = (
    Topic("Freundlichkeit", "Freundlichkeit & Personal"),
    Topic("Wartezeit", "Wartezeit & Pünktlichkeit"),
    Topic("Termine", "Termine & Erreichbarkeit"),
    Topic("Beratung", "Beratung & Kompetenz"),
    Topic("Qualität", "Qualität (Essen, Behandlung, Produkt, Arbeit)"),
    Topic("Preis", "Preis & Leistung"),
    Topic("Sauberkeit", "Sauberkeit & Hygiene"),
    Topic("Ambiente", "Ambiente & Ausstattung"),
    Topic("Lage", "Lage & Parken"),
    Topic("Lieferung", "Lieferung & Abholung"),
    Topic("Gesamteindruck", "Gesamteindruck"),
)

TOPIC_KEYS: tuple[str, ...] = tuple(t.key for t in TOPICS)
OVERALL = "Gesamteindruck"
POLARITIES: tuple[str, ...] = ("positive", "neutral", "negative")
