"""The report's chart as a PNG: drawn on a bare Agg canvas, no pyplot, no global state.

Sized for a phone: the image is drawn wider (960 px) than it is shown (~560 CSS px), with
large fonts, so it stays sharp and legible when a mail client scales it down. Building axes
and ticks costs more than drawing, so a `TrendChart` is built once and redrawn per report
(one per job run and thread; it is not thread-safe).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from alerts.report.model import WeekPoint

WIDTH_IN, HEIGHT_IN, DPI = 5.2, 3.0, 180
FONT = 17
BAR_COLOR = "#c9d6e8"
LINE_COLOR = "#1f4e8c"
TEXT_COLOR = "#333333"
GRID_COLOR = "#e5e5e5"


@dataclass(frozen=True, slots=True)
class TrendText:
    """Everything the chart writes, already in the report's language."""

    week_labels: Sequence[str]
    format_stars: Callable[[float], str]


class TrendChart:
    """Bars: reviews per week (left axis); line: average stars per week (right axis)."""

    def __init__(self, weeks: int) -> None:
        self.weeks = weeks
        self._fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(self._fig)
        self._fig.subplots_adjust(left=0.10, right=0.86, bottom=0.14, top=0.96)
        self._counts = self._fig.add_subplot()
        self._stars = self._counts.twinx()
        xs = list(range(weeks))
        self._bars = self._counts.bar(xs, [0] * weeks, color=BAR_COLOR, width=0.7)
        (self._line,) = self._stars.plot(
            xs, [math.nan] * weeks, color=LINE_COLOR, linewidth=2.5, marker="o", markersize=7
        )
        self._style()

    def _style(self) -> None:
        counts, stars = self._counts, self._stars
        counts.set_zorder(stars.get_zorder() - 1)
        stars.patch.set_visible(False)
        counts.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        counts.set_xticks(self._labelled())
        counts.tick_params(axis="both", labelsize=FONT, colors=TEXT_COLOR)
        counts.grid(axis="y", color=GRID_COLOR, linewidth=0.8)
        counts.set_axisbelow(True)
        stars.set_ylim(0.8, 5.2)
        stars.set_yticks([1, 2, 3, 4, 5])
        stars.tick_params(axis="y", labelsize=FONT, colors=LINE_COLOR)
        for side in ("top", "right"):
            counts.spines[side].set_visible(False)
        for side in ("top", "left"):
            stars.spines[side].set_visible(False)

    def _labelled(self) -> list[int]:
        """Every third week, ending with the report's week: room for large labels."""
        return list(range(self.weeks - 1, -1, -3))[::-1]

    def png(self, points: Sequence[WeekPoint], text: TrendText) -> bytes:
        if len(points) != self.weeks:
            raise ValueError(f"chart built for {self.weeks} weeks, got {len(points)}")
        counts = [p.stats.count for p in points]
        for bar, count in zip(self._bars, counts, strict=True):
            bar.set_height(count)
        self._line.set_ydata([math.nan if a is None else a for a in _averages(points)])
        self._counts.set_ylim(0, max(4, math.ceil(max(counts, default=0) * 1.15)))
        self._counts.set_xticklabels([text.week_labels[i] for i in self._labelled()])
        self._stars.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: text.format_stars(v)))
        buffer = io.BytesIO()
        self._fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()


def _averages(points: Sequence[WeekPoint]) -> list[float | None]:
    return [p.stats.average for p in points]


def trend_png(points: Sequence[WeekPoint], text: TrendText) -> bytes:
    """One chart, built and drawn once (tests, the single report of `leumund report --out`)."""
    return TrendChart(len(points)).png(points, text)
