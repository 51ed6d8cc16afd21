"""Rendering every email Leumund sends from its payload, when it is sent.

Rendering is pure and without I/O (payload and envelope in, `EmailMessage` out), so it is
tested by parsing the result. The envelope carries the send time (the Date header) and the
dedup key and installation id the Message-ID is made of.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from jinja2 import Environment

from alerts.burst_view import burst_context
from alerts.i18n import Wording, rule_percents, wording
from alerts.links import MailLinks
from alerts.message import (
    body_text,
    build_message,
    header_text,
    message_id,
    safe_url,
    shorten,
)
from alerts.payloads import (
    AUTHOR_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    AlertPayload,
    BacklogPayload,
    BurstPayload,
    Payload,
    ReportPayload,
    ReviewSnapshot,
    SourceStatusPayload,
)
from alerts.report import render as report_render
from alerts.report.charts import TrendChart
from alerts.rules import RuleHit
from alerts.templating import make_environment, render
from storage.ratings import original_rating

DIGEST_TEXT_LIMIT = 600
BACKLOG_TEXT_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who gets a mail, its dedup key and installation (the Message-ID) and when it leaves."""

    recipient: str
    key: str
    now: datetime
    installation: str
    links: MailLinks | None = None  # into the dashboard, when `web.base_url` is set


@dataclass(frozen=True)
class ReviewView:
    """A review as an email shows it: every string already worded and formatted."""

    author: str
    rating: float | None
    stars: str
    rating_text: str
    date: str
    platform: str
    place: str
    title: str
    text: str
    truncated: bool
    url: str | None
    rules: list[str]
    sentiment: str | None  # None: the mood line would tell nothing (see `mood_line`)
    edited: bool
    mention: bool = False
    dashboard_url: str | None = None  # the review's page in the dashboard
    done_url: str | None = None  # signed one-click "Als erledigt markieren"
    topics: str = ""  # 'Wartezeit (negativ), Freundlichkeit (positiv)'; "" when none known


def rule_text(t: Wording, hit: RuleHit) -> str:
    if hit.rule == "stars":
        return t("rule_stars", rating=t.rating(hit.value), threshold=t.rating(hit.threshold))
    if hit.rule == "negative":
        value, threshold = rule_percents(hit.value or 0.0, hit.threshold or 0.0, t.lang)
        return t("rule_negative", probability=value, threshold=threshold)
    return t("rule_keyword", keyword=hit.keyword or "")


def mood_line(t: Wording, review: ReviewSnapshot) -> str | None:
    """The text's mood, only where it tells the owner something the mail does not already say.

    Without stars it is the only summary; a negative text under stars that are not bad
    explains why the review is shown. When the text rule fired, its reason says it (with the
    same number); a mood that repeats or contradicts the stars is left out.
    """
    label, probability = review.sentiment, review.negative_probability
    if label is None or any(hit.rule == "negative" for hit in review.rules):
        return None
    stars_bad = any(hit.rule == "stars" for hit in review.rules)
    if review.rating is not None and (label != "negative" or stars_bad):
        return None
    if label == "negative" and probability is not None:
        return t(
            "sentiment_with_probability",
            label=t.sentiment(label),
            probability=t.percent_floor(probability),
        )
    return t.sentiment(label)


def _rating_text(t: Wording, review: ReviewSnapshot) -> str:
    """'1,8 Sterne (Note 5)': the platform's own value beside the stars where they differ."""
    original = original_rating(review.rating_raw, review.rating_scale, t.lang)
    stars = t.rating(review.rating)
    return f"{stars} ({original})" if original and review.rating is not None else stars


def review_view(
    t: Wording,
    review: ReviewSnapshot,
    limit: int = TEXT_LIMIT,
    mention: bool = False,
    links: MailLinks | None = None,
) -> ReviewView:
    text, cut = shorten(body_text(review.text), limit)
    shown = review.source_display or t.platform(review.platform)
    return ReviewView(
        author=header_text(review.author, AUTHOR_LIMIT) or t("anonymous"),
        rating=review.rating,
        stars=t.stars(review.rating),
        rating_text=_rating_text(t, review),
        date=t.date(review.published_at) if review.published_at else "",
        platform=shown,
        place=t.place(review.platform, shown),
        title=header_text(review.title, TITLE_LIMIT),
        text=text,
        truncated=cut or review.truncated,
        url=safe_url(review.url),
        rules=[rule_text(t, hit) for hit in review.rules],
        sentiment=mood_line(t, review),
        edited=review.review_version > 1,
        mention=mention,
        dashboard_url=links.review(review.review_id) if links else None,
        done_url=links.done_for(review.review_id) if links else None,
        topics=t.topic_list([(tag.topic, tag.polarity) for tag in review.topics]),
    )


