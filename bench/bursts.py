"""Suspicious-burst detection on simulated review streams: `python bench/bursts.py [--seed 19]`.

1,000 businesses over two years: review rates drawn uniformly from 0.5–20 a week, negative
share 10–30 %, a ±50 % seasonal swing and quiet weeks (one in ten, no reviews). Half of the
businesses get one injected burst a year at a random time: max(5, 5 × the negatives expected
in its window) negative reviews within 6–48 hours. The detector (`alerts.bursts.find_burst`)
runs after each simulated 6-hourly crawl that brought a new negative review, as the service
does; negatives within two days after a burst alert join it instead of alerting again.

Detection rate: injected bursts that an alert reported (any of its reviews in the alert);
delay: from the burst's first review to that alert; false alarms: alerts without a single
injected review, per business-year. Prints numbers, asserts nothing; the last line is
machine-readable.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from alerts.bursts import Arrival, BurstSettings, find_burst

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HOURS = 2 * 365 * 24
WARMUP = 90 * 24
"""Reviews from the 90 days before the two years: the backlog a first crawl brings."""
CRAWL_HOURS = 6
JOIN = timedelta(hours=48)


@dataclass
class Business:
    times: list[float]
    negative: list[bool]
    injected: dict[int, int] = field(default_factory=dict)
    """Review index → burst number (global)."""


@dataclass
class Injected:
    start: float
    found_at: float | None = None


def simulate(rng: np.random.Generator, bursty: bool, bursts: list[Injected]) -> Business:
    rate, share, phase = rng.uniform(0.5, 20), rng.uniform(0.1, 0.3), rng.uniform(0, 2 * math.pi)
    weeks = (HOURS + WARMUP) // 168 + 1
    starts = np.arange(weeks) * 168.0 - WARMUP
    season = 1 + 0.5 * np.sin(2 * math.pi * starts / (365 * 24) + phase)
    mult = season * (rng.random(weeks) >= 0.1)
    counts = rng.poisson(rate * mult)
    times = np.repeat(starts, counts) + rng.uniform(0, 168, counts.sum())
    negative = rng.random(times.size) < share
    extra_t: list[float] = []
    owner: list[int] = []
    for year in range(2) if bursty else ():
        t0 = year * 8760 + rng.uniform(0, 8760 - 48)
        span = rng.uniform(6, 48)
        expected = rate * (1 + 0.5 * math.sin(2 * math.pi * t0 / 8760 + phase)) * share * span / 168
        size = max(5, math.ceil(5 * expected))
        extra_t += list(t0 + rng.uniform(0, span, size))
        owner += [len(bursts)] * size
        bursts.append(Injected(t0))
    all_t = np.concatenate([times, np.array(extra_t)])
    all_neg = np.concatenate([negative, np.ones(len(extra_t), dtype=bool)])
    burst_of = np.concatenate([np.full(times.size, -1), np.array(owner, dtype=int)])
    keep = all_t < HOURS
    order = np.argsort(all_t[keep])
    t, n, o = all_t[keep][order], all_neg[keep][order], burst_of[keep][order]
    business = Business(list(t), list(n), {i: int(b) for i, b in enumerate(o) if b >= 0})
    return business


def run(business: Business, settings: BurstSettings, bursts: list[Injected]) -> tuple[int, int]:
    """Run the detector crawl by crawl; return (alerts, false alarms)."""
    at = [T0 + timedelta(hours=h) for h in business.times]
    arrivals = [
        Arrival(i, when, neg)
        for i, (when, neg) in enumerate(zip(at, business.negative, strict=True))
    ]
    reach = settings.history + max(settings.windows) + timedelta(days=1)
    reported: set[int] = set()
    joined_until = T0
    alerts = false = 0
    last = bisect_right(at, T0)
    for crawl in range(CRAWL_HOURS, HOURS + 1, CRAWL_HOURS):
        now = T0 + timedelta(hours=crawl)
        upto = bisect_right(at, now)
        new = [a for a in arrivals[last:upto] if a.negative]
        last = upto
        if not new:
            continue
        if now - timedelta(hours=CRAWL_HOURS) <= joined_until:
            reported.update(a.key for a in new if a.at <= joined_until)
            new = [a for a in new if a.at > joined_until]
            if not new:
                continue
        lo = bisect_left(at, now - reach)
        burst = find_burst(arrivals[lo:upto], now, settings, reported)
        if burst is None:
            continue
        alerts += 1
        keys = [int(str(k)) for k in burst.keys]
        reported.update(keys)
        joined_until = now + JOIN
        hit = {business.injected[k] for k in keys if k in business.injected}
        false += not hit
        for number in hit:
            if bursts[number].found_at is None:
                bursts[number].found_at = crawl
    return alerts, false


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--businesses", type=int, default=1000)
    parser.add_argument("--p-value", type=float, default=BurstSettings().p_value)
    parser.add_argument("--spread", type=float, default=BurstSettings().spread)
    parser.add_argument("--min-count", type=int, default=BurstSettings().min_count)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    settings = BurstSettings(p_value=args.p_value, spread=args.spread, min_count=args.min_count)
    bursts: list[Injected] = []
    alerts = false = 0
    started = time.perf_counter()
    for number in range(args.businesses):
        business = simulate(rng, number % 2 == 0, bursts)
        a, f = run(business, settings, bursts)
        alerts, false = alerts + a, false + f
    found = [b for b in bursts if b.found_at is not None]
    delays = [b.found_at - b.start for b in found if b.found_at is not None]
    rate = len(found) / len(bursts) if bursts else 0.0
    years = args.businesses * 2
    print(f"{args.businesses} businesses, 2 years, seed {args.seed}, {settings}")
    print(
        f"{len(bursts)} injected bursts, {len(found)} flagged; {alerts} burst alerts,"
        f" {false} without an injected review; {time.perf_counter() - started:.0f} s"
    )
    median = statistics.median(delays) if delays else float("nan")
    print(
        f"detection_rate={rate:.3f} median_delay_h={median:.1f}"
        f" false_alarms_per_business_year={false / years:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
