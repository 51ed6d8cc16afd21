"""How the categories of labelled aspect data sets map onto Leumund's topics.

Each data set is recognised by its category names. `counts_as` folds a Leumund topic into
another where the data set does not tell them apart: GERestaurant and the hotel set label
waiting, advice, bookings and delivery as "service", so a sentence Leumund files under
Wartezeit counts as Freundlichkeit (their "service") there. A category mapped to None has
no topic and is always a miss.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sentiment.topics.taxonomy import TOPIC_KEYS


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    categories: Mapping[str, str | None]
    counts_as: Mapping[str, str] = field(default_factory=dict)

    def topic(self, category: str) -> str | None:
        return self.categories.get(category)

    def fold(self, topic: str) -> str:
        return self.counts_as.get(topic, topic)


_SERVICE_FOLDS = {
    "Wartezeit": "Freundlichkeit",
    "Beratung": "Freundlichkeit",
    "Termine": "Freundlichkeit",
    "Lieferung": "Freundlichkeit",
}

GERESTAURANT = Dataset(
    "GERestaurant",
    {
        "food": "Qualität",
        "service": "Freundlichkeit",
        "price": "Preis",
        "ambience": "Ambiente",
        "general-impression": "Gesamteindruck",
    },
    {**_SERVICE_FOLDS, "Sauberkeit": "Ambiente", "Lage": "Ambiente"},
)

HOTEL = Dataset(
    "hotel (Fehle et al. 2023)",
    {
        "hotel#haupt": "Gesamteindruck",
        "hotel#style": "Ambiente",
        "hotel#preis": "Preis",
        "hotel#sauberkeit": "Sauberkeit",
        "zimmer#haupt": "Ambiente",
        "zimmer#style": "Ambiente",
        "zimmer#ruhe": "Ambiente",
        "zimmer#preis": "Preis",
        "zimmer#sauberkeit": "Sauberkeit",
        "service#haupt": "Freundlichkeit",
        "service#sauberkeit": "Sauberkeit",
        "lage#haupt": "Lage",
        "lage#ruhe": "Lage",
        "lage#preis": "Preis",
        "essen&trinken#haupt": "Qualität",
        "essen&trinken#style": "Qualität",
        "essen&trinken#preis": "Preis",
        "essen&trinken#ruhe": "Ambiente",
    },
    _SERVICE_FOLDS,
)

_DB_NONE = (  # noqa: SIM905
    "sonstige_unregelmässigkeiten#haupt sicherheit#haupt zugfahrt#streckennetz image#marketing "
    "image#haupt design#haupt qr-code#haupt reisen_mit_kindern#haupt barrierefreiheit#haupt"
).split()
_DB_TOPICS = {
    "allgemein#haupt": "Gesamteindruck",
    "zugfahrt#haupt": "Gesamteindruck",
    "zugfahrt#pünktlichkeit": "Wartezeit",
    "zugfahrt#anschlusserreichung": "Wartezeit",
    "zugfahrt#fahrtzeit_und_schnelligkeit": "Wartezeit",
    "zugfahrt#technische_schäden_und_störungen_am_zug": "Qualität",
    "zugfahrt#wagenreihung": "Beratung",
    "ticketkauf#haupt": "Termine",
    "db_app_und_website#haupt": "Termine",
    "db_app_und_website#informationen_db_app_und_website": "Termine",
    "db_app_und_website#störungen_db_app_und_website": "Termine",
    "informationen#haupt": "Beratung",
    "service_und_kundenbetreuung#haupt": "Freundlichkeit",
    "service_und_kundenbetreuung#zugbetreuung": "Freundlichkeit",
    "service_und_kundenbetreuung#am-platz-service_und_1._klasse-service": "Freundlichkeit",
    "atmosphäre#sauberkeit_allgemein": "Sauberkeit",
    "toiletten#sauberkeit_toilette": "Sauberkeit",
    "komfort_und_ausstattung#sauberkeit_sitzplatz": "Sauberkeit",
    "gastronomisches_angebot#preise": "Preis",
    "gastronomisches_angebot#haupt": "Qualität",
    "gastronomisches_angebot#verfügbarkeit_bordbistro_und_-restaurant": "Qualität",
    "gastronomisches_angebot#verfügbarkeit_angebotener_produkte": "Qualität",
    "gastronomisches_angebot#vielfalt_und_auswahl": "Qualität",
    "gepäck#haupt": "Lieferung",
}
_DB_AMBIENTE = (  # noqa: SIM905
    "atmosphäre#haupt atmosphäre#temperatur atmosphäre#lautstärke atmosphäre#geruch "
    "atmosphäre#fahrgefühl atmosphäre#beleuchtung auslastung_und_platzangebot#haupt "
    "komfort_und_ausstattung#haupt komfort_und_ausstattung#reservierung "
    "komfort_und_ausstattung#sitzkomfort komfort_und_ausstattung#steckdosen "
    "komfort_und_ausstattung#funktionsfähigkeit_sitz_und_sitzverstellbarkeit connectivity#haupt "
    "connectivity#wlan_und_internet connectivity#telefonie_und_handyempfang "
    "connectivity#ice_portal toiletten#haupt toiletten#funktionsfähigkeit_toiletten "
    "toiletten#verfügbarkeit_verbrauchsmaterial"
).split()

GERMEVAL_DB = Dataset(
    "GermEval 2017 (Deutsche Bahn)",
    {**dict.fromkeys(_DB_NONE), **dict.fromkeys(_DB_AMBIENTE, "Ambiente"), **_DB_TOPICS},
)

LEUMUND = Dataset("Leumund topics", {key: key for key in TOPIC_KEYS})

DATASETS: tuple[Dataset, ...] = (LEUMUND, GERESTAURANT, HOTEL, GERMEVAL_DB)

MIN_KNOWN = 0.9
"""Share of a file's labels a data set must know to be recognised."""


class UnknownDataset(ValueError):
    """No known data set uses (most of) the file's category names."""


def recognise(labels: Collection[str]) -> Dataset:
    """The data set whose category names cover at least 90 % of the file's labels."""
    best, best_share = None, 0.0
    for dataset in DATASETS:
        share = sum(1 for c in labels if c in dataset.categories) / max(len(labels), 1)
        if share > best_share:
            best, best_share = dataset, share
    if best is None or best_share < MIN_KNOWN:
        names = ", ".join(d.name for d in DATASETS)
        sample = ", ".join(sorted(set(labels))[:5])
        raise UnknownDataset(
            f"category names not recognised (e.g. {sample}); known data sets: {names}"
        )
    return best
