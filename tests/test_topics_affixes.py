"""The affix index answers exactly what trying every term on the word answers, in order."""

from __future__ import annotations

import pytest

from sentiment.topics.affixes import AffixIndex
from sentiment.topics.german import TERMS
from sentiment.topics.lexicon import ENDINGS, SHORT_STEM, Kind, Term, parse_term

WORDS = [
    "wartezimmer",
    "hotelzimmern",
    "unfreundlichkeit",
    "kinderfreundlichkeit",
    "servicepersonal",
    "personalmangel",
    "frühstücksbuffets",
    "preisleistungsverhältnis",
    "ein",
    "meinen",
    "bad",
    "badezimmers",
    "spa",
    "spas",
    "teetasse",
    "tees",
    "chefchef",
    "x",
]


def brute_force(terms: list[Term], word: str) -> list[Term]:
    """Each term tried on the word, as the lexicon's term syntax describes it."""

    def matches(t: Term) -> bool:
        if t.kind is Kind.PREFIX:
            return word.startswith(t.stem)
        if t.kind is Kind.INFIX:
            return t.stem in word
        endings = ENDINGS if len(t.stem) >= SHORT_STEM else ("",)
        return any(word.endswith(t.stem + e) for e in endings)

    return [t for t in terms if matches(t)]


def built_in_affix_terms() -> list[Term]:
    parsed = [parse_term(raw) for raws in TERMS.values() for raw in raws]
    return [t for t in parsed if isinstance(t, Term) and t.kind is not Kind.WORD]


def index_of(terms: list[Term]) -> AffixIndex[Term]:
    index: AffixIndex[Term] = AffixIndex(ENDINGS, SHORT_STEM)
    for t in terms:
        {Kind.PREFIX: index.add_prefix, Kind.SUFFIX: index.add_suffix, Kind.INFIX: index.add_infix}[
            t.kind
        ](t.stem, t)
    return index


@pytest.mark.parametrize("word", WORDS)
def test_the_index_finds_the_terms_a_brute_force_search_finds(word: str) -> None:
    terms = built_in_affix_terms()
    assert index_of(terms).matches(word) == brute_force(terms, word)


def test_short_suffix_stems_take_no_endings_and_repeats_count_once() -> None:
    terms = [parse_term(raw) for raw in ("*ei", "*bad", "*chef*", "*chef*", "tee*", "*zimmer")]
    affixes = [t for t in terms if isinstance(t, Term)]
    index = index_of(affixes)
    assert index.matches("meinen") == []
    assert [t.text for t in index.matches("frühstücksei")] == ["*ei"]
    assert [t.text for t in index.matches("chefchef")] == ["*chef*", "*chef*"]
    assert [t.text for t in index.matches("hotelzimmern")] == ["*zimmer"]
    assert index.matches("bäder") == []
