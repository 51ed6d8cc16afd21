"""The owner's pages: overview, review list (filters, search, CSV), one review, "Erledigt".

A business or review the viewer may not see is answered with 404, exactly like one that
does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.i18n import wording
from alerts.report.data import compute_report
from alerts.report.model import TREND_WEEKS
from alerts.report.render import trend_chart
from alerts.report.weeks import IsoWeek
from alerts.texts import TOPIC_NAMES
from leumund.web import replies
from leumund.web.context import Signed, WebContext, check_csrf, not_found, page, require
from leumund.web.versus import comparison_panel, invite_panel
from storage import alert_pauses, dashboard
from storage.db import session_scope
from storage.figures import rating_counts
from storage.models import Business
from storage.review_lists import FIRED_RULES

PER_PAGE = 25
CHART_SPAN = timedelta(weeks=TREND_WEEKS)
_CSV_FIELDS = ("id", "date", "platform", "source", "author", "rating", "title", "text",
               "sentiment", "handled_at", "handled_by", "reply")  # fmt: skip


def _business(ctx: WebContext, signed: Signed, business_id: int) -> Business:
    with session_scope(ctx.engine) as session:
        business = session.get(Business, business_id)
    if business is None or not signed.viewer.may_see(business.name):
        raise not_found()
    if business.competitor_of_id is not None:  # only ever seen through its business
        raise not_found()
    return business


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _day(value: str | None, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def review_filter(params: Any) -> dashboard.ReviewFilter:
    """The list's filters from query parameters; anything unreadable means "any"."""
    sentiment, topic, tone = (params.get(k) for k in ("sentiment", "topic", "topic_polarity"))
    return dashboard.ReviewFilter(
        source_id=_int(params.get("source")),
        stars_max=_float(params.get("stars_max")),
        sentiment=sentiment if sentiment in ("positive", "neutral", "negative") else None,
        alerted=_flag(params.get("alerted")),
        handled=_flag(params.get("handled")),
        answered=_flag(params.get("answered")),
        since=_day(params.get("since")),
        until=_day(params.get("until"), end=True),
        query=str(params.get("q", ""))[:200],
        rule=params.get("rule") if params.get("rule") in FIRED_RULES else None,
        topic=topic if topic in TOPIC_NAMES else None,
        topic_polarity=tone if tone in ("positive", "neutral", "negative") else None,
    )


def home(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    with session_scope(ctx.engine) as session:
        mine = [dashboard.business_by_name(session, n) for n in signed.viewer.businesses]
    businesses = [b for b in mine if b is not None]
    if len(businesses) == 1 and not signed.viewer.operator:
        return RedirectResponse(f"/b/{businesses[0].id}", status_code=303)
    return page(ctx, "home.html", signed.lang, signed=signed, businesses=businesses)


def overview(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    business = _business(ctx, signed, request.path_params["bid"])
    assert business.id is not None
    now = ctx.clock()
    with session_scope(ctx.engine) as session:
        figures = dashboard.overview(session, business.id, now)
        sources = dashboard.sources_of(session, business.id)
        pauses = alert_pauses.pauses_of(session, business.id)
        charted = rating_counts(
            session, business.id, before=now + timedelta(days=7), since=now - CHART_SPAN
        ).count  # the chart's weeks, up to the end of this one
    return page(
        ctx, "overview.html", signed.lang, signed=signed, business=business,
        figures=figures, sources=[s for s, _ in sources], pauses=pauses, charted=charted,
        versus=comparison_panel(ctx, business, signed.lang),
        invite_line=invite_panel(ctx, business, signed.lang),
    )  # fmt: skip


def chart(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    business = _business(ctx, signed, request.path_params["bid"])
    t = wording(signed.lang, business.timezone)
    week = IsoWeek.of(ctx.clock().astimezone(t.tz).date())
    with session_scope(ctx.engine) as session:
        report = compute_report(session, business, week, competitors=())  # the trend only
    png = trend_chart(report, t)
    if png is None:  # no reviews in those weeks: the overview shows no chart
        raise not_found()
    return Response(png, media_type="image/png")


def reviews(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    business = _business(ctx, signed, request.path_params["bid"])
    assert business.id is not None
    f = review_filter(request.query_params)
    number = max(1, _int(request.query_params.get("page")) or 1)
    with session_scope(ctx.engine) as session:
        rows, total = dashboard.review_page(
            session, business.id, f, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
        )
        sources = [s for s, _ in dashboard.sources_of(session, business.id)]
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    return page(
        ctx, "reviews.html", signed.lang, signed=signed, business=business, rows=rows,
        total=total, number=number, pages=max(1, -(-total // PER_PAGE)), f=f,
        sources=sources, query=query, params=request.query_params, topics=list(TOPIC_NAMES),
    )  # fmt: skip


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    business = _business(ctx, signed, request.path_params["bid"])
    assert business.id is not None
    with session_scope(ctx.engine) as session:
        rows, _ = dashboard.review_page(
            session, business.id, review_filter(request.query_params), offset=0, limit=100_000
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_FIELDS)
    for r, s in rows:
        when = r.published_at or r.first_seen_at
        writer.writerow([_cell(v) for v in (
            r.id, when.date().isoformat(), s.type, s.name, r.author, r.rating, r.title, r.text,
            r.sentiment_label, r.handled_at, r.handled_by, r.reply_text,
        )])  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="bewertungen-{business.id}.csv"'}
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers
    )


def review(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    detail = replies.visible_detail(ctx, signed, request.path_params["rid"])
    return replies.review_page(ctx, signed, detail, replies.reply_panel(ctx, detail))


async def handled(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    form = await check_csrf(request, signed.csrf)
    review_id: int = request.path_params["rid"]
    replies.visible_detail(ctx, signed, review_id)
    with session_scope(ctx.engine) as session:
        if form.get("action") == "reopen":
            dashboard.reopen(session, review_id)
        else:
            dashboard.mark_handled(
                session, review_id, signed.viewer.email, form.get("note"), ctx.clock()
            )
    return RedirectResponse(f"/r/{review_id}", status_code=303)


def routes(ctx: WebContext) -> list[Route]:
    def sync(handler: Any) -> Any:
        def endpoint(request: Request) -> Response:  # Starlette runs it in a thread pool
            result: Response = handler(ctx, request)
            return result

        return endpoint

    async def post_handled(request: Request) -> Response:
        return await handled(ctx, request)

    return [
        Route("/", sync(home)),
        Route("/b/{bid:int}", sync(overview)),
        Route("/b/{bid:int}/chart.png", sync(chart)),
        Route("/b/{bid:int}/reviews", sync(reviews)),
        Route("/b/{bid:int}/reviews.csv", sync(export)),
        Route("/r/{rid:int}", sync(review)),
        Route("/r/{rid:int}/handled", post_handled, methods=["POST"]),
    ]
