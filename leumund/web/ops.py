"""Operator pages (sources, outbox, try-source), the language switch and the health check."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from leumund.web.context import Signed, WebContext, check_csrf, not_found, page, require
from storage import dashboard, outbox, web_auth
from storage.db import session_scope

log = logging.getLogger(__name__)


def _operator(ctx: WebContext, request: Request) -> Signed:
    signed = require(ctx, request)
    if not signed.viewer.operator:
        raise not_found()
    return signed


def sources(ctx: WebContext, request: Request, notice: str | None = None) -> Response:
    signed = _operator(ctx, request)
    with session_scope(ctx.engine) as session:
        rows = dashboard.sources_of(session)
    return page(ctx, "ops.html", signed.lang, signed=signed, rows=rows, notice=notice)


async def crawl_now(ctx: WebContext, request: Request) -> Response:
    signed = _operator(ctx, request)
    form = await check_csrf(request, signed.csrf)
    business, source = form.get("business", ""), form.get("source", "")
    known = any(
        b.name == business and any(s.name == source for s in b.sources)
        for b in ctx.config.watched()  # competitors' sources too
    )
    if not known or ctx.crawl_now is None:
        raise not_found()
    threading.Thread(
        target=ctx.crawl_now, args=(business, source), name=f"crawl {source}", daemon=True
    ).start()
    log.info("%s started a crawl of %s / %s", signed.viewer.email, business, source)
    return RedirectResponse("/ops?started=" + source, status_code=303)


def outbox_page(ctx: WebContext, request: Request) -> Response:
    signed = _operator(ctx, request)
    status = request.query_params.get("status") or None
    with session_scope(ctx.engine) as session:
        rows = dashboard.recent_notifications(session, status)
        counts = outbox.counts_by_status(session)
    return page(
        ctx, "outbox.html", signed.lang, signed=signed, rows=rows, counts=counts, selected=status
    )


async def retry_failed(ctx: WebContext, request: Request) -> Response:
    signed = _operator(ctx, request)
    await check_csrf(request, signed.csrf)
    with session_scope(ctx.engine) as session:
        count = outbox.requeue_failed(session, ctx.clock())
    log.info("%s queued %d failed notifications again", signed.viewer.email, count)
    return RedirectResponse("/ops/outbox", status_code=303)


async def try_source(ctx: WebContext, request: Request) -> Response:
    signed = _operator(ctx, request)
    items: list[dict[str, Any]] | None = None
    error = None
    values = {"type": "schema_org", "url": ""}
    if request.method == "POST":
        values = await check_csrf(request, signed.csrf)
        if ctx.try_source is None:
            raise not_found()
        try:
            items = ctx.try_source(values.get("type", ""), values.get("url", ""))
        except Exception as exc:  # shown to the operator, never a 500
            error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    return page(
        ctx, "try.html", signed.lang, signed=signed, items=items, error=error, values=values
    )


async def language(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    form = await check_csrf(request, signed.csrf)
    lang = "en" if form.get("lang") == "en" else "de"
    with session_scope(ctx.engine) as session:
        web_auth.save_user(session, signed.viewer.email, ctx.clock(), language=lang)
    back = form.get("back", "/")
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/",
                            status_code=303)  # fmt: skip


def healthz(ctx: WebContext, request: Request) -> Response:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the answer is the point, not the traceback
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def routes(ctx: WebContext) -> list[Route]:
    def sync(handler: Any) -> Any:
        def endpoint(request: Request) -> Response:
            result: Response = handler(ctx, request)
            return result

        return endpoint

    def asynchronous(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            result: Response = await handler(ctx, request)
            return result

        return endpoint

    return [
        Route("/healthz", sync(healthz)),
        Route("/ops", sync(sources)),
        Route("/ops/crawl", asynchronous(crawl_now), methods=["POST"]),
        Route("/ops/outbox", sync(outbox_page)),
        Route("/ops/outbox/retry", asynchronous(retry_failed), methods=["POST"]),
        Route("/ops/try", asynchronous(try_source), methods=["GET", "POST"]),
        Route("/lang", asynchronous(language), methods=["POST"]),
    ]
