"""The report's chart as a PNG: drawn on a bare Agg canvas, no pyplot, no global state.

Two panels on one week axis, each with its own scale, so no gridlines of two y-axes have to
agree: above, the average stars as a line (one axis, 1–5 stars); below, the reviews per week
as bars with their number written on them (no axis). A small business gets one or two
reviews in many weeks, and one review's stars made the weekly average jump between 1 and 5:
the line is the average of the last `ROLLING_WEEKS` weeks, hollow where even those hold fewer
than `MIN_REVIEWS` rated reviews, and weeks with fewer than `MIN_REVIEWS` reviews have pale
bars.

Sized for a phone: drawn 936 px wide and shown at most 560 CSS px (about 350 on a 390 px
phone), with fonts large enough to stay about 15 px there. Building axes costs more than
drawing, so a `TrendChart` is built once and redrawn per report (one per job run and thread;
it is not thread-safe).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from alerts.report.model import WeekPoint

WIDTH_IN, HEIGHT_IN, DPI = 5.2, 3.8, 180
FONT = 19
ROLLING_WEEKS = 4
MIN_REVIEWS = 3
BAR_COLOR = "#9db4d3"
THIN_BAR_COLOR = "#dde5f0"
LINE_COLOR = "#1f4e8c"
THIN_POINT_COLOR = "#8c959f"
TEXT_COLOR = "#333333"
GRID_COLOR = "#e5e5e5"


@dataclass(frozen=True, slots=True)
class TrendText:
    """Everything the chart writes, already in the report's language."""

    week_labels: Sequence[str]
    format_stars: Callable[[float], str]


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """What the chart shows per week, computed apart from drawing so it can be checked."""

    counts: tuple[int, ...]
    thin_weeks: tuple[bool, ...]  # fewer than MIN_REVIEWS reviews that week
    averages: tuple[float | None, ...]  # stars over the last ROLLING_WEEKS weeks
    solid: tuple[bool, ...]  # that average rests on at least MIN_REVIEWS ratings


def trend_series(points: Sequence[WeekPoint]) -> TrendSeries:
    averages: list[float | None] = []
    solid: list[bool] = []
    for i in range(len(points)):
        window = points[max(0, i - ROLLING_WEEKS + 1) : i + 1]
        rated = sum(p.stats.rated for p in window)
        stars = sum(p.stats.stars for p in window)
        averages.append(stars / rated if rated else None)
        solid.append(rated >= MIN_REVIEWS)
    counts = tuple(p.stats.count for p in points)
    return TrendSeries(
        counts, tuple(c < MIN_REVIEWS for c in counts), tuple(averages), tuple(solid)
    )


class TrendChart:
    """Above: average stars (line, one axis); below: reviews per week (labelled bars)."""

    def __init__(self, weeks: int) -> None:
        self.weeks = weeks
        self._fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(self._fig)
        self._fig.subplots_adjust(left=0.17, right=0.95, bottom=0.12, top=0.95, hspace=0.12)
        self._stars, self._counts = self._fig.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [2.1, 1]}
        )
        xs = list(range(weeks))
        (self._line,) = self._stars.plot(
            xs, [math.nan] * weeks, color=LINE_COLOR, linewidth=3, zorder=3
        )
        self._solid = self._stars.scatter([], [], s=90, color=LINE_COLOR, zorder=4)
        self._hollow = self._stars.scatter(
            [], [], s=90, facecolors="white", edgecolors=THIN_POINT_COLOR, linewidths=2, zorder=4
        )
        self._bars = self._counts.bar(xs, [0] * weeks, color=BAR_COLOR, width=0.7)
        self._labels = [
            self._counts.text(x, 0, "", ha="center", va="bottom", fontsize=FONT - 1,
                              color=TEXT_COLOR)
            for x in xs
        ]  # fmt: skip
        self._style()

    def _style(self) -> None:
        stars, counts = self._stars, self._counts
        stars.set_ylim(0.7, 5.3)
        stars.yaxis.set_major_locator(FixedLocator([1, 2, 3, 4, 5]))
        stars.grid(axis="y", color=GRID_COLOR, linewidth=1)
        stars.set_axisbelow(True)
        stars.tick_params(axis="y", labelsize=FONT, colors=TEXT_COLOR, length=0)
        stars.tick_params(axis="x", length=0)
        counts.set_yticks([])
        counts.set_xticks(self._labelled())
        counts.tick_params(axis="x", labelsize=FONT, colors=TEXT_COLOR, length=0, pad=6)
        counts.set_xlim(-0.6, self.weeks - 0.4)
        for side in ("top", "right", "left", "bottom"):
            stars.spines[side].set_visible(False)
            counts.spines[side].set_visible(side == "bottom")
        counts.spines["bottom"].set_color(GRID_COLOR)

    @property
    def figure(self) -> Figure:
        return self._fig

    def _labelled(self) -> list[int]:
        """Every third week, ending with the report's week: room for large labels."""
        return list(range(self.weeks - 1, -1, -3))[::-1]

    def png(self, points: Sequence[WeekPoint], text: TrendText) -> bytes:
        if len(points) != self.weeks:
            raise ValueError(f"chart built for {self.weeks} weeks, got {len(points)}")
        series = trend_series(points)
        self._draw_counts(series)
        self._draw_stars(series)
        self._counts.set_xticklabels([text.week_labels[i] for i in self._labelled()])
        self._stars.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: text.format_stars(v)))
        buffer = io.BytesIO()
        self._fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def _draw_counts(self, series: TrendSeries) -> None:
        top = max(max(series.counts, default=0), 1)
        self._counts.set_ylim(0, top * 1.45)
        parts = zip(self._bars, self._labels, series.counts, series.thin_weeks, strict=True)
        for bar, label, count, thin in parts:
            bar.set_height(count)
            bar.set_color(THIN_BAR_COLOR if thin else BAR_COLOR)
            label.set_y(count)
            label.set_text(str(count))

    def _draw_stars(self, series: TrendSeries) -> None:
        values = [math.nan if a is None else a for a in series.averages]
        self._line.set_ydata(values)
        nowhere = [(math.nan, math.nan)]
        shown = [
            (float(x), v, s) for x, (v, s) in enumerate(zip(values, series.solid, strict=True))
        ]
        solid = [(x, v) for x, v, s in shown if s and not math.isnan(v)]
        hollow = [(x, v) for x, v, s in shown if not s and not math.isnan(v)]
        self._solid.set_offsets(solid or nowhere)
        self._hollow.set_offsets(hollow or nowhere)


def trend_png(points: Sequence[WeekPoint], text: TrendText) -> bytes:
    """One chart, built and drawn once (tests, the single report of `leumund report --out`)."""
    return TrendChart(len(points)).png(points, text)
