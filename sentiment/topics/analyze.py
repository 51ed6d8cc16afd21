"""Topics of reviews with the polarity of the sentence (or clause) each was found in.

Only sentences that name a topic are classified, all of a batch in one call, and by the
bundled ensemble's n-gram member alone where it is confident (`sentiment.cascade`), so
topics cost a fraction of the review classification itself. A review that names no topic
gets the overall impression (Gesamteindruck) with the polarity of the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sentiment.base import Classifier, Sentiment
from sentiment.cascade import cheap_first
from sentiment.topics.lexicon import Lexicon
from sentiment.topics.sentences import split_clauses, split_sentences
from sentiment.topics.taxonomy import OVERALL

QUOTE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Mention:
    """One topic of one review: its polarity, the sentence it came from, the words found."""

    topic: str
    polarity: str
    quote: str
    words: tuple[str, ...]
    confidence: float

    def as_dict(self) -> dict[str, str]:
        return {"topic": self.topic, "polarity": self.polarity, "quote": self.quote}


@dataclass(frozen=True, slots=True)
class _Found:
    review: int
    topic: str
    unit: str
    words: tuple[str, ...]


def polarity(sentiment: Sentiment) -> tuple[str, float]:
    """The label and its probability: a topic's tone is the tone of its own sentence."""
    return sentiment.label, sentiment.probs[sentiment.label]


class TopicAnalyzer:
    """Finds topics with a lexicon and gives each the polarity of its own sentence."""

    def __init__(self, lexicon: Lexicon, classifier: Classifier) -> None:
        self.lexicon = lexicon
        self._classifier = classifier
        self._sentences = cheap_first(classifier)

    def analyze(
        self, texts: Sequence[str], overall: Sequence[Sentiment] | None = None
    ) -> list[list[Mention]]:
        """Mentions per text, one per topic; `overall` = the texts' own sentiment if known."""
        found = [f for i, text in enumerate(texts) for f in self._find(i, text)]
        settled = self._settled(texts, overall)
        units = list(dict.fromkeys(f.unit for f in found if f.review not in settled))
        tones = dict(zip(units, self._sentences.classify(units), strict=True))
        results: list[dict[str, Mention]] = [{} for _ in texts]
        for f in found:
            tone = settled[f.review] if f.review in settled else tones[f.unit]
            label, confidence = polarity(tone)
            known = results[f.review].get(f.topic)
            if known is None or confidence > known.confidence:
                quote = f.unit[:QUOTE_CHARS]
                mention = Mention(f.topic, label, quote, f.words, confidence)
                results[f.review][f.topic] = mention
        self._add_overall(texts, results, overall)
        return [list(r.values()) for r in results]

    def _settled(
        self, texts: Sequence[str], overall: Sequence[Sentiment] | None
    ) -> dict[int, Sentiment]:
        """Reviews of one sentence: their own sentiment is that sentence's."""
        if overall is None:
            return {}
        return {
            i: tone
            for i, (text, tone) in enumerate(zip(texts, overall, strict=True))
            if len(split_sentences(text)) <= 1
        }

    def _find(self, review: int, text: str) -> list[_Found]:
        found: list[_Found] = []
        for sentence in split_sentences(text):
            topics = self.lexicon.find(sentence)
            if len(topics) > 1:
                found += self._by_clause(review, sentence, topics)
            else:
                found += [_Found(review, t, sentence, tuple(w)) for t, w in topics.items()]
        return found

    def _by_clause(self, review: int, sentence: str, topics: dict[str, list[str]]) -> list[_Found]:
        """Each topic with the clause that names it, or the whole sentence if none does."""
        clauses = split_clauses(sentence)
        found: list[_Found] = []
        for topic, words in topics.items():
            homes = (
                [c for c in clauses if topic in self.lexicon.find(c)] if len(clauses) > 1 else []
            )
            unit = homes[0] if len(homes) == 1 else sentence
            found.append(_Found(review, topic, unit, tuple(words)))
        return found

    def _add_overall(
        self,
        texts: Sequence[str],
        results: list[dict[str, Mention]],
        overall: Sequence[Sentiment] | None,
    ) -> None:
        empty = [i for i, r in enumerate(results) if not r and texts[i].strip()]
        if not empty:
            return
        given = overall is not None
        tones = [overall[i] for i in empty] if overall is not None else []
        if not given:
            tones = self._classifier.classify([texts[i] for i in empty])
        for i, tone in zip(empty, tones, strict=True):
            label, confidence = polarity(tone)
            quote = " ".join(texts[i].split())[:QUOTE_CHARS]
            results[i][OVERALL] = Mention(OVERALL, label, quote, (), confidence)
