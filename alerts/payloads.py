"""What an outbox row keeps so its email can be rendered when it is sent: typed and versioned.

Every kind of mail is rendered at send time from its payload, so the Date header is the time
it left (a mail held by quiet hours reads as sent in the morning, not at night). Payloads are
stored as JSON in `Notification.payload` and validated when read. Rows written before
version 2 (untyped dicts, the message rendered when decided) are read by `alerts.legacy`.

Rows wait in the outbox across upgrades: a new field needs a default so stored rows stay
valid; a change they cannot satisfy needs a new version and a reader for the old one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from alerts.i18n import source_display
from alerts.message import safe_url, shorten
from alerts.report.model import WeeklyReport
from alerts.rules import RuleHit
from alerts.settings import QuietHours
from storage.models import Review, Source

PAYLOAD_VERSION: Final = 2
TEXT_LIMIT = 2000
AUTHOR_LIMIT = 200
TITLE_LIMIT = 500
TOPIC_LIMIT = 40
# Negative topics first: they are why the owner gets the alert.
_POLARITY_ORDER = {"negative": 0, "neutral": 1, "positive": 2}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TopicTag(_Data):
    """One topic of a review and the polarity of the sentence it was found in."""

    topic: str
    polarity: str


class ReviewSnapshot(_Data):
    """A review as it was when the alert was decided, cut to what an email shows."""

    review_id: int | None = None
    review_version: int = 1
    platform: str
    source: str
    source_display: str = ""
    author: str = ""
    rating: float | None = None
    rating_raw: float | None = None
    rating_scale: str | None = None
    title: str = ""
    text: str = ""
    truncated: bool = False
    published_at: AwareDatetime | None = None
    url: str | None = None
    rules: tuple[RuleHit, ...] = ()
    sentiment: str | None = None
    negative_probability: float | None = None
    topics: tuple[TopicTag, ...] = ()  # () also when decided before topics were known


class _Payload(_Data):
    version: Literal[2] = PAYLOAD_VERSION


class _OwnerMail(_Payload):
    """A mail about one business, in its language and time zone, held by its quiet hours."""

    business: str
    language: str = "de"
    timezone: str = "Europe/Berlin"
    quiet_hours: QuietHours | None = None


class AlertPayload(_OwnerMail):
    """One review that fired a rule; digest rows carry the same payload.

    `mention`: only a keyword fired, in a review that reads well (see `alerts.rules.severity`):
    the owner is told, in other words and colours than for a critical review.
    """

    kind: Literal["alert"] = "alert"
    review: ReviewSnapshot
    mention: bool = False
    reply_draft: str = ""  # the business's reply suggestion, shown with the alert
    answer_url: str | None = None  # where the owner answers, when not on the review's page


class PlatformCount(_Data):
    platform: str
    source: str
    source_display: str = ""
    count: int
    average: float | None


class BacklogPayload(_OwnerMail):
    """The one summary of a first crawl: counts per platform and the newest critical."""

    kind: Literal["backlog_summary"] = "backlog_summary"
    count: int
    average: float | None
    platforms: tuple[PlatformCount, ...]
    critical_count: int
    critical: tuple[ReviewSnapshot, ...]


class BurstPayload(_OwnerMail):
    """Several negative reviews on one source in a short time, as ONE message.

    `reviews` are the ones this message lists; `count` all negatives of the burst it tells
    of, `earlier` those of them already in an earlier message (listed there, not here). A
    `follow_up` tells only of reviews that joined after the burst's first message was sent.
    """

    kind: Literal["burst"] = "burst"
    burst_id: int | None = None
    reason: Literal["rate", "similar"] = "rate"
    platform: str = ""
    source: str = ""
    source_display: str = ""
    count: int = 0
    hours: int = 24
    earlier: int = 0
    follow_up: bool = False
    told: bool = True
    """With `follow_up`: this recipient had a message of the burst (False: added to the
    recipients, or paused, since then — the intro then claims no earlier message)."""
    total: int = 0
    reviews: tuple[ReviewSnapshot, ...] = ()


class ReportPayload(_Payload):
    """The weekly report's figures as computed when it was enqueued."""

    kind: Literal["report"] = "report"
    report: WeeklyReport

    @property
    def timezone(self) -> str:
        return self.report.timezone.key

    @property
    def quiet_hours(self) -> QuietHours | None:
        return None


class SourceStatusPayload(_OwnerMail):
    """Operator mail: a source broke (or works again) since `since`."""

    kind: Literal["source_broken", "source_recovered"]
    source: str
    platform: str
    since: AwareDatetime
    failures: int
    error: str | None = None


Payload = Annotated[
    AlertPayload | BacklogPayload | BurstPayload | ReportPayload | SourceStatusPayload,
    Field(discriminator="kind"),
]


@cache
def _adapter() -> TypeAdapter[Payload]:
    return TypeAdapter(Payload)


def is_typed(data: Mapping[str, object]) -> bool:
    """True for payloads of version 2 and later; older rows have no `kind` key."""
    return "kind" in data


def read_payload(data: Mapping[str, object]) -> Payload:
    """The stored JSON as its model; pydantic's ValidationError (a ValueError) if invalid."""
    return _adapter().validate_python(data)


def stored(payload: Payload) -> dict[str, object]:
    """The JSON `Notification.payload` keeps."""
    return payload.model_dump(mode="json")


def review_snapshot(review: Review, source: Source, hits: Sequence[RuleHit]) -> ReviewSnapshot:
    text, truncated = shorten(review.text, TEXT_LIMIT)
    probability = (review.sentiment_probs or {}).get("negative")
    return ReviewSnapshot(
        review_id=review.id,
        review_version=review.version,
        platform=source.type,
        source=source.name,
        source_display=source_display(source.type, source.label, source.url),
        author=review.author[:AUTHOR_LIMIT],
        rating=review.rating,
        rating_raw=review.rating_raw,
        rating_scale=review.rating_scale,
        title=review.title[:TITLE_LIMIT],
        text=text,
        truncated=truncated,
        published_at=review.published_at or review.first_seen_at,
        url=safe_url(review.url) or _page_url(source),
        rules=tuple(hits),
        sentiment=review.sentiment_label,
        negative_probability=probability,
        topics=topic_tags(review.topics),
    )


def topic_tags(stored: Sequence[Mapping[str, str]] | None) -> tuple[TopicTag, ...]:
    """A review's stored topics (`Review.topics`), each once, negative ones first."""
    tags: dict[str, TopicTag] = {}
    for item in stored or ():
        topic = " ".join(str(item.get("topic", "")).split())[:TOPIC_LIMIT]
        polarity = str(item.get("polarity", ""))
        if topic and topic not in tags and polarity in _POLARITY_ORDER:
            tags[topic] = TopicTag(topic=topic, polarity=polarity)
    return tuple(sorted(tags.values(), key=lambda tag: _POLARITY_ORDER[tag.polarity]))


def _page_url(source: Source) -> str | None:
    """A source's URL as a page to link; for the Google types it is an API host, not a page."""
    return None if source.type.startswith("google_") else safe_url(source.url)