def mentioned(t: Wording, payloads: Sequence[AlertPayload]) -> str:
    """The keywords found, in order and once each: '„Hygiene“' or '„Hygiene“ und „Preis“'."""
    words = dict.fromkeys(
        hit.keyword for p in payloads for hit in p.review.rules if hit.keyword is not None
    )
    return t.join([t("quoted", text=w) for w in words])


@dataclass(frozen=True)
class ReplyView:
    """Where to answer, the suggested reply and the id `leumund reply --review` takes."""

    url: str | None
    review_url: str | None  # the public review, when answering happens elsewhere
    draft: str
    review_id: int | None


def reply_view(payload: AlertPayload, review_url: str | None) -> ReplyView:
    draft = payload.reply_draft[:TEXT_LIMIT]
    url = safe_url(payload.answer_url) or review_url
    public = review_url if review_url != url else None
    return ReplyView(url, public, draft, payload.review.review_id)


class Renderer:
    """Templates, the sender address and report charts: one per process, shared by all renders.

    A report chart is built once and redrawn per report (half the cost); a lock keeps the
    drawing to one thread at a time, since a chart is not thread-safe.
    """

    def __init__(self, sender: str, env: Environment | None = None) -> None:
        self.sender = sender
        self.env = env or make_environment()
        self._charts: dict[int, TrendChart] = {}
        self._chart_lock = threading.Lock()

    def msgid(self, envelope: Envelope) -> str:
        return message_id(envelope.key, self.sender, envelope.installation)

    def message(
        self, name: str, t: Wording, subject: str, envelope: Envelope, **context: Any
    ) -> EmailMessage:
        """Render `<name>.txt.j2` and `<name>.html.j2` into one email."""
        pause = envelope.links.pause if envelope.links else None
        context.update(t=t, subject=header_text(subject), pause_url=pause)
        return build_message(
            subject=subject,
            sender=self.sender,
            recipient=envelope.recipient,
            text=render(self.env, f"{name}.txt.j2", **context),
            html=render(self.env, f"{name}.html.j2", **context),
            msgid=self.msgid(envelope),
            now=envelope.now,
            lang=t.lang,
            unsubscribe=pause,
        )

    def render(self, payload: Payload, envelope: Envelope) -> EmailMessage:
        """The email of one outbox row (digest rows go through `digest`)."""
        if isinstance(payload, AlertPayload):
            return self.alert(payload, envelope)
        if isinstance(payload, BacklogPayload):
            return self.backlog(payload, envelope)
        if isinstance(payload, BurstPayload):
            t = wording(payload.language, payload.timezone)
            subject, context = burst_context(t, payload)
            return self.message("burst", t, subject, envelope, **context)
        if isinstance(payload, ReportPayload):
            return self.report(payload, envelope)
        return self.source_status(payload, envelope)

    def alert(self, payload: AlertPayload, envelope: Envelope) -> EmailMessage:
        t = wording(payload.language, payload.timezone)
        review = review_view(t, payload.review, mention=payload.mention, links=envelope.links)
        business = header_text(payload.business, 200)
        if payload.mention:
            return self._mention(t, payload, review, business, envelope)
        if review.rating is None:
            subject = t("alert_subject_norating", place=review.place, business=business)
        else:
            subject = t(
                "alert_subject",
                stars=t.number(review.rating),
                place=review.place,
                business=business,
            )
        return self.message(
            "alert", t, subject, envelope, review=review, business=business,
            reply=reply_view(payload, review.url),
        )  # fmt: skip

    def _mention(
        self,
        t: Wording,
        payload: AlertPayload,
        review: ReviewView,
        business: str,
        envelope: Envelope,
    ) -> EmailMessage:
        """A keyword in a review that reads well: told once, without alarm."""
        words = mentioned(t, [payload])
        stars = t.number(review.rating) if review.rating is not None else None
        subject = (
            t("mention_subject", keywords=words, stars=stars, place=review.place, business=business)
            if stars
            else t(
                "mention_subject_norating", keywords=words, place=review.place, business=business
            )
        )
        return self.message(
            "alert", t, subject, envelope, review=review, business=business, keywords=words,
            reply=reply_view(payload, review.url),
        )  # fmt: skip

    def digest(self, payloads: Sequence[AlertPayload], envelope: Envelope) -> EmailMessage:
        """Several alerts of one business for one recipient, oldest first, as one email.

        The subject counts the critical ones; mentions come along, each marked as such.
        """
        t = wording(payloads[0].language, payloads[0].timezone)
        business = header_text(payloads[0].business, 200)
        count = sum(1 for p in payloads if not p.mention)
        mentions = [p for p in payloads if p.mention]
        reviews = [
            review_view(t, p.review, DIGEST_TEXT_LIMIT, p.mention, envelope.links) for p in payloads
        ]
        if not count:
            subject = t(
                "mention_digest_subject", keywords=mentioned(t, mentions), business=business
            )
        elif count == 1:
            subject = t("digest_subject_one", business=business)
        else:
            subject = t("digest_subject", count=count, business=business)
        replies = [reply_view(p, r.url) for p, r in zip(payloads, reviews, strict=True)]
        return self.message(
            "digest", t, subject, envelope, reviews=reviews, business=business, count=count,
            mentions=len(mentions), replies=replies,
            draft=next((r.draft for r in reversed(replies) if r.draft), ""),
        )  # fmt: skip

    def backlog(self, payload: BacklogPayload, envelope: Envelope) -> EmailMessage:
        """The one summary of everything found on a business's first crawl."""
        t = wording(payload.language, payload.timezone)
        business = header_text(payload.business, 200)
        names = {p.source_display or t.platform(p.platform) for p in payload.platforms}
        platform = ", ".join(sorted(names))
        critical = [
            review_view(t, r, BACKLOG_TEXT_LIMIT, links=envelope.links) for r in payload.critical
        ]
        subject = t("backlog_subject", platform=platform, business=business)
        return self.message(
            "backlog", t, subject, envelope,
            business=business, platform=platform, summary=payload,
            critical=critical, more=payload.critical_count - len(critical),
        )  # fmt: skip

    def report(self, payload: ReportPayload, envelope: Envelope) -> EmailMessage:
        """The weekly report: text, HTML and the trend chart drawn now."""
        with self._chart_lock:
            rendered = report_render.render_report(
                self.env, payload.report, self._chart(len(payload.report.trend)),
                dashboard=envelope.links.base_url if envelope.links else None,
            )  # fmt: skip
        return report_render.build_message(
            rendered, self.sender, envelope.recipient, envelope.now, self.msgid(envelope)
        )

    def _chart(self, weeks: int) -> TrendChart | None:
        if weeks and weeks not in self._charts:
            self._charts[weeks] = TrendChart(weeks)
        return self._charts.get(weeks)

    def source_status(self, payload: SourceStatusPayload, envelope: Envelope) -> EmailMessage:
        """Operator email: "source broken since …" or "source recovered"."""
        t = wording(payload.language, payload.timezone)
        name = payload.kind
        values = {"source": payload.source, "business": payload.business}
        return self.message(
            "source_status", t, t(f"{name}_subject", **values), envelope,
            heading=t(f"{name}_heading"),
            intro=t(
                f"{name}_intro", **values, platform=t.platform(payload.platform),
                since=t.datetime(payload.since), failures=payload.failures,
            ),
            broken=name == "source_broken",
            error=t.crawl_error(" ".join((payload.error or "").split())[:1000]),
        )  # fmt: skip

    def test(
        self, recipient: str, backend: str, now: datetime, language: str = "de",
        timezone: str = "Europe/Berlin",
    ) -> EmailMessage:  # fmt: skip
        """A test mail is never re-sent: a random id stands in for the installation's."""
        t = wording(language, timezone)
        envelope = Envelope(recipient, f"test:{recipient}", now, secrets.token_hex(8))
        return self.message(
            "test", t, t("test_subject"), envelope, when=t.datetime(now), backend=backend
        )
