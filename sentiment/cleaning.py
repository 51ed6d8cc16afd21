"""Review text preparation, including german-sentiment-bert's own input cleaning.

oliverguhr/german-sentiment-bert was trained on text cleaned by its `germansentiment`
package (`SentimentModel.clean_text`): fed raw text it scores worse, so the same steps are
reproduced here exactly, in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

GUHR_MODEL = "german-sentiment-bert"

_CLEAN_CHARS = re.compile(r"[^A-Za-züöäÖÜÄß ]", re.MULTILINE)
_HTTP_URLS = re.compile(r"https*\S+", re.MULTILINE)
_AT_MENTIONS = re.compile(r"@\S+", re.MULTILINE)
_DIGITS = (
    ("0", " null"),
    ("1", " eins"),
    ("2", " zwei"),
    ("3", " drei"),
    ("4", " vier"),
    ("5", " fünf"),
    ("6", " sechs"),
    ("7", " sieben"),
    ("8", " acht"),
    ("9", " neun"),
)


def replace_numbers(text: str) -> str:
    """Every digit spelled out in German, each preceded by a space ("12" → " eins zwei")."""
    for digit, word in _DIGITS:
        text = text.replace(digit, word)
    return text


def clean_text(text: str) -> str:
    """german-sentiment-bert's cleaning: no URLs or @mentions, digits spelled, letters only."""
    text = text.replace("\n", " ")
    text = _HTTP_URLS.sub("", text)
    text = _AT_MENTIONS.sub("", text)
    text = replace_numbers(text)
    text = _CLEAN_CHARS.sub("", text)
    text = " ".join(text.split())
    return text.strip().lower()


def wants_guhr_cleaning(name: str, config: Mapping[str, Any]) -> bool:
    """True for german-sentiment-bert, recognised by its name, path or config."""
    origin = str(config.get("_name_or_path", ""))
    return any(GUHR_MODEL in value.lower() for value in (name, origin))


def review_text(title: str, text: str) -> str:
    """What gets classified: the title (often the verdict) and the body as one text."""
    title, text = title.strip(), text.strip()
    if not title:
        return text
    if not text:
        return title
    end = "" if title[-1] in ".!?:;" else "."
    return f"{title}{end} {text}"
