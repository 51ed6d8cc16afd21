"""What every request handler needs: the parts, the signed-in viewer, templates, security.

Security choices in one place: sessions in an HttpOnly, SameSite=Lax cookie (Secure when
`web.base_url` is https), a CSRF token per session checked on every POST, a pre-session
CSRF cookie for the sign-in form, a strict Content-Security-Policy without inline script,
and 404 (never 403) for anything the viewer may not see.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import ip_address, ip_network
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from alerts.i18n import Lang, lang_of, wording
from alerts.mail import Mailer
from alerts.render import Renderer
from leumund.config import Config
from leumund.web.access import Viewer, viewer_for
from leumund.web.texts import ui
from leumund.web.throttle import Throttle
from storage import web_auth
from storage.db import session_scope
from storage.models import utcnow

SESSION_COOKIE = "leumund_session"
PRE_COOKIE = "leumund_pre"
LINK_MINUTES = 15
# NUL and other controls (not tab/newline) and bidi overrides: a review must not be able to
# reorder what the page shows ("!tug rhes" read as "sehr gut!").
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class WebContext:
    config: Config
    engine: Engine
    mailer: Mailer
    renderer: Renderer
    clock: Callable[[], datetime] = utcnow
    crawl_now: Callable[[str, str], None] | None = None
    try_source: Callable[[str, str], list[dict[str, Any]]] | None = None
    env: Environment = field(init=False)
    per_address: Throttle = field(init=False)
    per_ip: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("leumund.web", "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
        )
        self.env.filters["plain"] = plain
        window = timedelta(minutes=15)
        self.per_address = Throttle(5, window, self.clock)
        self.per_ip = Throttle(20, window, self.clock)

    @property
    def secure(self) -> bool:
        return (self.config.web.base_url or "").startswith("https://")

    def base_url(self, request: Request) -> str:
        return self.config.web.base_url or str(request.base_url).rstrip("/")


def plain(value: object) -> str:
    """Text from the web as inert characters (escaping happens after, by autoescape)."""
    return _UNSAFE.sub("", "" if value is None else str(value))


@dataclass(frozen=True, slots=True)
class Signed:
    viewer: Viewer
    csrf: str
    lang: Lang


def client_ip(request: Request, trusted: list[str]) -> str:
    """The client's address; X-Forwarded-For counts only when a trusted proxy sent it."""
    peer = request.client.host if request.client else "unknown"
    nets = [ip_network(n, strict=False) for n in trusted]
    chain = [peer]
    forwarded = request.headers.get("x-forwarded-for", "")
    chain = [a.strip() for a in forwarded.split(",") if a.strip()] + chain
    for address in reversed(chain):
        try:
            if not any(ip_address(address) in net for net in nets):
                return address
        except ValueError:
            return address
    return chain[0]


def signed_in(ctx: WebContext, request: Request) -> Signed | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with session_scope(ctx.engine) as session:
        row = web_auth.session_of(session, token, ctx.clock())
        if row is None:
            return None
        viewer = viewer_for(ctx.config, row.email)
        user = web_auth.user(session, row.email)
        csrf = row.csrf
    if viewer is None:
        return None
    return Signed(viewer, csrf, lang_of(user.language if user else None))


def require(ctx: WebContext, request: Request) -> Signed:
    signed = signed_in(ctx, request)
    if signed is None:
        raise HTTPException(303, headers={"Location": "/login"})
    return signed


async def check_csrf(request: Request, expected: str) -> dict[str, str]:
    """The posted form, after its CSRF token matched; 400 otherwise."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not hmac.compare_digest(values.get("csrf", ""), expected):
        raise HTTPException(400, "CSRF token missing or wrong")
    return values


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def page(ctx: WebContext, name: str, lang: Lang, status: int = 200, **values: Any) -> HTMLResponse:
    t = wording(lang)
    html = ctx.env.get_template(name).render(
        ui=lambda key, **kw: ui(lang, key, **kw), t=t, lang=lang, **values
    )
    return HTMLResponse(html, status_code=status)


def not_found() -> HTTPException:
    return HTTPException(404)
