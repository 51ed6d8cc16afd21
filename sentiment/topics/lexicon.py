"""Matching topic terms inside German words: compounds, inflection, hyphenated words.

A term is written the way an operator thinks of it (see README, "Topics"):

- `termin`    the word itself with its German endings (Termin, Termine, Terminen)
- `termin*`   any word that starts with it (Terminvergabe, terminlich)
- `*zimmer`   any word that ends with it, endings allowed (Wartezimmer, Hotelzimmern)
- `*freundlich*`  anywhere inside a word (unfreundlich, Kinderfreundlichkeit)
- `alles in allem`  several words: the phrase, each word with its endings
- `~hotel`    a weak term (any of the above after `~`): it counts only when the sentence
  names no topic by a strong term ("Das Hotel liegt zentral" is about Lage, not the hotel)

Hyphenated words count joined (Preis-Leistungs-Verhältnis → preisleistungsverhältnis) and,
when the joined form matches nothing, part by part. When several terms match one word, the
operator's own terms win over the built-in ones, and among those only the longest counts,
so `wartezimmer` (Wartezeit) beats `*zimmer` (Ambiente).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum

from sentiment.topics.affixes import AffixIndex

ENDINGS = ("", "e", "en", "er", "es", "em", "n", "s", "ern", "ns", "in", "innen", "nen")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_TERM = re.compile(r"^\*?[^\W\d_]+(?:[- ][^\W\d_]+)*\*?$")
_CACHE_LIMIT = 200_000


class TermError(ValueError):
    """A term that is not written in the lexicon's syntax."""


class Kind(Enum):
    WORD = "word"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    INFIX = "infix"


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    """As written, for explanations ("*zimmer")."""
    stem: str
    kind: Kind
    weak: bool = False
    own: bool = False
    """Added by the operator: wins over built-in terms matching the same word."""


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    weak: bool = False


def parse_term(raw: str) -> Term | Phrase:
    """One term or phrase; TermError when it is not written in the lexicon's syntax."""
    text = raw.strip().lower()
    weak = text.startswith("~")
    text = text.removeprefix("~")
    if not _TERM.match(text) or ("*" in text.strip("*")):
        raise TermError(
            f"expected a word, 'wort*', '*wort', '*wort*' or a phrase of words, got {raw!r}"
        )
    if " " in text:
        if "*" in text:
            raise TermError(f"a phrase takes no '*', got {raw!r}")
        return Phrase(tuple(text.split()), weak)
    stem = text.strip("*").replace("-", "")
    starts, ends = text.startswith("*"), text.endswith("*")
    kind = {
        (False, False): Kind.WORD,
        (False, True): Kind.PREFIX,
        (True, False): Kind.SUFFIX,
        (True, True): Kind.INFIX,
    }[(starts, ends)]
    return Term(text, stem, kind, weak)


SHORT_STEM = 4
"""Stems shorter than this take no endings: `ei` must not match "ein", nor `*ei` "meinen"."""


def _endings(stem: str) -> tuple[str, ...]:
    return ENDINGS if len(stem) >= SHORT_STEM else ("",)


def _word_forms(stem: str) -> set[str]:
    return {stem + ending for ending in _endings(stem)}


def words(text: str) -> list[str]:
    """The lower-cased words of a text, hyphenated compounds kept whole."""
    return _WORD.findall(text.lower())


class Lexicon:
    """Topic → terms; `find(sentence)` says which topics a sentence mentions, and by what.

    `ignore` lists words that never count (vergessen is not about Essen); `own` holds the
    operator's terms, which win over `terms` where both match a word.
    """

    def __init__(
        self,
        terms: Mapping[str, Iterable[str]],
        ignore: Iterable[str] = (),
        own: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._exact: dict[str, list[tuple[str, Term]]] = {}
        self._affix: AffixIndex[tuple[str, Term]] = AffixIndex(ENDINGS, SHORT_STEM)
        self._phrases: list[tuple[str, re.Pattern[str], bool]] = []
        self._ignore = {w.lower() for w in ignore}
        self._cache: dict[str, tuple[tuple[str, bool], ...]] = {}
        for topic, raws in terms.items():
            for raw in raws:
                self._add(topic, parse_term(raw))
        for topic, raws in (own or {}).items():
            for raw in raws:
                term = parse_term(raw)
                self._add(topic, replace(term, own=True) if isinstance(term, Term) else term)

    def _add(self, topic: str, term: Term | Phrase) -> None:
        if isinstance(term, Phrase):
            ends = "(?:" + "|".join(ENDINGS) + ")"
            body = r"\W+".join(re.escape(w) + ends for w in term.words)
            pattern = re.compile(r"(?<!\w)" + body + r"(?!\w)")
            self._phrases.append((topic, pattern, term.weak))
        elif term.kind is Kind.WORD:
            for form in _word_forms(term.stem):
                self._exact.setdefault(form, []).append((topic, term))
        else:
            add = {
                Kind.PREFIX: self._affix.add_prefix,
                Kind.SUFFIX: self._affix.add_suffix,
                Kind.INFIX: self._affix.add_infix,
            }[term.kind]
            add(term.stem, (topic, term))

    def find(self, sentence: str) -> dict[str, list[str]]:
        """Topic → the words of the sentence that mention it, in order.

        Topics named only by weak terms count when no topic is named by a strong one.
        """
        strong: dict[str, list[str]] = {}
        weak: dict[str, list[str]] = {}
        lowered = sentence.lower().replace("€", " euro ")
        for topic, pattern, is_weak in self._phrases:
            for match in pattern.finditer(lowered):
                (weak if is_weak else strong).setdefault(topic, []).append(match.group(0))
        for word in _WORD.findall(lowered):
            for topic, is_weak in self._word_topics(word):
                found = weak if is_weak else strong
                if word not in found.get(topic, ()):
                    found.setdefault(topic, []).append(word)
        return strong or weak

    def _word_topics(self, word: str) -> tuple[tuple[str, bool], ...]:
        hit = self._cache.get(word)
        if hit is None:
            hit = self._match_word(word)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = hit
        return hit

    def _match_word(self, word: str) -> tuple[tuple[str, bool], ...]:
        joined = word.replace("-", "")
        best = self._best(joined)
        if not best and "-" in word:
            best = [m for part in word.split("-") for m in self._best(part)]
        strong = {topic for topic, term in best if not term.weak}
        pairs = [(topic, topic not in strong) for topic, _ in best]
        return tuple(dict.fromkeys(pairs))

    def _best(self, word: str) -> list[tuple[str, Term]]:
        if word in self._ignore:
            return []
        hits = list(self._exact.get(word, []))
        hits += self._affix.matches(word)
        if not hits:
            return []
        if any(t.own for _, t in hits):
            hits = [(topic, t) for topic, t in hits if t.own]
        longest = max(len(t.stem) for _, t in hits)
        return [(topic, t) for topic, t in hits if len(t.stem) == longest]
