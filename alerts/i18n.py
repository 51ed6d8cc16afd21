"""How German and English readers see numbers, dates and the wording of `alerts.texts`.

Templates get a `Wording` bound to one language and time zone; they never format a date or
a number themselves, so `de` always reads `23.11.2026` and `4,5 Sterne`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alerts.texts import (
    CRAWL_ERRORS_DE,
    DEFAULT_PREPOSITION,
    PLACE_PREPOSITIONS,
    PLATFORM_NAMES,
    TEXTS,
    TOPIC_NAMES,
)

Lang = Literal["de", "en"]

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def lang_of(language: str | None) -> Lang:
    """The email language: English only when asked for, German otherwise."""
    return "en" if language == "en" else "de"


def platform_name(source_type: str) -> str:
    return PLATFORM_NAMES.get(source_type, source_type.replace("_", " ").title())


def source_display(source_type: str, label: str | None = None, url: str | None = None) -> str:
    """What the owner reads for a source: its `label`, the platform, or a website's host.

    A schema.org source is any website, so its host ("praxis-roth.de") says more than
    "Website", which is left as the fallback for a source without a URL.
    """
    if label and label.strip():
        return " ".join(label.split())
    if source_type == "schema_org":
        host = (urlsplit(url or "").hostname or "").removeprefix("www.")
        if host:
            return host
    return platform_name(source_type)


def place(source_type: str, name: str, lang: Lang) -> str:
    """'auf Trustpilot', 'bei Trusted Shops', 'auf praxis-roth.de' / 'on Trustpilot'."""
    de, en = PLACE_PREPOSITIONS.get(source_type, DEFAULT_PREPOSITION)
    return f"{de if lang == 'de' else en} {name}"


def format_number(value: float, lang: Lang, decimals: int = 1) -> str:
    """4.5 → '4,5' (de) / '4.5' (en); thousands grouped; trailing ',0' kept off for integers."""
    if decimals > 0 and float(value).is_integer():
        decimals = 0
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_percent(fraction: float, lang: Lang, decimals: int = 0) -> str:
    """0.93 → '93 %' (de, with the thin space German typesetting wants) / '93%' (en)."""
    return _percent_text(_percent(fraction, decimals, ROUND_HALF_UP), lang, decimals)


def _percent(fraction: float, decimals: int, rounding: str) -> float:
    exact = Decimal(repr(float(fraction))) * 100
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding))


def percent_floor(fraction: float, decimals: int = 0) -> float:
    """The percentage cut, never rounded up: 0.7998 → 79, so it never reaches a bar it missed."""
    return _percent(fraction, decimals, ROUND_FLOOR)


def rule_percents(value: float, threshold: float, lang: Lang) -> tuple[str, str]:
    """A probability and its threshold, worded so the shown numbers agree with the rule.

    The value is cut (never rounded up), the threshold rounded; a decimal is added until
    "value ≥ threshold" reads as it was decided: 79.98 % against 80 % shows "79 %".
    """
    fired = value >= threshold
    for decimals in range(4):
        shown = percent_floor(value, decimals)
        bar = _percent(threshold, decimals, ROUND_HALF_UP)
        if (shown >= bar) == fired:
            break
    return (
        _percent_text(shown, lang, decimals),
        format_percent(threshold, lang, decimals),
    )


def _percent_text(percent: float, lang: Lang, decimals: int) -> str:
    number = format_number(percent, lang, decimals)
    return f"{number}\u202f%" if lang == "de" else f"{number}%"


def format_rating(value: float, lang: Lang) -> str:
    """'4,5 Sterne', '1 Stern' / '4.5 stars', '1 star'."""
    number = format_number(value, lang)
    one = value == 1
    if lang == "de":
        return f"{number} Stern" if one else f"{number} Sterne"
    return f"{number} star" if one else f"{number} stars"


def stars(value: float | None, out_of: int = 5) -> str:
    """'★★☆☆☆' for 2 (half stars round up from .5); empty when there is no rating."""
    if value is None:
        return ""
    full = max(0, min(out_of, int(value + 0.5)))
    return "★" * full + "☆" * (out_of - full)


def format_date(value: date | datetime, lang: Lang, tz: ZoneInfo | None = None) -> str:
    """'23.11.2026' (de) / '23 Nov 2026' (en); an aware datetime is shown in `tz`."""
    day = _local(value, tz).date() if isinstance(value, datetime) else value
    if lang == "de":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_datetime(value: datetime, lang: Lang, tz: ZoneInfo | None = None) -> str:
    """'23.11.2026, 14:05 Uhr' (de) / '23 Nov 2026, 14:05' (en)."""
    local = _local(value, tz)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    suffix = " Uhr" if lang == "de" else ""
    return f"{format_date(local, lang)}, {clock}{suffix}"


def format_week(year: int, week: int, lang: Lang) -> str:
    """ISO week: 'KW 47/2026' (de) / 'week 47, 2026' (en)."""
    return f"KW {week}/{year}" if lang == "de" else f"week {week}, {year}"


def _local(value: datetime, tz: ZoneInfo | None) -> datetime:
    if tz is not None and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


_CRAWL_ERRORS_DE = tuple((re.compile(p, re.DOTALL), r) for p, r in CRAWL_ERRORS_DE)


def crawl_error(error: str, lang: Lang) -> str:
    """A crawler's error line in the reader's language ("HTTP 404 von …" in German)."""
    if lang == "de":
        for pattern, replacement in _CRAWL_ERRORS_DE:
            if pattern.fullmatch(error):
                return pattern.sub(replacement, error, count=1)
    return error


def text(lang: Lang, key: str, **values: object) -> str:
    """The wording for `key` in `lang`, placeholders filled; KeyError for an unknown key."""
    de, en = TEXTS[key]
    template = de if lang == "de" else en
    return template.format(**values) if values else template


@dataclass(frozen=True)
class Wording:
    """One language and time zone, handed to templates as `t`: `t('key')`, `t.date(d)`."""

    lang: Lang = "de"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))

    def __call__(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def date(self, value: date | datetime) -> str:
        return format_date(value, self.lang, self.tz)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, self.lang, self.tz)

    def number(self, value: float, decimals: int = 1) -> str:
        return format_number(value, self.lang, decimals)

    def percent(self, fraction: float) -> str:
        return format_percent(fraction, self.lang)

    def percent_floor(self, fraction: float) -> str:
        return _percent_text(percent_floor(fraction), self.lang, 0)

    def rating(self, value: float | None) -> str:
        return format_rating(value, self.lang) if value is not None else self("no_rating")

    def stars(self, value: float | None) -> str:
        return stars(value)

    def platform(self, source_type: str) -> str:
        return platform_name(source_type)

    def place(self, source_type: str, name: str | None = None) -> str:
        return place(source_type, name or platform_name(source_type), self.lang)

    def join(self, items: Sequence[str]) -> str:
        """'A', 'A und B', 'A, B und C' / 'A, B and C'."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self('and')} {items[-1]}"

    def week(self, year: int, week: int) -> str:
        return format_week(year, week, self.lang)

    def crawl_error(self, error: str) -> str:
        return crawl_error(error, self.lang)

    def sentiment(self, label: str | None) -> str:
        if label is None:
            return self("sentiment_pending")
        key = f"sentiment_{label}"
        return self(key) if key in TEXTS else label

    def topic(self, key: str) -> str:
        """'Wartezeit' → 'Wartezeit' / 'Waiting time'; an unknown topic as it is stored."""
        names = TOPIC_NAMES.get(key)
        return key if names is None else names[0 if self.lang == "de" else 1]

    def topic_list(self, topics: Sequence[tuple[str, str]]) -> str:
        """[(topic, polarity)] → 'Wartezeit (negativ), Freundlichkeit (positiv)'."""
        return ", ".join(f"{self.topic(k)} ({self.sentiment(p)})" for k, p in topics)


def wording(language: str | None, timezone: str = "Europe/Berlin") -> Wording:
    return Wording(lang_of(language), ZoneInfo(timezone))
