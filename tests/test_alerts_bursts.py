"""The burst detector: a pure function over one source's arrivals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.bursts import Arrival, BurstSettings, find_burst, poisson_tail

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _history(per_week: int, share_every: int, days: int = 120) -> list[Arrival]:
    """A steady source: `per_week` reviews a week, every `share_every`-th one negative."""
    step = timedelta(days=7) / per_week
    count = int(days * DAY / step)
    return [
        Arrival(f"h{i}", NOW - DAY - i * step, (i + 1) % share_every == 0, f"Bewertung {i}")
        for i in range(count)
    ]


def _attack(n: int, hours: float, text: str = "") -> list[Arrival]:
    return [
        Arrival(f"a{i}", NOW - timedelta(hours=hours * i / n), True, text or f"Schlecht {i} xyz")
        for i in range(n)
    ]


def test_quiet_history_then_nine_negatives_in_a_day_is_a_burst() -> None:
    arrivals = _history(per_week=5, share_every=5) + _attack(9, 20)
    burst = find_burst(arrivals, NOW)
    assert burst is not None
    assert burst.reason == "rate"
    assert set(burst.keys) == {f"a{i}" for i in range(9)}
    assert burst.window <= timedelta(hours=24)
    assert burst.expected < 1.0
    assert burst.p_value < BurstSettings().p_value


def test_the_same_day_at_a_busy_source_is_normal() -> None:
    """40 reviews a week, half negative: nine negatives in a day are what it always gets."""
    arrivals = _history(per_week=40, share_every=2) + _attack(9, 20)
    assert find_burst(arrivals, NOW) is None


def test_fewer_than_the_minimum_never_alert() -> None:
    arrivals = _history(per_week=1, share_every=10) + _attack(4, 2)
    assert find_burst(arrivals, NOW) is None
    assert find_burst(arrivals, NOW, BurstSettings(min_count=4)) is not None


def test_reported_reviews_are_left_out_and_do_not_alert_again() -> None:
    arrivals = _history(per_week=5, share_every=5) + _attack(9, 20)
    burst = find_burst(arrivals, NOW)
    assert burst is not None
    assert find_burst(arrivals, NOW, exclude=set(burst.keys)) is None


def test_reviews_after_now_are_not_seen() -> None:
    arrivals = _history(per_week=5, share_every=5) + _attack(9, 20)
    assert find_burst(arrivals, NOW - timedelta(hours=21)) is None


def test_near_identical_texts_are_a_burst_even_at_a_busy_source() -> None:
    text = "Total unfreundlich, nie wieder hier essen, eine absolute Frechheit!"
    copies = [
        Arrival("c1", NOW - timedelta(hours=30), True, text),
        Arrival("c2", NOW - timedelta(hours=20), True, text.upper()),
        Arrival(
            "c3",
            NOW - timedelta(hours=2),
            True,
            "Total unfreundlich. Nie wieder hier essen - eine Frechheit",
        ),
    ]
    arrivals = _history(per_week=40, share_every=2) + copies
    burst = find_burst(arrivals, NOW)
    assert burst is not None
    assert burst.reason == "similar"
    assert set(burst.keys) == {"c1", "c2", "c3"}
    assert find_burst(arrivals[:-1], NOW) is None  # two are not many


def test_short_texts_never_count_as_near_identical() -> None:
    copies = [Arrival(f"s{i}", NOW - timedelta(hours=i), True, "Schlecht.") for i in range(4)]
    assert find_burst(_history(per_week=40, share_every=2) + copies, NOW) is None


def test_empty_history_is_no_burst() -> None:
    assert find_burst([], NOW) is None


@pytest.mark.parametrize(
    ("k", "mu", "expected"),
    [(0, 1.0, 1.0), (1, 1.0, 0.6321205588), (5, 0.1, 7.6678016862e-08), (10, 1.7, 1.19727796e-05)],
)
def test_poisson_tail(k: int, mu: float, expected: float) -> None:
    assert poisson_tail(k, mu) == pytest.approx(expected, rel=1e-8)
