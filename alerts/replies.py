"""Reply drafts for critical reviews: a suggestion for the owner, never posted on its own.

A draft is built only from what the business configures (name, kind, contact line) and
optional topic names; the reviewer's name and text never reach the template, so a draft
cannot repeat personal or health data. A review's negative topics (`complaint_topics`) are
named, and the first `MAX_POINTS` of them get a sentence of their own from
`_points.<lang>.txt.j2`, which an operator may override like any reply template.
Templates live in `templates/replies/` as `<kind>.<lang>.txt.j2`; a business's
`reply_templates` directory may override any of them (or `base.<lang>.txt.j2`). Built-in
drafts follow the rules in `RULES`; a draft from an operator's template that breaks one is
still returned, with a warning in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.runtime import Context

from alerts.texts import TOPIC_NAMES

log = logging.getLogger(__name__)

BusinessKind = Literal["praxis", "gastronomie", "hotel", "handwerk", "handel", "dienstleistung"]
KINDS: tuple[BusinessKind, ...] = (
    "praxis",
    "gastronomie",
    "hotel",
    "handwerk",
    "handel",
    "dienstleistung",
)
MAX_TOPICS = 3
MAX_POINTS = 2  # topics that get a sentence of their own (`_points.<lang>.txt.j2`)
OVERALL_TOPIC = "Gesamteindruck"  # the overall impression: no point to take up by name
TOPIC_LIMIT = 40
TRUSTPILOT_BUSINESS_REVIEW = "https://businessapp.b2b.trustpilot.com/reviews/{review_id}"
GOOGLE_BUSINESS_REVIEWS = "https://business.google.com/reviews"
SECRECY_DE = "Zu Einzelfällen können wir uns aus Gründen der Schweigepflicht nicht äußern."

# Phrases a draft must never contain, lower case, matched at the start of a word.
RULES: dict[str, tuple[str, ...]] = {
    "admits liability": (
        "schuld",
        "entschuldig",
        "fehler",
        "haftung",
        "haften",
        "schaden",
        "verantwortung",
        "versäumnis",
        "versagt",
        "fault",
        "liab",
        "mistake",
        "damage",
        "responsib",
        "negligen",
        "apolog",
    ),
    "promises a discount": (
        "rabatt",
        "gutschein",
        "gratis",
        "kostenlos",
        "nachlass",
        "preisnachlass",
        "erstatt",
        "zurückerstatt",
        "umsonst",
        "entschädig",
        "geld zurück",
        "prozent",
        "%",
        "discount",
        "voucher",
        "free of charge",
        "refund",
        "coupon",
        "complimentary",
        "compensat",
        "money back",
        "per cent",
        "percent",
    ),
}
# A practice must not confirm that the reviewer was a patient (professional secrecy).
PRAXIS_RULE = "confirms a patient"
PRAXIS_PHRASES: tuple[str, ...] = (
    "ihr besuch",
    "ihres besuch",
    "ihrem besuch",
    "ihre behandlung",
    "ihrer behandlung",
    "ihr termin",
    "ihres termin",
    "ihrem termin",
    "als patient",
    "unsere patientin",
    "unser patient",
    "bei uns in behandlung",
    "bei uns waren",
    "ihr aufenthalt",
    "your visit",
    "your treatment",
    "your appointment",
    "as a patient",
    "our patient",
    "you were treated",
    "your stay",
    "diagnos",
)


@dataclass(frozen=True)
class DraftRequest:
    """Everything a draft may be built from; deliberately no review text and no author."""

    business: str
    kind: BusinessKind = "dienstleistung"
    contact: str = ""
    language: Literal["de", "en"] = "de"
    topics: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReplyDrafter:
    """One business's drafts: the same request, each critical review's own topics."""

    request: DraftRequest
    env: Environment

    def draft(self, topics: Sequence[str] = ()) -> str:
        return draft_reply(replace(self.request, topics=tuple(topics)), self.env)


def complaint_topics(tags: Sequence[tuple[str, str]]) -> list[str]:
    """The (topic, polarity) pairs a draft takes up: the negative ones, not the overall."""
    return [topic for topic, polarity in tags if polarity == "negative" and topic != OVERALL_TOPIC]


class ReplyTemplateError(Exception):
    """An operator's reply template cannot be rendered (the message names the file)."""


def answer_url(platform: str, platform_id: str, review_url: str | None, source_url: str) -> str:
    """Where the owner answers this review by hand (logged in to the platform)."""
    if platform == "trustpilot" and platform_id:
        return TRUSTPILOT_BUSINESS_REVIEW.format(review_id=quote(platform_id, safe=""))
    if platform.startswith("google_"):
        return GOOGLE_BUSINESS_REVIEWS
    return review_url or source_url


def and_join(items: Sequence[str], lang: str) -> str:
    """['A', 'B', 'C'] → 'A, B und C' (de) / 'A, B and C' (en)."""
    word = "und" if lang == "de" else "and"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


@pass_context
def _and_join_filter(context: Context, items: Sequence[str]) -> str:
    return and_join(list(items), str(context.get("lang", "de")))


def make_reply_environment(template_dir: Path | None = None) -> Environment:
    """Plain-text templates: an operator's directory first, then the built-in ones."""
    loaders: list[BaseLoader] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(template_dir))
    loaders.append(PackageLoader("alerts", "templates/replies"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["and_join"] = _and_join_filter
    return env


def clean_topics(topics: Sequence[str]) -> list[str]:
    """At most three short, distinct topic names, each on one line."""
    seen: list[str] = []
    for topic in topics:
        name = " ".join(str(topic).split())[:TOPIC_LIMIT]
        if name and name not in seen:
            seen.append(name)
    return seen[:MAX_TOPICS]


def topic_name(topic: str, lang: str) -> str:
    """A known topic as the draft's reader says it ('waiting time'); others as given."""
    names = TOPIC_NAMES.get(topic)
    if names is None:
        return topic
    return names[0] if lang == "de" else names[1].lower()


def draft_reply(request: DraftRequest, env: Environment | None = None) -> str:
    """The reply suggestion for one critical review, as plain text."""
    env = env or make_reply_environment()
    name = f"{request.kind}.{request.language}.txt.j2"
    topics = clean_topics(request.topics)
    try:
        text = env.get_template(name).render(
            business=" ".join(request.business.split()),
            contact=" ".join(request.contact.split()),
            topics=[topic_name(topic, request.language) for topic in topics],
            points=[topic for topic in topics if topic in TOPIC_NAMES][:MAX_POINTS],
            kind=request.kind,
            lang=request.language,
        )
    except TemplateError as exc:
        raise ReplyTemplateError(f"reply template {name}: {exc}") from exc
    draft = _tidy(text)
    broken = draft_problems(draft, request.kind)
    if broken:
        log.warning("reply template %s: the draft %s", name, "; ".join(broken))
    return draft


def draft_problems(draft: str, kind: str) -> list[str]:
    """Which rules a draft breaks, as 'rule ("phrase")'; empty when it keeps them all."""
    lowered = draft.lower()
    rules = dict(RULES)
    if kind == "praxis":
        rules[PRAXIS_RULE] = PRAXIS_PHRASES
    found = []
    for rule, phrases in rules.items():
        hits = [p for p in phrases if re.search(_word_start(p), lowered)]
        if hits:
            found.append(f"{rule} ({', '.join(repr(h) for h in hits)})")
    return found


def _word_start(phrase: str) -> str:
    start = r"(?<!\w)" if phrase[0].isalpha() else ""
    return start + re.escape(phrase)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
