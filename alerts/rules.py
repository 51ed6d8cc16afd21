"""Which alert rules a review triggers: stars, a negative text, or a keyword.

Pure functions of the review and the business's rules, so every rule can be tested alone
and the alert can say exactly which rule fired.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from alerts.settings import AlertRules
from storage.models import Review

RuleName = Literal["stars", "negative", "keyword"]
NEGATIVE = "negative"
# Keywords this long also match inside compounds: "Anwalt" in "Rechtsanwalt".
_COMPOUND_MIN = 5


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: RuleName
    threshold: float | None = None
    value: float | None = None
    keyword: str | None = None


def _fold(text: str) -> str:
    """Case- and form-insensitive text: 'STRASSE' ~ 'Straße', decomposed umlauts ~ 'ü'."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=256)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A keyword matches at a word start (any ending), long ones inside compounds too."""
    folded = re.escape(" ".join(_fold(keyword).split())).replace(r"\ ", r"\s+")
    if len(keyword.strip()) >= _COMPOUND_MIN:
        return re.compile(folded)
    return re.compile(rf"(?<!\w){folded}")


def matching_keywords(text: str, keywords: list[str]) -> list[str]:
    folded = _fold(text)
    return [k for k in keywords if k.strip() and keyword_pattern(k).search(folded)]


def negative_probability(review: Review) -> float | None:
    """P(negative) from the classifier; None while the review is not classified."""
    if review.sentiment_label is None:
        return None
    probs = review.sentiment_probs or {}
    if NEGATIVE in probs:
        return float(probs[NEGATIVE])
    return 1.0 if review.sentiment_label == NEGATIVE else 0.0


def evaluate(review: Review, rules: AlertRules) -> list[RuleHit]:
    """Every rule the review triggers, in a fixed order (stars, negative, keywords)."""
    hits: list[RuleHit] = []
    if review.rating is not None and review.rating <= rules.star_threshold:
        hits.append(RuleHit("stars", rules.star_threshold, review.rating))
    probability = negative_probability(review)
    if probability is not None and probability >= rules.negative_probability:
        hits.append(RuleHit("negative", rules.negative_probability, probability))
    text = f"{review.title}\n{review.text}"
    hits.extend(RuleHit("keyword", keyword=k) for k in matching_keywords(text, rules.keywords))
    return hits


def sentiment_pending(review: Review) -> bool:
    """True while the negative-text rule cannot be decided yet."""
    return review.sentiment_label is None
