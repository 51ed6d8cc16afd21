"""Cutting German review text into sentences, and a sentence with several topics into clauses.

A stand-in until the sentiment package's own sentence splitter lands: abbreviations
("z. B.", "Dr.", "ca."), ordinals and dates ("3. Mai", "12.03.2026") and ratings ("5/5")
do not end a sentence.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    (  # noqa: SIM905
        "a abs abt allg apr aug b bspw bzw ca co d dez dh di dipl do dr etc evtl exkl feb fr frl "
        "gem ggf h hr ing inkl jan jul jun max med mi min mind mo mär nov nr o od okt prof s sa "
        "sep sept so st std str tel tlw u ua usw uvm vgl z zb zt zzgl ä"
    ).split()
)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'»«“”)]*\s+|\s*\n+\s*")
_LAST_WORD = re.compile(r"(?<![/\d])(\w+)\.$")
_CLAUSE = re.compile(
    r"\s*(?:;|,?\s+(?:aber|doch|jedoch|allerdings|dafür|nur|leider|sondern|während)\s+)\s*",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order, stripped; none empty."""
    pieces = [p for p in _BOUNDARY.split(text.strip()) if p and p.strip()]
    sentences: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if sentences and _continues(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _continues(previous: str) -> bool:
    """Whether `previous` ends in an abbreviation or an ordinal rather than a full stop."""
    match = _LAST_WORD.search(previous)
    if match is None:
        return False
    word = match.group(1)
    return (word.isdigit() and len(word) <= 2) or word.lower() in ABBREVIATIONS


def split_clauses(sentence: str) -> list[str]:
    """A sentence cut at "aber", "doch", ";" …, where opinions about two things often turn."""
    return [c for c in _CLAUSE.split(sentence) if c.strip()]
