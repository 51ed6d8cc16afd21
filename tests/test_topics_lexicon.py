"""The topic lexicon on German compounds, inflection and negation, and its term syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

from leumund.errors import ConfigError
from leumund.loading import load_config
from sentiment.topics.lexicon import Lexicon, Term, TermError, parse_term
from sentiment.topics.sentences import split_clauses, split_sentences
from sentiment.topics.settings import TopicSettings

# A German compound and inflection list written for Leumund: sentence → topics it names.
COMPOUNDS: list[tuple[str, set[str]]] = [
    ("Im Wartezimmer saßen wir ewig.", {"Wartezeit"}),
    ("Die Wartezeiten sind eine Zumutung.", {"Wartezeit"}),
    ("Wir haben eine Stunde gewartet.", {"Wartezeit"}),
    ("Der Zug hatte mal wieder Verspätung.", {"Wartezeit"}),
    ("Unpünktlich wie immer.", {"Wartezeit"}),
    ("Die Terminvergabe ist chaotisch.", {"Termine"}),
    ("Einen Arzttermin bekommt man erst in drei Monaten.", {"Termine"}),
    ("Telefonisch ist niemand erreichbar.", {"Termine"}),
    ("Die Öffnungszeiten passen nicht.", {"Termine"}),
    ("Das Preis-Leistungs-Verhältnis stimmt.", {"Preis"}),
    ("Das Preisleistungsverhältnis ist top.", {"Preis"}),
    ("Viel zu teuer für das Gebotene.", {"Preis"}),
    ("Die Preise sind überteuert.", {"Preis"}),
    ("Ein Schnäppchen, sehr günstig.", {"Preis"}),
    ("Die Bedienung war unfreundlich.", {"Freundlichkeit"}),
    ("Die Bedienung war freundlich.", {"Freundlichkeit"}),
    ("Das Servicepersonal war aufmerksam.", {"Freundlichkeit"}),
    ("Die Arzthelferinnen sind sehr nett.", {"Freundlichkeit"}),
    ("Die Mitarbeiterin an der Kasse war pampig.", {"Freundlichkeit"}),
    ("Sehr kompetente Beratung.", {"Beratung"}),
    ("Der Fachberater hat sich Zeit genommen und alles erklärt.", {"Beratung"}),
    ("Die Brötchen schmecken wie vom Vortag.", {"Qualität"}),
    ("Das Schnitzel war zäh und versalzen.", {"Qualität"}),
    ("Die Behandlung war schmerzfrei.", {"Qualität"}),
    ("Die Haarschnitte sind immer perfekt.", {"Qualität"}),
    ("Die Toiletten waren verdreckt.", {"Sauberkeit"}),
    ("Alles blitzsauber und hygienisch.", {"Sauberkeit"}),
    ("Schimmel im Badezimmer.", {"Sauberkeit"}),
    ("Gemütliches Ambiente mit rustikaler Deko.", {"Ambiente"}),
    ("Die Einrichtung ist modern.", {"Ambiente"}),
    ("Parkplätze gibt es direkt vor der Tür.", {"Lage"}),
    ("Zentral gelegen, nah an der Straßenbahnhaltestelle.", {"Lage"}),
    ("Die Lieferung kam zwei Tage zu spät.", {"Lieferung", "Wartezeit"}),
    ("Der Lieferdienst hat das Paket beim Nachbarn abgegeben.", {"Lieferung"}),
    ("Abholung im Laden ging problemlos.", {"Lieferung"}),
    ("Insgesamt sehr zu empfehlen.", {"Gesamteindruck"}),
    ("Alles in allem ein schöner Abend.", {"Gesamteindruck"}),
    ("Tolles Hotel!", {"Gesamteindruck"}),
    ("Das Hotel liegt zentral.", {"Lage"}),
    ("Ich habe meinen Schirm vergessen.", set()),
    ("Das war interessant.", set()),
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return TopicSettings().lexicon()


@pytest.mark.parametrize(("sentence", "topics"), COMPOUNDS)
def test_compounds_and_inflection(lexicon: Lexicon, sentence: str, topics: set[str]) -> None:
    assert set(lexicon.find(sentence)) == topics


def test_the_longest_term_decides_a_compound(lexicon: Lexicon) -> None:
    """Wartezimmer matches warte*, *zimmer and wartezimmer: only the longest counts."""
    assert lexicon.find("Das Wartezimmer") == {"Wartezeit": ["wartezimmer"]}
    assert lexicon.find("Das Hotelzimmer war groß") == {"Ambiente": ["hotelzimmer"]}


def test_words_are_reported_once_in_order(lexicon: Lexicon) -> None:
    found = lexicon.find("Freundliches Personal, sehr freundliches Personal")
    assert found == {"Freundlichkeit": ["freundliches", "personal"]}


@pytest.mark.parametrize(
    ("raw", "kind", "stem"),
    [("termin", "word", "termin"), ("Termin*", "prefix", "termin"),
     ("*zimmer", "suffix", "zimmer"), ("*freundlich*", "infix", "freundlich"),
     ("*w-lan*", "infix", "wlan")],
)  # fmt: skip
def test_term_syntax(raw: str, kind: str, stem: str) -> None:
    term = parse_term(raw)
    assert isinstance(term, Term)
    assert term.kind.value == kind
    assert term.stem == stem


@pytest.mark.parametrize("raw", ["", "*", "a*b", "wort**", "*eins zwei", "5 Sterne", "x/y"])
def test_malformed_terms_are_refused(raw: str) -> None:
    with pytest.raises(TermError):
        parse_term(raw)


def test_short_stems_take_no_endings() -> None:
    """`ei` would otherwise match "ein", and `*ei` "meinen"."""
    lexicon = Lexicon({"Qualität": ["ei", "*ei"]})
    assert lexicon.find("Ein Ei, meinen Dank") == {"Qualität": ["ei"]}


def test_phrases_match_with_endings_across_punctuation() -> None:
    lexicon = Lexicon({"Gesamteindruck": ["gerne wieder"]})
    assert lexicon.find("Gern wieder? Gerne, wieder!") == {"Gesamteindruck": ["gerne, wieder"]}


def test_operator_terms_extend_the_builtin_lexicon_per_kind() -> None:
    settings = TopicSettings.model_validate(
        {"extra": {"Wartezeit": ["Wartemarke*"]}, "kinds": {"praxis": {"Termine": ["Rezept*"]}}}
    )
    assert "Wartezeit" in settings.lexicon().find("Die Wartemarkennummer kam nie dran.")
    assert settings.lexicon().find("Rezepte gibt es nur montags.") == {}
    praxis = settings.lexicon("praxis")
    assert set(praxis.find("Rezepte gibt es nur montags.")) == {"Termine"}
    assert "Wartezeit" in praxis.find("Die Wartemarkennummer kam nie dran.")
    # the operator's Rezept* wins over the built-in, longer *bestellung* (Lieferung)
    assert praxis.find("Die Rezeptbestellung klappt nie.") == {"Termine": ["rezeptbestellung"]}


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Gut. Schlecht! Warum?", ["Gut.", "Schlecht!", "Warum?"]),
        ("Wir waren z. B. am 3. Mai bei Dr. Müller. Top.",
         ["Wir waren z. B. am 3. Mai bei Dr. Müller.", "Top."]),
        ("Kosten ca. 20 Euro, inkl. Getränke. Fair.",
         ["Kosten ca. 20 Euro, inkl. Getränke.", "Fair."]),
        ("Termin am 12.03.2026 um 9 Uhr. Pünktlich.",
         ["Termin am 12.03.2026 um 9 Uhr.", "Pünktlich."]),
        ("Bewertung: 5/5. Gerne wieder.", ["Bewertung: 5/5.", "Gerne wieder."]),
        ("Erste Zeile\nzweite Zeile", ["Erste Zeile", "zweite Zeile"]),
        ("Super!!! Echt „toll“. Danke", ["Super!!!", "Echt „toll“.", "Danke"]),
        ("", []),
    ],
)  # fmt: skip
def test_sentence_splitter(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_clauses_turn_at_aber() -> None:
    assert split_clauses("Das Essen war gut, aber der Service war langsam.") == [
        "Das Essen war gut",
        "der Service war langsam.",
    ]


def test_topic_config_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "topics:\n"
        "  extra: {Quatsch: [x]}\n"
        "  kinds: {praxis: {Termine: ['*a*b']}}\n"
        "businesses:\n"
        "  - {name: A, kind: praxis, owner_emails: [a@example.org]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    problems = "\n".join(err.value.problems)
    assert (
        "topics.extra.Quatsch: unknown topic 'Quatsch'; expected one of Freundlichkeit" in problems
    )
    assert "topics.kinds.praxis.Termine[0]: expected a word, 'wort*'" in problems
    path.write_text("topics: {kinds: {bäckerei: {Qualität: [Brötchen]}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    assert err.value.problems == [
        f"{path}: topics.kinds.bäckerei: unknown business kind; expected one of praxis,"
        " gastronomie, hotel, handwerk, handel, dienstleistung"
    ]
