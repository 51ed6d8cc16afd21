"""The invite kit: a printable A6 card and A4 poster with a QR code, plus email and SMS texts.

Platforms forbid review gating (asking only customers who were happy) and incentives, and
Germany's UWG treats both as misleading: every text here asks everyone the same way, for
an honest review, praise or criticism, and offers nothing in return. Drawn with matplotlib
(vector PDF, QR modules as filled squares) on a bare canvas, no pyplot.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as DrawPath

MM = 1 / 25.4
PNG_DPI = 300
INK = "#1f2328"
ACCENT = "#1f3a5f"
MUTED = "#59636e"

EVERY_VOICE = "Jede Rückmeldung hilft uns, besser zu werden, und anderen bei ihrer Wahl."
# Platform names as customers know them, for "… auf Google".
PLATFORM_LABELS = {"google": "Google", "trustpilot": "Trustpilot"}


@dataclass(frozen=True)
class InviteText:
    """Every word of the kit, German, for one business and review page."""

    business: str
    contact: str
    url: str
    platform: str  # "Google", "Trustpilot", or "" for a page of the business's choice

    @property
    def where(self) -> str:
        return f" auf {self.platform}" if self.platform else ""

    def heading(self) -> str:
        return "Wie zufrieden waren Sie mit uns?"

    def body(self) -> str:
        return (
            f"Wir freuen uns über Ihre ehrliche Bewertung{self.where}\u00a0– ob Lob oder Kritik."
            f" {EVERY_VOICE}"
        )

    def scan(self) -> str:
        return "Code mit der Handykamera scannen:"

    def email_subject(self) -> str:
        return f"Ihre Meinung zu {self.business}"

    def email(self) -> str:
        lines = [
            "Guten Tag,",
            "",
            f"vielen Dank, dass Sie sich für {self.business} entschieden haben.",
            "",
            "Wir würden uns freuen, wenn Sie sich kurz Zeit für eine ehrliche Bewertung"
            f"{self.where} nehmen – ob Lob oder Kritik. {EVERY_VOICE}"
            " Die Bewertung ist selbstverständlich freiwillig.",
            "",
            f"Hier geht es zur Bewertung: {self.url}",
            "",
            "Mit freundlichen Grüßen",
            self.business,
        ]
        if self.contact:
            lines.append(self.contact)
        return "\n".join(lines) + "\n"

    def sms(self) -> str:
        ask = "Wie zufrieden waren Sie? Über Ihre ehrliche Bewertung freuen wir uns"
        return f"{self.business}: {ask} – ob Lob oder Kritik: {self.url}"

    def all_words(self) -> str:
        """Everything a customer reads, for checking the rules in one place."""
        parts = [self.heading(), self.body(), self.scan(), self.email_subject(), self.email()]
        return "\n".join([*parts, self.sms()])


@dataclass(frozen=True)
class Sheet:
    name: str
    width_mm: float
    height_mm: float
    heading_pt: float
    body_pt: float
    wrap: int
    qr_frac: float  # QR side as a share of the page width


CARD = Sheet("karte-a6", 105, 148, 15, 9.5, 44, 0.56)
POSTER = Sheet("aushang-a4", 210, 297, 32, 19, 44, 0.55)


@dataclass(frozen=True)
class QrBox:
    """Where the QR code (with its quiet zone) sits, as fractions of the page, from the
    bottom left: what a test needs to read the code back from the PNG."""

    left: float
    bottom: float
    width: float
    height: float
    modules: int


def draw_sheet(sheet: Sheet, text: InviteText, out_dir: Path) -> tuple[list[Path], QrBox]:
    """Write `<name>.pdf` and `<name>.png`; returns the files and where the QR code is."""
    fig = Figure(figsize=(sheet.width_mm * MM, sheet.height_mm * MM))
    FigureCanvasAgg(fig)
    body = sheet.body_pt
    _text(fig, 0.95, _wrap(text.business, sheet.wrap * 1.1, lines=2), body, MUTED)
    heading = _wrap(text.heading(), sheet.wrap * 0.6)
    _text(fig, 0.88, heading, sheet.heading_pt, ACCENT, fontweight="bold", linespacing=1.2)
    _text(fig, 0.755, _wrap(text.body(), sheet.wrap), body, INK, linespacing=1.35)
    size = sheet.qr_frac
    box = QrBox((1 - size) / 2, 0.16, size, size * sheet.width_mm / sheet.height_mm, 0)
    _text(fig, box.bottom + box.height + 0.012, text.scan(), body * 0.85, MUTED, va="bottom")
    axes = fig.add_axes((box.left, box.bottom, box.width, box.height))
    modules = _draw_qr(axes, text.url)
    url = _wrap(text.url, sheet.wrap * 1.3)
    _text(fig, box.bottom - 0.02, url, body * 0.7, MUTED, family="monospace")
    if text.contact:
        _text(
            fig,
            0.04,
            _wrap(text.contact, sheet.wrap * 1.2, lines=2),
            body * 0.85,
            MUTED,
            va="bottom",
        )
    pdf, png = out_dir / f"{sheet.name}.pdf", out_dir / f"{sheet.name}.png"
    fig.savefig(pdf, metadata={"CreationDate": None, "Creator": "Leumund"})
    fig.savefig(png, dpi=PNG_DPI)
    return [pdf, png], QrBox(box.left, box.bottom, box.width, box.height, modules)


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules including the 4-module quiet zone; error correction M."""
    code = segno.make_qr(url, error="m", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=4)]


def _draw_qr(ax: Axes, url: str) -> int:
    """All dark modules as one filled path: no hairline seams between squares in a PDF."""
    matrix = qr_matrix(url)
    n = len(matrix)
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.set_axis_off()
    vertices: list[tuple[float, float]] = []
    for y, row in enumerate(matrix):
        for x, x_end in _runs(row):
            vertices += [(x, y), (x_end, y), (x_end, y + 1), (x, y + 1), (x, y)]
    codes = [DrawPath.MOVETO, DrawPath.LINETO, DrawPath.LINETO, DrawPath.LINETO, DrawPath.CLOSEPOLY]
    path = DrawPath(vertices, codes * (len(vertices) // 5))
    ax.add_patch(PathPatch(path, facecolor="black", edgecolor="none", linewidth=0))
    return n


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of dark modules in a row."""
    runs, start = [], None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x))
            start = None
    return runs


def _text(fig: Figure, y: float, value: str, size: float, color: str, **style: Any) -> None:
    style.setdefault("va", "top")
    fig.text(0.5, y, value, ha="center", fontsize=size, color=color, **style)


def _wrap(value: str, width: float, lines: int | None = None) -> str:
    """Lines of at most `width` characters; with `lines`, longer text ends in '…'."""
    wrapped = textwrap.wrap(
        value, int(width), break_on_hyphens=False, max_lines=lines, placeholder=" …"
    )
    return "\n".join(wrapped)
