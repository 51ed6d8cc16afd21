"""Topic sentences classified by an ensemble's n-gram member first, the whole ensemble only where
that member is unsure.

The transformer member costs 5–8 times what the n-gram member costs per text, and topic
sentences carry nearly as many tokens as the reviews they come from, so classifying them with
the whole ensemble took more than the reviews' own classification (bench/topics_cost.py).
Where the n-gram member gives its label a probability of at least `CONFIDENT`, the bundled
ensemble gave the same label to 99.8 % of the topic sentences of the benchmark's 1,000 reviews,
and polarity accuracy on the restaurant and hotel aspect files did not drop (MODEL_CARD.md,
"Speed and size"); the transformer then runs on about half of the sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

from sentiment.base import Classifier, Sentiment
from sentiment.ensemble import EnsembleClassifier
from sentiment.linear import LinearClassifier

CONFIDENT = 0.8


class CheapFirst:
    """The ensemble, asked only about the texts its cheap member is unsure of."""

    def __init__(self, ensemble: EnsembleClassifier, cheap: int, confident: float = CONFIDENT):
        self.name = ensemble.name
        self._ensemble = ensemble
        self._cheap = cheap
        self._confident = confident

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        first = self._ensemble.members[self._cheap].classify(texts)
        unsure = [i for i, s in enumerate(first) if s.probs[s.label] < self._confident]
        out = list(first)
        if unsure:
            known = {self._cheap: [first[i] for i in unsure]}
            decided = self._ensemble.classify_given([texts[i] for i in unsure], known)
            for i, sentiment in zip(unsure, decided, strict=True):
                out[i] = sentiment
        return out


def cheap_first(classifier: Classifier) -> Classifier:
    """`CheapFirst` for an ensemble of an n-gram member and another kind; else the classifier."""
    if not isinstance(classifier, EnsembleClassifier):
        return classifier
    kinds = [isinstance(m, LinearClassifier) for m in classifier.members]
    if all(kinds) or not any(kinds):
        return classifier
    return CheapFirst(classifier, kinds.index(True))
