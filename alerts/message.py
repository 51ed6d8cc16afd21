"""Building the email itself: safe headers, a stable Message-ID, text + HTML alternatives.

Business and reviewer names come from the web: control characters (CR/LF above all) are
removed before anything becomes a header, and `EmailMessage` with policy SMTP encodes the
rest, so no review can add a header or a recipient.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

# C0/C1 controls, DEL, line/paragraph separators and bidi overrides that could reorder text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
# What a body never needs: NUL and other controls (tab and line breaks stay), bidi overrides
# and isolates, which make "!tug rhes" display as "sehr gut!".
_BODY_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")
_SUBJECT_MAX = 180
_DOMAIN = re.compile(r"^[A-Za-z0-9.-]+$")


class _MailPolicy(EmailPolicy):
    """SMTP's policy, except that a header holding one URL stays on one line.

    Python folds a header longer than 78 characters that it cannot break into encoded
    words (`=?utf-8?q?=3Chttps…`), which no mail program reads as a link; RFC 5322 allows
    lines of 998 characters, and `List-Unsubscribe` is one `<https://…>` without spaces.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _URL_HEADERS and str(value).isascii():
            return f"{name}: {value}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _URL_HEADERS and str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


_URL_HEADERS = ("list-unsubscribe",)
MAIL_POLICY = _MailPolicy(linesep="\r\n")  # email.policy.SMTP, with the exception above


def header_text(value: str, limit: int = _SUBJECT_MAX) -> str:
    """One line, no control characters, at most `limit` characters (with an ellipsis)."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def body_text(value: str) -> str:
    """Untrusted text for a mail body: line breaks kept (as newlines), NUL, other controls
    and bidi overrides removed, so it reads in the order it was written."""
    return _BODY_UNSAFE.sub("", _LINE_BREAKS.sub("\n", value))


def safe_url(url: str | None) -> str | None:
    """Only plain http(s) links reach an email; `javascript:` and friends become no link."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a word boundary; True when something was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", max(0, limit - 200))
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + " …", True


def sender_domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if domain and _DOMAIN.match(domain) else "leumund.localhost"


def message_id(dedup_key: str, sender: str, installation: str) -> str:
    """The same dedup key always gives the same Message-ID: a re-send is recognisable.

    Dedup keys repeat across installations (row numbers start at 1 again after a database
    reset or a move), so the installation's random id is part of every Message-ID. Kept
    short enough that the header is never folded.
    """
    digest = hashlib.sha256(dedup_key.encode("utf-8")).hexdigest()[:20]
    kind = re.sub(r"[^a-z0-9-]", "", dedup_key.split(":", 1)[0].lower()) or "leumund"
    ident = re.sub(r"[^a-z0-9]", "", installation.lower())
    if not ident:
        raise ValueError("a Message-ID needs the installation id")
    return f"<{kind}.{digest}.{ident}@{sender_domain(sender)}>"


def build_message(
    *,
    subject: str,
    sender: str,
    recipient: str,
    text: str,
    html: str,
    msgid: str,
    now: datetime,
    lang: str,
    unsubscribe: str | None = None,
) -> EmailMessage:
    """multipart/alternative with plain text first and HTML last (the preferred part).

    `unsubscribe`: an https link that pauses these mails, as `List-Unsubscribe` (RFC 2369)
    with `List-Unsubscribe-Post` (RFC 8058): a mail program may POST to it in one click.
    """
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = header_text(sender, 300)
    msg["To"] = header_text(recipient, 300)
    msg["Subject"] = header_text(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = msgid
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    if unsubscribe and safe_url(unsubscribe):
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    msg["Content-Language"] = lang  # after the body: set_content clears Content-* headers
    return msg


def to_text(message: EmailMessage) -> str:
    """The RFC 5322 text kept in the outbox (ASCII: headers and bodies are encoded)."""
    return message.as_string(policy=SMTP)


def from_text(text: str) -> EmailMessage:
    parsed = message_from_string(text, policy=SMTP)
    assert isinstance(parsed, EmailMessage)
    return parsed
