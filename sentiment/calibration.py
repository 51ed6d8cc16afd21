"""Probabilities that mean what they say: temperature scaling and how to measure it.

Averaging two members squeezes probabilities towards the middle. Dividing the log of the
averaged probabilities by one temperature T and renormalising (p ∝ p_avg ** (1/T)) spreads
them again without changing which label is largest, so labels stay exactly as they were.
T is fitted once, on a calibration split, by negative log-likelihood (MODEL_CARD.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def temper(log_probs: Array, temperature: float) -> Array:
    """Rows of probabilities from rows of log-probabilities divided by `temperature`."""
    scaled = log_probs / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    out: Array = np.exp(scaled)
    out /= out.sum(axis=1, keepdims=True)
    return out


def temper_one(probs: Sequence[float], temperature: float) -> list[float]:
    """`temper` for one row of probabilities (not logs), in plain floats."""
    if temperature == 1.0:
        return list(probs)
    logs = [math.log(max(p, 1e-12)) / temperature for p in probs]
    top = max(logs)
    raw = [math.exp(v - top) for v in logs]
    total = sum(raw)
    return [v / total for v in raw]


def nll(log_probs: Array, gold: Sequence[int], temperature: float) -> float:
    probs = temper(log_probs, temperature)
    picked = probs[np.arange(len(gold)), np.asarray(gold)]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(log_probs: Array, gold: Sequence[int]) -> float:
    """The T in [0.05, 20] with the least negative log-likelihood (golden-section search)."""
    lo, hi = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if nll(log_probs, gold, math.exp(a)) <= nll(log_probs, gold, math.exp(b)):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def expected_calibration_error(probs: Array, gold: Sequence[int], bins: int = 15) -> float:
    """Top-label ECE: |accuracy − confidence| per confidence bin, weighted by bin size."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(gold)
    edges = np.linspace(0.0, 1.0, bins + 1)
    at = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        rows = at == b
        if rows.any():
            total += rows.mean() * abs(correct[rows].mean() - confidence[rows].mean())
    return float(total)


@dataclass(frozen=True, slots=True)
class RulePoint:
    """How the negative-text rule does at one threshold on star-rated reviews."""

    threshold: float
    flagged_low: float
    n_low: int
    flagged_five: float
    n_five: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "threshold": self.threshold,
            "flagged_low": self.flagged_low,
            "n_low": self.n_low,
            "flagged_five": self.flagged_five,
            "n_five": self.n_five,
        }


def rule_point(p_negative: Sequence[float], stars: Sequence[float], threshold: float) -> RulePoint:
    """Shares of ≤ 2-star and of 5-star reviews whose P(negative) reaches `threshold`."""
    p, s = np.asarray(p_negative, dtype=np.float64), np.asarray(stars, dtype=np.float64)
    low, five = p[s <= 2], p[s == 5]
    return RulePoint(
        threshold=threshold,
        flagged_low=float((low >= threshold).mean()) if low.size else 0.0,
        n_low=int(low.size),
        flagged_five=float((five >= threshold).mean()) if five.size else 0.0,
        n_five=int(five.size),
    )


def rule_threshold(
    p_negative: Sequence[float], stars: Sequence[float], five_star_share: float
) -> RulePoint:
    """The lowest threshold (two decimals) flagging at most `five_star_share` of 5-star ones.

    Lower thresholds flag more ≤ 2-star reviews, so the lowest allowed one flags the most.
    """
    for hundredths in range(1, 101):
        point = rule_point(p_negative, stars, hundredths / 100)
        if point.flagged_five <= five_star_share:
            return point
    return rule_point(p_negative, stars, 1.0)
