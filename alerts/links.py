"""Links into the dashboard that a mail carries, made for its recipient when it is sent.

With `web.base_url` set, every review in an alert, digest, first-crawl summary or weekly
report links to its dashboard page (`{base_url}/r/{id}`) beside the platform's link. Alerts
and digest entries also carry a signed one-click "Als erledigt markieren" link, and alert
mails a `List-Unsubscribe` link that pauses the business's alerts for that recipient.

Each link is a random token of its own; the database keeps only its hash (storage.web_auth).
The tokens of one copy are stored in the transaction that marks the row sent, so a copy
that was refused, or never reached the server, leaves no token behind: retrying a row for
days of outage never piles up tokens, and only a copy that may have been delivered has
working links. (A crash between the server's "accepted" and that commit leaves a copy with
dead links; the row is sent again after its lease, with new ones.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage import web_auth
from storage.models import Notification, NotificationKind, WebToken

_ALERTS = (NotificationKind.ALERT.value,)
_PAUSABLE = (NotificationKind.ALERT.value, NotificationKind.BACKLOG_SUMMARY.value)
_LINKED = (*_PAUSABLE, NotificationKind.REPORT.value)


@dataclass(frozen=True)
class MailLinks:
    """The dashboard's address and this copy's signed links (review id → "Erledigt")."""

    base_url: str
    done: Mapping[int, str] = field(default_factory=dict)
    pause: str | None = None

    def review(self, review_id: int | None) -> str | None:
        if not review_id:
            return None
        return f"{self.base_url.rstrip('/')}/r/{review_id}"

    def done_for(self, review_id: int | None) -> str | None:
        return self.done.get(review_id) if review_id else None


def mail_links(
    base_url: str | None, rows: Sequence[Notification], now: datetime
) -> tuple[MailLinks | None, list[WebToken]]:
    """The links for the email of `rows` (one recipient) and the token rows to keep once
    it was sent; no links without a dashboard address or for mails that show no review."""
    if not base_url or not rows or rows[0].kind not in _LINKED:
        return None, []
    base = base_url.rstrip("/")
    recipient, kind = rows[0].recipient, rows[0].kind
    tokens: list[WebToken] = []
    done: dict[int, str] = {}
    if kind in _ALERTS:
        for row in rows:
            if row.review_id is not None and row.review_id not in done:
                token, stored = web_auth.issue(
                    purpose=web_auth.DONE_PURPOSE, email=recipient, now=now,
                    lifetime=web_auth.DONE_LIFETIME, review_id=row.review_id,
                    business_id=row.business_id,
                )  # fmt: skip
                done[row.review_id] = f"{base}/done/{token}"
                tokens.append(stored)
    pause = None
    if kind in _PAUSABLE and rows[0].business_id is not None:
        token, stored = web_auth.issue(
            purpose=web_auth.PAUSE_PURPOSE, email=recipient, now=now,
            lifetime=web_auth.PAUSE_LIFETIME, business_id=rows[0].business_id,
        )  # fmt: skip
        pause = f"{base}/pause/{token}"
        tokens.append(stored)
    return MailLinks(base, done, pause), tokens
