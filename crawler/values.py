"""Turning what platforms print into ReviewData values: UTC times, 0–5 ratings, clean text."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as date_parser

_FRACTION = re.compile(r"(\.\d{6})\d+")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_ONLY_TIME = "T12:00:00+00:00"
"""Noon UTC is the same calendar day from UTC-11 to UTC+11: a date-only review stays on
its day (and in its week) for every business, also those west of UTC."""
MAX_STARS = 5.0
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
SCALES: dict[str, tuple[float, float]] = {
    "stars": (5.0, 1.0),
    "points10": (10.0, 0.0),
    "percent": (100.0, 0.0),
    "grade": (1.0, 6.0),
}
"""A source's `scale:` setting → (best, worst) of the raw values its pages show."""


_MONTHS: list[Any] = [
    ("Jan", "January", "Januar", "Jän", "Jänner"),
    ("Feb", "February", "Februar"),
    ("Mar", "March", "März", "Mär", "Maerz"),
    ("Apr", "April"),
    ("May", "Mai"),
    ("Jun", "June", "Juni"),
    ("Jul", "July", "Juli"),
    ("Aug", "August"),
    ("Sep", "Sept", "September"),
    ("Oct", "October", "Oktober", "Okt"),
    ("Nov", "November"),
    ("Dec", "December", "Dezember", "Dez"),
]
_WEEKDAYS: list[Any] = [
    ("Mon", "Monday", "Montag", "Mo"),
    ("Tue", "Tuesday", "Dienstag", "Di"),
    ("Wed", "Wednesday", "Mittwoch", "Mi"),
    ("Thu", "Thursday", "Donnerstag", "Do"),
    ("Fri", "Friday", "Freitag", "Fr"),
    ("Sat", "Saturday", "Samstag", "Sonnabend", "Sa"),
    ("Sun", "Sunday", "Sonntag", "So"),
]


class _GermanEnglish(date_parser.parserinfo):
    """Month and weekday names in German and English, day before month ("24.10.2011")."""

    MONTHS = _MONTHS
    WEEKDAYS = _WEEKDAYS
    JUMP = [*date_parser.parserinfo.JUMP, "um", "uhr"]  # noqa: RUF012


def parse_time(value: Any) -> datetime | None:
    """A timestamp as aware UTC: ISO 8601 / RFC 3339 (up to 9 fractional digits), else
    written dates like 'October 24, 2011', '24. Oktober 2011', '24.10.2011 14:05' or RFC 2822.

    A date without a time is noon UTC; a naive time is UTC. Text without a four-digit year
    is not a date (None), so a stray number never becomes today.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    german = _GERMAN_DATE.match(text)
    if german:
        day, month, year = german.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}"
    if _DATE_ONLY.match(text):
        text += DATE_ONLY_TIME
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _written_date(value.strip())
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _written_date(text: str) -> datetime | None:
    if not _YEAR.search(text):
        return None
    try:
        parsed = date_parser.parse(text, parserinfo=_GermanEnglish(dayfirst=True))
    except (ValueError, OverflowError, TypeError):
        return None
    if not _CLOCK.search(text):
        parsed = parsed.replace(hour=12, minute=0, second=0, tzinfo=UTC)
    return parsed


def from_unix(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def to_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def stars(raw: float | None, best: float = 5.0, worst: float = 1.0) -> float | None:
    """A rating on any scale mapped to 0–5 stars; an inverted scale (best < worst) is a grade.

    On a 1–5 scale the stars stay as they are; 1–10 becomes 0.5–5; a German school grade
    1.0–6.0 (1 is best) becomes 5–0.
    """
    if raw is None:
        return None
    if best < worst:
        return round(5.0 * (worst - raw) / (worst - best), 2)
    if worst >= 1.0 and best == 5.0:
        return raw
    return round(5.0 * raw / best, 2)


def on_scale(raw: float, setting: str) -> tuple[float | None, str]:
    """A raw rating read on a source's explicit `scale:` → (0–5 stars, its scale label)."""
    best, worst = SCALES[setting]
    return stars(raw, best, worst), scale(best, worst)


def clamp_stars(rating: float | None) -> float | None:
    """A rating forced into 0–5: a site using an undeclared scale (8 of 10 without
    `bestRating`) must not store 8 stars."""
    if rating is None or math.isnan(rating):
        return None
    return min(max(rating, 0.0), MAX_STARS)


def scale(best: float, worst: float) -> str:
    return f"{_num(worst)}-{_num(best)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def text_of(value: Any) -> str:
    """Whitespace-normalised text; None and non-strings become ''."""
    if not isinstance(value, str):
        return ""
    lines = [" ".join(line.split()) for line in value.strip().splitlines()]
    return "\n".join(lines).strip()


def strip_markup(value: str) -> str:
    """HTML some sites leave in review text: line breaks kept, other tags dropped."""
    return _TAG.sub("", _BREAK.sub("\n", value))


def dig(data: Any, *path: str | int) -> Any:
    """data[a][b]… or None when any step is missing."""
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or key >= len(data):
                return None
            data = data[key]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
