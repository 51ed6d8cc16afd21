"""The trend chart: one star axis, thin weeks marked and smoothed, legible on a phone."""

from __future__ import annotations

import struct

from alerts.report.charts import (
    DPI,
    MIN_REVIEWS,
    TrendChart,
    TrendText,
    trend_series,
)
from alerts.report.model import RatingStats, WeekPoint
from alerts.report.weeks import IsoWeek

PHONE_IMAGE_CSS_PX = 350  # a 390 px phone minus the mail's margins and padding
TEXT = TrendText([f"KW{w}" for w in range(36, 48)], lambda v: f"{v:.0f} ★")


def _points(weeks: list[list[float]]) -> list[WeekPoint]:
    return [
        WeekPoint(IsoWeek(2026, 36 + i), RatingStats(len(s), len(s), float(sum(s))))
        for i, s in enumerate(weeks)
    ]


def test_single_reviews_do_not_swing_the_line() -> None:
    """One review a week, 5 and 1 stars in turn: weekly averages would jump 1 ↔ 5."""
    weeks = [[5.0] if i % 2 else [1.0] for i in range(12)]
    series = trend_series(_points(weeks))
    assert series.thin_weeks == (True,) * 12
    assert series.solid == (False, False) + (True,) * 10
    steady = [a for a in series.averages[3:] if a is not None]
    assert steady == [3.0] * 9  # four weeks: two 5s and two 1s


def test_busy_weeks_are_solid_and_thin_weeks_marked() -> None:
    weeks = [[4.0, 5.0, 4.0]] * 10 + [[1.0], []]
    series = trend_series(_points(weeks))
    assert series.counts[-2:] == (1, 0)
    assert series.thin_weeks == (False,) * 10 + (True, True)
    assert all(series.solid)
    assert series.averages[-2] == (3 * 13 + 1) / 10  # three busy weeks and the 1 star
    assert series.averages[-1] is not None and series.averages[0] == 13 / 3
    assert MIN_REVIEWS == 3


def test_one_star_axis_with_its_own_grid() -> None:
    chart = TrendChart(12)
    chart.png(_points([[4.0, 5.0]] * 12), TEXT)
    stars, counts = chart.figure.axes
    assert len(chart.figure.axes) == 2  # two panels, no twin axis sharing a grid
    assert list(stars.get_yticks()) == [1, 2, 3, 4, 5]
    assert [t.get_text() for t in stars.get_yticklabels()] == [f"{n} ★" for n in range(1, 6)]
    assert list(counts.get_yticks()) == []  # counts are written on the bars instead
    assert [t.get_text() for t in counts.texts] == ["2"] * 12


def test_labels_are_legible_at_phone_width() -> None:
    chart = TrendChart(12)
    png = chart.png(_points([[4.0]] * 12), TEXT)
    width = struct.unpack(">I", png[16:20])[0]
    scale = PHONE_IMAGE_CSS_PX / width
    stars, counts = chart.figure.axes
    sizes = [t.get_fontsize() for t in stars.get_yticklabels() + counts.get_xticklabels()]
    sizes += [t.get_fontsize() for t in counts.texts]
    smallest_css_px = min(float(s) for s in sizes) * DPI / 72 * scale
    assert smallest_css_px >= 15, smallest_css_px
    assert [t.get_text() for t in counts.get_xticklabels()] == ["KW38", "KW41", "KW44", "KW47"]
    assert chart.png(_points([[4.0]] * 12), TEXT) == png
