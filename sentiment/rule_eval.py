"""How the negative-text alert rule would fire on an operator's own star-rated reviews.

The file is tab-separated with a header naming `stars` (1–5) and `text` (`title` optional,
joined to the text as the service does). The rule flags a review when P(negative) reaches
the threshold; the answer is the share of ≤ 2-star and of 5-star reviews flagged.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sentiment.base import Classifier
from sentiment.calibration import RulePoint, rule_point
from sentiment.cleaning import review_text
from sentiment.evaluate import EvalDataError


@dataclass(frozen=True, slots=True)
class StarredReview:
    stars: float
    text: str


def read_starred(path: Path) -> list[StarredReview]:
    """Rows of a TSV with `stars` and `text` columns; one clear error naming file and line."""
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalDataError(f"{path}: cannot read: {exc}") from None
    header = [name.strip().lower() for name in rows[0]] if rows else []
    if "stars" not in header or "text" not in header:
        raise EvalDataError(
            f"{path}: the header must name the columns stars (1–5) and text, got {header}"
        )
    at: dict[str, int] = {n: header.index(n) for n in ("stars", "text", "title") if n in header}
    reviews = [_review(path, n, row, at) for n, row in enumerate(rows[1:], 2)]
    if not reviews:
        raise EvalDataError(f"{path}: no rows after the header")
    return reviews


def _review(path: Path, line: int, row: list[str], at: dict[str, int]) -> StarredReview:
    if len(row) <= max(at["stars"], at["text"]):
        raise EvalDataError(f"{path}: line {line}: expected a stars and a text column")
    raw = row[at["stars"]].strip()
    try:
        stars = float(raw.replace(",", "."))
    except ValueError:
        stars = math.nan
    if not 1 <= stars <= 5:
        raise EvalDataError(f"{path}: line {line}: stars {raw!r} is not a number from 1 to 5")
    title = row[at["title"]] if "title" in at and at["title"] < len(row) else ""
    return StarredReview(stars, review_text(title, row[at["text"]]))


def rule_on_reviews(
    classifier: Classifier, reviews: Sequence[StarredReview], threshold: float
) -> RulePoint:
    """Classify every review once and apply the rule at `threshold`."""
    results = classifier.classify([r.text for r in reviews])
    p_negative = [s.probs.get("negative", 0.0) for s in results]
    return rule_point(p_negative, [r.stars for r in reviews], threshold)
