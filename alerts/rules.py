"""Which alert rules a review triggers: stars, a negative text, or a keyword.

Pure functions of the review and the business's rules, so every rule can be tested alone
and the alert can say exactly which rule fired. `severity` is the one place that decides
whether a review is critical: the alerts and the weekly report both ask it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from alerts.settings import AlertRules

RuleName = Literal["stars", "negative", "keyword"]
Severity = Literal["critical", "mention"]
NEGATIVE = "negative"
# A review reads well by its stars from here up (ratings are stored on a 0–5 scale).
GOOD_STARS = 4.0
# Keywords this long also match inside compounds: "Anwalt" in "Rechtsanwalt".
_COMPOUND_MIN = 5


class Judged(Protocol):
    """What the rules read of a review: a stored `Review` or a row with these columns."""

    @property
    def rating(self) -> float | None: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sentiment_label(self) -> str | None: ...
    @property
    def sentiment_probs(self) -> dict[str, float] | None: ...


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


def negative_probability(review: Judged) -> float | None:
    """P(negative) from the classifier; None while the review is not classified."""
    if review.sentiment_label is None:
        return None
    probs = review.sentiment_probs or {}
    if NEGATIVE in probs:
        return float(probs[NEGATIVE])
    return 1.0 if review.sentiment_label == NEGATIVE else 0.0


def evaluate(review: Judged, rules: AlertRules) -> list[RuleHit]:
    """Every rule the review triggers, in a fixed order (stars, negative, keywords)."""
    hits: list[RuleHit] = []
    if review.rating is not None and review.rating <= rules.star_threshold:
        hits.append(RuleHit("stars", rules.star_threshold, review.rating))
    probability = negative_probability(review)
    if probability is not None and probability >= rules.negative_probability:
        hits.append(RuleHit("negative", rules.negative_probability, probability))
    text = f"{review.title or ''}\n{review.text or ''}"
    hits.extend(RuleHit("keyword", keyword=k) for k in matching_keywords(text, rules.keywords))
    return hits


def reads_well(review: Judged) -> bool:
    """Good by stars and text: some sign that it is good, none that it is bad.

    Four stars or more (or none given) and a text not classified negative; a review with
    neither stars nor a classified text does not read well (nothing says it is good).
    """
    stars_good = review.rating is None or review.rating >= GOOD_STARS
    label = review.sentiment_label
    known_good = review.rating is not None or label is not None
    return stars_good and label != NEGATIVE and known_good


def severity(review: Judged, hits: Sequence[RuleHit]) -> Severity | None:
    """'critical' (an alert), 'mention' (a keyword in a review that reads well) or None.

    Stars or a negative text make a review critical; a keyword alone does so only when the
    review does not read well, otherwise the owner hears of it as a mention.
    """
    if not hits:
        return None
    if any(hit.rule != "keyword" for hit in hits) or not reads_well(review):
        return "critical"
    return "mention"


def is_critical(review: Judged, rules: AlertRules) -> bool:
    """The one rule for "critical", shared by alerts and the report's critical list."""
    return severity(review, evaluate(review, rules)) == "critical"


def sentiment_pending(review: Judged) -> bool:
    """True while the negative-text rule cannot be decided yet."""
    return review.sentiment_label is None
