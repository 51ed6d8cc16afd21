"""Suspicious bursts (Bewertungs-Angriff): far more negative reviews than a source's history
makes plausible, or several near-identical negative texts in a short time.

A pure function over one source's arrival history. The rate test: for windows of 6 to 48
hours ending now, the negatives in the window are compared with a Poisson model whose rate is
the source's own negatives in the 90 days before the window, or in the last 28 days where
that is higher (plus a small prior); a window with at least `min_count` negatives and a tail
probability below `p_value` is a burst. Reviews already reported in a burst are left out of
both the count and the history, so an attack neither fires twice nor raises the bar for the
next one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

HOUR = timedelta(hours=1)
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Arrival:
    """One review of a source: when it appeared, whether it is negative, its text."""

    key: Hashable
    at: datetime
    negative: bool
    text: str = ""


@dataclass(frozen=True, slots=True)
class BurstSettings:
    windows: tuple[timedelta, ...] = tuple(h * HOUR for h in range(6, 49, 6))
    """Every crawl interval (6 h) up to the longest burst asked for (48 h)."""
    history: timedelta = timedelta(days=90)
    recent_history: timedelta = timedelta(days=28)
    """The last weeks' rate counts too where it is higher: a season on the rise."""
    min_history: timedelta = timedelta(days=28)
    """A younger source is judged as if it had this much (quiet) history, plus the prior."""
    prior_negatives: float = 1.0
    spread: float = 1.0
    """The history's rate times this, for a margin; 1.0 since the 28-day rate follows seasons."""
    min_count: int = 5
    p_value: float = 1.5e-4
    """Chosen on bench/bursts.py's simulation: ≥ 90 % of bursts at ≤ 0.1 false alarms a year."""
    similar_count: int = 3
    similar_ratio: float = 0.85
    similar_min_chars: int = 20


@dataclass(frozen=True, slots=True)
class Burst:
    reason: str
    """"rate" (too many negatives) or "similar" (near-identical texts)."""
    keys: tuple[Hashable, ...]
    window: timedelta
    expected: float
    p_value: float = field(default=0.0)

    @property
    def count(self) -> int:
        return len(self.keys)


def find_burst(
    arrivals: Sequence[Arrival],
    now: datetime,
    settings: BurstSettings | None = None,
    exclude: Collection[Hashable] = (),
    started: datetime | None = None,
) -> Burst | None:
    """The strongest burst of negative reviews ending at `now`, or None.

    `arrivals` needs to reach back only `history` plus the longest window; `started` is when
    the source's history begins (default: its earliest arrival).
    """
    settings = settings or BurstSettings()
    seen = [a for a in arrivals if a.at <= now and a.key not in exclude]
    if not seen:
        return None
    negatives = sorted((a for a in seen if a.negative), key=lambda a: a.at)
    start = started or min(a.at for a in seen)
    found = [_rate_burst(negatives, start, now, w, settings) for w in settings.windows]
    bursts = [b for b in found if b is not None]
    if bursts:
        return min(bursts, key=lambda b: (b.p_value, -b.count))
    return _similar_burst(negatives, now, settings)


def _rate_burst(
    negatives: Sequence[Arrival],
    first: datetime,
    now: datetime,
    window: timedelta,
    settings: BurstSettings,
) -> Burst | None:
    cut = now - window
    recent = [a for a in negatives if a.at > cut]
    if len(recent) < settings.min_count:
        return None
    rate = max(
        _rate(negatives, first, cut, settings.history, settings),
        _rate(negatives, first, cut, settings.recent_history, settings),
    )
    expected = rate * (window / HOUR) * settings.spread
    p = poisson_tail(len(recent), expected)
    if p >= settings.p_value:
        return None
    return Burst("rate", tuple(a.key for a in recent), window, expected, p)


def _rate(
    negatives: Sequence[Arrival],
    first: datetime,
    cut: datetime,
    length: timedelta,
    settings: BurstSettings,
) -> float:
    """Negatives per hour in the `length` before `cut`, with the prior."""
    since = cut - length
    past = sum(1 for a in negatives if since <= a.at <= cut)
    span = max(cut - max(since, first), min(settings.min_history, length))
    return (past + settings.prior_negatives) / (span / HOUR)


def poisson_tail(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mu), summed from k upwards (exact for tiny tails)."""
    if k <= 0:
        return 1.0
    term = math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1)) if mu > 0 else 0.0
    total, i = 0.0, k
    while term > total * 1e-15 and i < k + 1000:
        total += term
        i += 1
        term *= mu / i
    return min(total, 1.0)


def _similar_burst(
    negatives: Sequence[Arrival], now: datetime, settings: BurstSettings
) -> Burst | None:
    """Several negative reviews within the longest window saying nearly the same thing."""
    window = max(settings.windows)
    recent = [
        a for a in negatives
        if a.at > now - window and len(a.text.strip()) >= settings.similar_min_chars
    ]  # fmt: skip
    for i, anchor in enumerate(recent):
        group = [anchor] + [b for b in recent[i + 1 :] if similar(anchor.text, b.text, settings)]
        if len(group) >= settings.similar_count:
            return Burst("similar", tuple(a.key for a in group), window, 0.0)
    return None


def similar(a: str, b: str, settings: BurstSettings) -> bool:
    """Near-identical after lower-casing and ignoring punctuation and spacing."""
    left, right = " ".join(_WORDS.findall(a.lower())), " ".join(_WORDS.findall(b.lower()))
    return SequenceMatcher(None, left, right).ratio() >= settings.similar_ratio
