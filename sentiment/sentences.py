"""Sentence-level sentiment, so each topic of a review can get the polarity of its own sentence.

German sentence boundaries come from `sentencex` (Wikimedia's segmenter with German
abbreviation lists: "z. B.", "Dr.", "ca.", dates and "5/5" do not end a sentence). All
sentences of all texts go to the classifier in one batched call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sentencex import segment

from sentiment.base import Classifier, Sentiment

LANGUAGE = "de"


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """One sentence of a text, where it starts in that text, and its sentiment."""

    text: str
    start: int
    sentiment: Sentiment


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs, sentences stripped, empty ones dropped."""
    out: list[tuple[int, str]] = []
    at = 0
    for part in segment(LANGUAGE, text):
        found = text.find(part, at)
        start = found if found >= 0 else at
        at = start + len(part)
        stripped = part.strip()
        if stripped:
            out.append((start + len(part) - len(part.lstrip()), stripped))
    return out


def classify_sentences(
    classifier: Classifier, texts: Sequence[str]
) -> list[list[SentenceSentiment]]:
    """Per text, its sentences with their sentiment; one classifier call for all of them."""
    split = [split_sentences(text) for text in texts]
    flat = [sentence for sentences in split for _, sentence in sentences]
    results = iter(classifier.classify(flat) if flat else [])
    return [
        [SentenceSentiment(sentence, start, next(results)) for start, sentence in sentences]
        for sentences in split
    ]
