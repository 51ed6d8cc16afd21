"""What the links in a mail open, without signing in: one-click "Erledigt" and pausing alerts.

Both links carry a random token made when the mail was sent (`alerts.links`); the token is
the authority, so neither page asks for a session or a CSRF token. A GET only shows a page
with one button (mail scanners fetch links; they must not mark or pause anything); the
POST acts. The pause link is also the mail's `List-Unsubscribe`: RFC 8058 lets a mail
program POST `List-Unsubscribe=One-Click` to it directly, and a cross-site POST cannot
forge it, since it must know the token. A pause token works once and for 60 days; posting
it again while the pause holds answers "paused" (mail programs may retry).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.i18n import Lang, lang_of
from leumund.web.context import WebContext, check_csrf, not_found, page, require
from storage import alert_pauses, dashboard, web_auth
from storage.db import session_scope
from storage.models import Business, WebToken

log = logging.getLogger(__name__)


def _business(session: Session, row: WebToken | None) -> Business | None:
    """The business a link belongs to (older "Erledigt" tokens only name the review)."""
    if row is None:
        return None
    if row.business_id is not None:
        return session.get(Business, row.business_id)
    name = dashboard.business_of_review(session, row.review_id) if row.review_id else None
    return dashboard.business_by_name(session, name) if name else None


def _lang(business: Business | None) -> Lang:
    return lang_of(business.language if business else None)


def done_link(ctx: WebContext, request: Request) -> Response:
    with session_scope(ctx.engine) as session:
        row = web_auth.peek_token(
            session, request.path_params["token"], web_auth.DONE_PURPOSE, ctx.clock()
        )
        lang = _lang(_business(session, row))
    valid = row is not None
    return page(ctx, "done.html", lang, 200 if valid else 410, valid=valid, done=False)


async def done_post(ctx: WebContext, request: Request) -> Response:
    token = request.path_params["token"]
    with session_scope(ctx.engine) as session:
        row = web_auth.use_token(session, token, web_auth.DONE_PURPOSE, ctx.clock())
        if row is not None and row.review_id is not None:
            dashboard.mark_handled(session, row.review_id, row.email, None, ctx.clock())
            log.info("review %s marked handled from a mail by %s", row.review_id, row.email)
        lang = _lang(_business(session, row))
    return page(ctx, "done.html", lang, 200 if row else 410, valid=row is not None, done=True)


def _pause_state(
    session: Session, token: str, now: datetime
) -> tuple[Business | None, WebToken | None, str]:
    """("open": may pause | "paused": this link paused, still holds | "invalid")."""
    row = web_auth.find_token(session, token, web_auth.PAUSE_PURPOSE, now)
    business = _business(session, row)
    if row is None or business is None or business.id is None:
        return business, row, "invalid"
    if row.used_at is None:
        return business, row, "open"
    held = alert_pauses.is_paused(session, business.id, row.email)
    return business, row, "paused" if held else "invalid"


def _pause_page(
    ctx: WebContext, business: Business | None, row: WebToken | None, state: str
) -> Response:
    return page(
        ctx, "pause.html", _lang(business), 410 if state == "invalid" else 200, state=state,
        business=business.name if business else "", email=row.email if row else "",
    )  # fmt: skip


def pause_link(ctx: WebContext, request: Request) -> Response:
    """The confirm page: which business, which address, one button."""
    with session_scope(ctx.engine) as session:
        business, row, state = _pause_state(session, request.path_params["token"], ctx.clock())
    return _pause_page(ctx, business, row, state)


async def pause_post(ctx: WebContext, request: Request) -> Response:
    """Pause now: the page's button and RFC 8058's one-click POST both end here."""
    now, token = ctx.clock(), request.path_params["token"]
    with session_scope(ctx.engine) as session:
        business, row, state = _pause_state(session, token, now)
        if state == "open" and row is not None and business is not None and business.id:
            web_auth.use_token(session, token, web_auth.PAUSE_PURPOSE, now)
            withdrawn = alert_pauses.pause(session, business.id, row.email, now, "mail")
            state = "paused"
            log.info(
                "alerts of %r paused for %s from a mail (%d queued alerts withdrawn)",
                business.name, row.email, withdrawn,
            )  # fmt: skip
    return _pause_page(ctx, business, row, state)


async def resume(ctx: WebContext, request: Request) -> Response:
    """ "Benachrichtigungen wieder einschalten" on the overview: one's own pause, or any
    pause for an operator (a recipient's "stop" is not someone else's to undo)."""
    signed = require(ctx, request)
    form = await check_csrf(request, signed.csrf)
    business_id: int = request.path_params["bid"]
    email = form.get("email", "").strip().lower()
    with session_scope(ctx.engine) as session:
        business = session.get(Business, business_id)
        allowed = business is not None and signed.viewer.may_see(business.name)
        if not allowed or (email != signed.viewer.email and not signed.viewer.operator):
            raise not_found()
        if alert_pauses.resume(session, business_id, email):
            log.info("alerts of business %s on again for %s (by %s)", business_id, email,
                     signed.viewer.email)  # fmt: skip
    return RedirectResponse(f"/b/{business_id}", status_code=303)


def routes(ctx: WebContext) -> list[Route]:
    def get_done(request: Request) -> Response:
        return done_link(ctx, request)

    async def post_done(request: Request) -> Response:
        return await done_post(ctx, request)

    def get_pause(request: Request) -> Response:
        return pause_link(ctx, request)

    async def post_pause(request: Request) -> Response:
        return await pause_post(ctx, request)

    async def post_resume(request: Request) -> Response:
        return await resume(ctx, request)

    return [
        Route("/b/{bid:int}/resume", post_resume, methods=["POST"]),
        Route("/done/{token}", get_done, methods=["GET"]),
        Route("/done/{token}", post_done, methods=["POST"]),
        Route("/pause/{token}", get_pause, methods=["GET"]),
        Route("/pause/{token}", post_pause, methods=["POST"]),
    ]
