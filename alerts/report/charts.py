"""The report's chart as a PNG: drawn on a bare Agg canvas, no pyplot, no global state.

Sized for a phone: the image is drawn twice as wide as it is shown (~600 CSS px), with
large fonts, so it stays sharp and legible when a mail client scales it down.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from alerts.report.data import WeekPoint

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 3.6, 200
FONT = 13
BAR_COLOR = "#c9d6e8"
LINE_COLOR = "#1f4e8c"
TEXT_COLOR = "#333333"


@dataclass(frozen=True, slots=True)
class TrendText:
    """Everything the chart writes, already in the report's language."""

    count_label: str
    average_label: str
    week_labels: Sequence[str]
    format_stars: Callable[[float], str]


def trend_png(points: Sequence[WeekPoint], text: TrendText) -> bytes:
    """Bars: reviews per week (left axis); line: average stars per week (right axis)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    counts_ax = fig.add_subplot()
    stars_ax = counts_ax.twinx()
    _draw_counts(counts_ax, points, text)
    _draw_stars(stars_ax, points, text)
    counts_ax.set_zorder(stars_ax.get_zorder() - 1)
    stars_ax.patch.set_visible(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()
    return buffer.getvalue()


def _draw_counts(ax: Axes, points: Sequence[WeekPoint], text: TrendText) -> None:
    xs = list(range(len(points)))
    counts = [p.stats.count for p in points]
    ax.bar(xs, counts, color=BAR_COLOR, width=0.7)
    ax.set_ylim(0, max(4, math.ceil(max(counts, default=0) * 1.15)))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.set_ylabel(text.count_label, fontsize=FONT, color=TEXT_COLOR)
    ax.set_xticks(xs, list(text.week_labels), fontsize=FONT - 1, color=TEXT_COLOR)
    for i, label in enumerate(ax.get_xticklabels()):
        label.set_visible((len(xs) - 1 - i) % 2 == 0)
    ax.tick_params(axis="y", labelsize=FONT - 1, colors=TEXT_COLOR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def _draw_stars(ax: Axes, points: Sequence[WeekPoint], text: TrendText) -> None:
    xs = list(range(len(points)))
    averages = [p.stats.average for p in points]
    ys = [math.nan if a is None else a for a in averages]
    ax.plot(xs, ys, color=LINE_COLOR, linewidth=2.5, marker="o", markersize=7)
    ax.set_ylim(0.8, 5.2)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: text.format_stars(v)))
    ax.set_ylabel(text.average_label, fontsize=FONT, color=LINE_COLOR)
    ax.tick_params(axis="y", labelsize=FONT - 1, colors=LINE_COLOR)
    for side in ("top", "left"):
        ax.spines[side].set_visible(False)
