"""Sign-in without passwords: a one-time link by mail; optionally an operator's password.

The link opens a page with one button, and only that POST spends the token: mail scanners
that fetch every link cannot use it up. Whether an address is known is never revealed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.mail import MailError
from alerts.signin import signin_message
from leumund.web.access import viewer_for
from leumund.web.context import (
    LINK_MINUTES,
    PRE_COOKIE,
    SESSION_COOKIE,
    WebContext,
    check_csrf,
    client_ip,
    new_pre_token,
    page,
    signed_in,
)
from storage import web_auth
from storage.db import session_scope

log = logging.getLogger(__name__)
PURPOSE = "signin"


def login_form(ctx: WebContext, request: Request, message: str | None = None) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or new_pre_token()
    response = page(ctx, "login.html", "de", message=message, csrf=pre)
    response.set_cookie(
        PRE_COOKIE, pre, httponly=True, samesite="strict", secure=ctx.secure, path="/login"
    )
    return response


def _password_ok(ctx: WebContext, email: str, password: str) -> bool:
    with session_scope(ctx.engine) as session:
        user = web_auth.user(session, email)
        stored = user.password_hash if user else None
    if not stored or not password:
        return False
    try:
        return PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _send_link(ctx: WebContext, request: Request, email: str) -> None:
    now = ctx.clock()
    with session_scope(ctx.engine) as session:
        token = web_auth.new_token(
            session, purpose=PURPOSE, email=email, now=now,
            lifetime=timedelta(minutes=LINK_MINUTES),
        )  # fmt: skip
        user = web_auth.user(session, email)
    link = f"{ctx.base_url(request)}/login/{token}"
    language = user.language if user and user.language else "de"
    message = signin_message(ctx.renderer, email, link, LINK_MINUTES, now, language)
    try:
        ctx.mailer.send(message)
    except MailError as exc:
        log.warning("sign-in link to %s not sent: %s", email, exc)


def start_session(ctx: WebContext, email: str) -> Response:
    lifetime = timedelta(days=ctx.config.web.session_days)
    with session_scope(ctx.engine) as session:
        token, _csrf = web_auth.start_session(session, email, ctx.clock(), lifetime)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(lifetime.total_seconds()), httponly=True,
        samesite="lax", secure=ctx.secure, path="/",
    )  # fmt: skip
    response.delete_cookie(PRE_COOKIE, path="/login")
    return response


async def login_post(ctx: WebContext, request: Request) -> Response:
    form = await check_csrf(request, request.cookies.get(PRE_COOKIE, "\0"))
    email = form.get("email", "").strip().lower()[:320]
    ip = client_ip(request, ctx.config.web.trusted_proxies)
    if not (ctx.per_ip.allow(ip) and ctx.per_address.allow(email)):
        log.warning("sign-in throttled for %s from %s", email, ip)
        return page(ctx, "login.html", "de", 429, message="throttled", csrf=form["csrf"])
    known = viewer_for(ctx.config, email) is not None
    if known and _password_ok(ctx, email, form.get("password", "")):
        return start_session(ctx, email)
    if known and "@" in email:
        _send_link(ctx, request, email)
    return page(ctx, "login.html", "de", message="link_sent", csrf=form["csrf"])


def link_page(ctx: WebContext, request: Request) -> Response:
    token = request.path_params["token"]
    with session_scope(ctx.engine) as session:
        row = web_auth.peek_token(session, token, PURPOSE, ctx.clock())
        email = row.email if row else None
    if email is None:
        return page(ctx, "login.html", "de", 410, message="link_invalid", csrf="")
    pre = request.cookies.get(PRE_COOKIE) or new_pre_token()
    response = page(ctx, "confirm.html", "de", email=email, csrf=pre, token=token)
    response.set_cookie(
        PRE_COOKIE, pre, httponly=True, samesite="strict", secure=ctx.secure, path="/login"
    )
    return response


async def link_post(ctx: WebContext, request: Request) -> Response:
    await check_csrf(request, request.cookies.get(PRE_COOKIE, "\0"))
    with session_scope(ctx.engine) as session:
        row = web_auth.use_token(session, request.path_params["token"], PURPOSE, ctx.clock())
        email = row.email if row else None
    if email is None or viewer_for(ctx.config, email) is None:
        return page(ctx, "login.html", "de", 410, message="link_invalid", csrf="")
    log.info("signed in: %s", email)
    return start_session(ctx, email)


async def logout(ctx: WebContext, request: Request) -> Response:
    signed = signed_in(ctx, request)
    if signed is not None:
        await check_csrf(request, signed.csrf)
        with session_scope(ctx.engine) as session:
            web_auth.end_session(session, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def routes(ctx: WebContext) -> list[Route]:
    async def get_login(request: Request) -> Response:
        return login_form(ctx, request)

    async def post_login(request: Request) -> Response:
        return await login_post(ctx, request)

    async def get_link(request: Request) -> Response:
        return link_page(ctx, request)

    async def post_link(request: Request) -> Response:
        return await link_post(ctx, request)

    async def post_logout(request: Request) -> Response:
        return await logout(ctx, request)

    return [
        Route("/login", get_login, methods=["GET"]),
        Route("/login", post_login, methods=["POST"]),
        Route("/login/{token}", get_link, methods=["GET"]),
        Route("/login/{token}", post_link, methods=["POST"]),
        Route("/logout", post_logout, methods=["POST"]),
    ]
