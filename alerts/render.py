"""Rendering every email the alert side sends: alert, digest, backlog summary, operator, test.

Outbox rows keep a JSON payload (plain data, no model objects); rendering turns payloads
into a finished `EmailMessage`, pure and without I/O, so it is tested by parsing the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from jinja2 import Environment

from alerts.i18n import Wording, wording
from alerts.message import build_message, header_text, message_id, safe_url, shorten, to_text
from alerts.rules import RuleHit
from alerts.settings import MailSettings
from alerts.templating import make_environment, render
from storage.models import NotificationKind, Review, Source

TEXT_LIMIT = 2000
AUTHOR_LIMIT = 200
TITLE_LIMIT = 500
DIGEST_TEXT_LIMIT = 600
BACKLOG_TEXT_LIMIT = 300


def alert_payload(
    review: Review,
    source: Source,
    business: str,
    hits: Sequence[RuleHit],
    language: str,
    timezone: str,
) -> dict[str, Any]:
    """What an alert needs to be rendered later, as JSON-safe plain data."""
    text, truncated = shorten(review.text, TEXT_LIMIT)
    probability = (review.sentiment_probs or {}).get("negative")
    return {
        "business": business,
        "language": language,
        "timezone": timezone,
        "review_id": review.id,
        "version": review.version,
        "platform": source.type,
        "source": source.name,
        "author": review.author[:AUTHOR_LIMIT],
        "rating": review.rating,
        "title": review.title[:TITLE_LIMIT],
        "text": text,
        "truncated": truncated,
        "published_at": _iso(review.published_at or review.first_seen_at),
        "url": safe_url(review.url) or safe_url(source.url),
        "rules": [hit.to_payload() for hit in hits],
        "sentiment": review.sentiment_label,
        "negative_probability": probability,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class ReviewView:
    """A review as an email shows it: every string already worded and formatted."""

    author: str
    rating: float | None
    stars: str
    rating_text: str
    date: str
    platform: str
    title: str
    text: str
    truncated: bool
    url: str | None
    rules: list[str]
    sentiment: str
    edited: bool


def rule_text(t: Wording, hit: RuleHit) -> str:
    if hit.rule == "stars":
        return t("rule_stars", rating=t.rating(hit.value), threshold=t.rating(hit.threshold))
    if hit.rule == "negative":
        return t(
            "rule_negative",
            probability=t.percent(hit.value or 0.0),
            threshold=t.percent(hit.threshold or 0.0),
        )
    return t("rule_keyword", keyword=hit.keyword or "")


def _sentiment_text(t: Wording, payload: dict[str, Any]) -> str:
    label = payload.get("sentiment")
    probability = payload.get("negative_probability")
    if label == "negative" and probability is not None:
        return t(
            "sentiment_with_probability",
            label=t.sentiment(label),
            probability=t.percent(probability),
        )
    return t.sentiment(label)


def review_view(t: Wording, payload: dict[str, Any], limit: int = TEXT_LIMIT) -> ReviewView:
    text, cut = shorten(str(payload.get("text", "")), limit)
    published = payload.get("published_at")
    return ReviewView(
        author=header_text(str(payload.get("author") or ""), AUTHOR_LIMIT) or t("anonymous"),
        rating=payload.get("rating"),
        stars=t.stars(payload.get("rating")),
        rating_text=t.rating(payload.get("rating")),
        date=t.date(datetime.fromisoformat(published)) if published else "",
        platform=t.platform(str(payload.get("platform", ""))),
        title=header_text(str(payload.get("title") or ""), TITLE_LIMIT),
        text=text,
        truncated=cut or bool(payload.get("truncated")),
        url=safe_url(payload.get("url")),
        rules=[rule_text(t, RuleHit.from_payload(r)) for r in payload.get("rules", [])],
        sentiment=_sentiment_text(t, payload),
        edited=int(payload.get("version") or 1) > 1,
    )


def payload_wording(payload: dict[str, Any]) -> Wording:
    return wording(payload.get("language"), str(payload.get("timezone") or "Europe/Berlin"))


class Renderer:
    """Templates plus the sender address: one per process, shared by all renders."""

    def __init__(self, sender: str, env: Environment | None = None) -> None:
        self.sender = sender
        self.env = env or make_environment()

    def message(
        self, name: str, t: Wording, subject: str, recipient: str, key: str, now: datetime,
        **context: Any,
    ) -> EmailMessage:  # fmt: skip
        """Render `<name>.txt.j2` and `<name>.html.j2` into one email."""
        context.update(t=t, subject=header_text(subject))
        return build_message(
            subject=subject,
            sender=self.sender,
            recipient=recipient,
            text=render(self.env, f"{name}.txt.j2", **context),
            html=render(self.env, f"{name}.html.j2", **context),
            msgid=message_id(key, self.sender),
            now=now,
            lang=t.lang,
        )

    def alert(
        self, payload: dict[str, Any], recipient: str, key: str, now: datetime
    ) -> EmailMessage:
        t = payload_wording(payload)
        review = review_view(t, payload)
        business = header_text(str(payload["business"]), 200)
        if review.rating is None:
            subject = t("alert_subject_norating", platform=review.platform, business=business)
        else:
            subject = t(
                "alert_subject",
                stars=t.number(review.rating),
                platform=review.platform,
                business=business,
            )
        return self.message(
            "alert", t, subject, recipient, key, now, review=review, business=business
        )

    def digest(
        self, payloads: Sequence[dict[str, Any]], recipient: str, key: str, now: datetime
    ) -> EmailMessage:
        """Several alerts of one business for one recipient, oldest first, as one email."""
        t = payload_wording(payloads[0])
        business = header_text(str(payloads[0]["business"]), 200)
        count = len(payloads)
        reviews = [review_view(t, p, DIGEST_TEXT_LIMIT) for p in payloads]
        subject = (
            t("digest_subject_one", business=business)
            if count == 1
            else t("digest_subject", count=count, business=business)
        )
        return self.message(
            "digest", t, subject, recipient, key, now,
            reviews=reviews, business=business, count=count,
        )  # fmt: skip

    def backlog(
        self, payload: dict[str, Any], recipient: str, key: str, now: datetime
    ) -> EmailMessage:
        """The one summary of everything found on a business's first crawl."""
        t = payload_wording(payload)
        business = header_text(str(payload["business"]), 200)
        platforms = sorted({t.platform(p["platform"]) for p in payload["platforms"]})
        critical = [review_view(t, p, BACKLOG_TEXT_LIMIT) for p in payload["critical"]]
        subject = t("backlog_subject", platform=", ".join(platforms), business=business)
        return self.message(
            "backlog", t, subject, recipient, key, now,
            business=business, platform=", ".join(platforms), summary=payload,
            critical=critical, more=payload["critical_count"] - len(critical),
        )  # fmt: skip

    def test(
        self, recipient: str, backend: str, now: datetime, language: str = "de",
        timezone: str = "Europe/Berlin",
    ) -> EmailMessage:  # fmt: skip
        t = wording(language, timezone)
        key = f"test:{recipient}:{now.isoformat()}"
        return self.message(
            "test", t, t("test_subject"), recipient, key, now, when=t.datetime(now), backend=backend
        )


