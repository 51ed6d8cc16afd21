"""Untrusted review text made safe to store and show: the same rule for every way in.

PostgreSQL refuses NUL in text, other C0 controls garble logs and mails, and bidi override
characters in a name or title can make text read backwards ("!tug rhes").
"""

from __future__ import annotations

import dataclasses
import re

from storage.models import ReviewData

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_LINE_FIELDS = ("author", "title")
_TEXT_FIELDS = ("platform_id", "text", "reply", "url", "language", "rating_scale")


def clean_text(value: str) -> str:
    """NUL and other C0 controls out, tab and newline kept (CR LF becomes LF)."""
    return _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(value: str) -> str:
    """A name or title: controls and bidi overrides out."""
    return _BIDI.sub("", clean_text(value))


def clean_review(item: ReviewData) -> ReviewData:
    """Every text field of a review cleaned; an already clean review is returned as is."""
    changes: dict[str, str] = {}
    for name in (*_LINE_FIELDS, *_TEXT_FIELDS):
        value = getattr(item, name)
        if isinstance(value, str):
            cleaned = clean_line(value) if name in _LINE_FIELDS else clean_text(value)
            if cleaned != value:
                changes[name] = cleaned
    return dataclasses.replace(item, **changes) if changes else item  # type: ignore[arg-type]
