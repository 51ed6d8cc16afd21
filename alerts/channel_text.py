"""What a chat channel shows: short HTML that Apprise turns into each service's own format.

The body is HTML with every piece of text escaped here; Apprise passes it to HTML services,
turns it into plain text for text services and into escaped Markdown for Markdown services,
so a review cannot add links, markup or lines of its own anywhere. There is no title:
Apprise does not escape titles, so the heading is the body's first (bold) line.

An alert gets its own short form (business, stars, author, the text cut to 300 characters,
a link). Every other kind — digests, backlog summaries, source notices and kinds added
later — is the rendered email's subject and plain text, cut: a new kind needs no code here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape

from alerts.i18n import wording
from alerts.message import body_text, header_text, shorten
from alerts.payloads import AlertPayload
from alerts.render import review_view

ALERT_TEXT_LIMIT = 300
GENERIC_LIMIT = 1500

ReviewLink = Callable[[int], str]
"""The dashboard's page of a review (`web.base_url`/r/ID), when there is a dashboard."""


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    """One message to a channel: an HTML body (already escaped) and its reference key."""

    body: str
    key: str

    def with_reference(self) -> str:
        """The body with a last line naming the key, for channels without payload fields."""
        return f"{self.body}<br/>Ref. {escape(self.key)}"


def _lines(*parts: str) -> str:
    return "<br/>".join(p for p in parts if p)


def _text(value: str) -> str:
    """Untrusted text as HTML: escaped, controls and bidi overrides removed, breaks kept."""
    return escape(body_text(value)).replace("\n", "<br/>")


def _link(label: str, url: str | None) -> str:
    if not url:
        return ""
    return f'{escape(label)}: <a href="{escape(url)}">{escape(url)}</a>'


def alert_message(
    payload: AlertPayload, subject: str, key: str, link: ReviewLink | None
) -> ChannelMessage:
    """Business (in the subject), stars, author, text cut to 300 characters and a link."""
    t = wording(payload.language, payload.timezone)
    review = review_view(t, payload.review, ALERT_TEXT_LIMIT, payload.mention)
    rating = f"{review.stars} {review.rating_text}" if review.rating is not None else ""
    author = escape(review.author)
    review_id = payload.review.review_id
    url = link(review_id) if link is not None and review_id is not None else review.url
    body = _lines(
        f"<b>{escape(header_text(subject))}</b>",
        escape(f"{header_text(payload.business, 200)} · {review.platform}"),
        escape(rating),
        f"{author}: „{_text(review.text)}“" if review.text else author,
        _link(t("channel_review_link"), url),
    )
    return ChannelMessage(body, key)


def generic_message(mail: EmailMessage, key: str) -> ChannelMessage:
    """The email's subject as the heading and its plain text, cut to `GENERIC_LIMIT`."""
    subject = header_text(str(mail.get("Subject", "")))
    part = mail.get_body(("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    cut, _ = shorten(body_text(text).strip(), GENERIC_LIMIT)
    return ChannelMessage(_lines(f"<b>{escape(subject)}</b>", _text(cut)), key)


def test_message(language: str, timezone: str, now: datetime, key: str) -> ChannelMessage:
    """`leumund test-channel`: says when it was sent, so an old one is recognisable."""
    t = wording(language, timezone)
    heading = escape(t("channel_test_heading"))
    return ChannelMessage(
        _lines(f"<b>{heading}</b>", escape(t("channel_test_intro", when=t.datetime(now)))), key
    )
