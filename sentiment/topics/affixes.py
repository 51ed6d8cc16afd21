"""Which prefix, suffix and infix terms match a word, by dictionary look-ups.

Trying each of the ~900 built-in affix terms on every new word cost about 5 ms a review
before the word cache warmed up (bench/topics_cost.py). Here each kind of term is indexed by
its stem, and a word is cut into just the pieces that could be such a stem: its prefixes,
its endings (with and without a German inflection ending) and its substrings, of the lengths
the stems have. The answer is the same terms in the order they were added.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class _ByStem(Generic[T]):
    """Stem → the (order, item) pairs added under it, and the lengths stems have."""

    def __init__(self) -> None:
        self.items: dict[str, list[tuple[int, T]]] = {}
        self.lengths: list[int] = []

    def add(self, stem: str, order: int, item: T) -> None:
        self.items.setdefault(stem, []).append((order, item))
        if len(stem) not in self.lengths:
            self.lengths = sorted({*self.lengths, len(stem)})


class AffixIndex(Generic[T]):
    """Affix terms by stem; `matches(word)` yields those whose stem sits where they ask.

    A suffix stem may be followed by one of `endings`, unless it is shorter than
    `short_stem` (then it must end the word, as in `sentiment.topics.lexicon`).
    """

    def __init__(self, endings: tuple[str, ...], short_stem: int) -> None:
        self._endings = tuple(sorted(set(endings), key=len))
        self._short = short_stem
        self._prefix: _ByStem[T] = _ByStem()
        self._suffix: _ByStem[T] = _ByStem()
        self._infix: _ByStem[T] = _ByStem()
        self._count = 0

    def add_prefix(self, stem: str, item: T) -> None:
        self._prefix.add(stem, self._next(), item)

    def add_suffix(self, stem: str, item: T) -> None:
        self._suffix.add(stem, self._next(), item)

    def add_infix(self, stem: str, item: T) -> None:
        self._infix.add(stem, self._next(), item)

    def _next(self) -> int:
        self._count += 1
        return self._count

    def matches(self, word: str) -> list[T]:
        """The items whose term matches `word`, each once, in the order they were added."""
        found = dict(self._candidates(word))
        return [found[order] for order in sorted(found)]

    def _candidates(self, word: str) -> Iterator[tuple[int, T]]:
        size = len(word)
        for length in self._prefix.lengths:
            if length > size:
                break
            yield from self._prefix.items.get(word[:length], ())
        for length in self._infix.lengths:
            if length > size:
                break
            for start in range(size - length + 1):
                yield from self._infix.items.get(word[start : start + length], ())
        yield from self._suffixes(word)

    def _suffixes(self, word: str) -> Iterator[tuple[int, T]]:
        for ending in self._endings:
            if not word.endswith(ending):
                continue
            rest = word[: len(word) - len(ending)] if ending else word
            for length in self._suffix.lengths:
                if length > len(rest):
                    break
                if ending and length < self._short:
                    continue
                yield from self._suffix.items.get(rest[len(rest) - length :], ())