class _HasMail(Protocol):
    @property
    def mail(self) -> MailSettings: ...


class _BusinessLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def timezone(self) -> str: ...


class _SourceLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...


def render_source_status(
    config: _HasMail,
    business: _BusinessLike,
    source: _SourceLike,
    kind: str,
    since: datetime,
    error: str | None,
    failures: int,
    recipient: str,
    now: datetime,
) -> str:
    """Operator email: "source broken since …" or "source recovered" (kind says which).

    Returns the RFC 5322 text an outbox row keeps; the Message-ID is stable per source,
    streak and recipient.
    """
    t = wording(business.language, business.timezone)
    broken = str(kind) == NotificationKind.SOURCE_BROKEN.value
    name = "source_broken" if broken else "source_recovered"
    values = {"source": source.name, "business": business.name}
    key = f"{name}:{business.name}:{source.name}:{since.isoformat()}:{recipient}"
    message = Renderer(config.mail.sender).message(
        "source_status", t, t(f"{name}_subject", **values), recipient, key, now,
        heading=t(f"{name}_heading"),
        intro=t(
            f"{name}_intro", **values, platform=t.platform(source.type),
            since=t.datetime(since), failures=failures,
        ),
        broken=broken, error=t.crawl_error(" ".join((error or "").split())[:1000]),
    )  # fmt: skip
    return to_text(message)
