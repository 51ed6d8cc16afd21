"""Answering a review from its page: posted through the Google Business Profile API where a
source allows it (the same code path as `leumund reply`), a link to the platform elsewhere.

Who posted and when is kept (`OwnerReply`); the review then counts as answered. The
textarea starts with the business's reply draft — a suggestion the owner edits, never
posted by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.message import safe_url
from alerts.payloads import topic_tags
from alerts.replies import ReplyTemplateError, answer_url, complaint_topics
from crawler.reply import POSTABLE
from leumund.errors import OperatorError
from leumund.jobs.reply import draft_for, post_reply
from leumund.web.context import Signed, WebContext, check_csrf, not_found, page, require
from storage import dashboard
from storage.db import session_scope
from storage.models import Business, OwnerReply, Review
from storage.replies import owner_replies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyPanel:
    """What the review page offers for answering: a form (postable) or the platform's link."""

    postable: bool
    text: str
    answer_url: str | None
    posted: list[OwnerReply] = field(default_factory=list)
    error: str | None = None


def visible_detail(ctx: WebContext, signed: Signed, review_id: int) -> dashboard.ReviewDetail:
    """The review with everything about it; 404 for one the viewer may not see."""
    with session_scope(ctx.engine) as session:
        name = dashboard.business_of_review(session, review_id)
        detail = dashboard.review_detail(session, review_id)
    if name is None or detail is None or not signed.viewer.may_see(name):
        raise not_found()
    return detail


def _draft(ctx: WebContext, review: Review) -> str:
    """The same suggestion the alert carried: taking up the review's negative topics."""
    with session_scope(ctx.engine) as session:
        business = session.get(Business, review.business_id)
    tags = [(tag.topic, tag.polarity) for tag in topic_tags(review.topics)]
    try:
        config = ctx.config.business(business.name) if business else None
        return draft_for(ctx.config, config, complaint_topics(tags)) if config else ""
    except (KeyError, ReplyTemplateError):
        return ""


def reply_panel(
    ctx: WebContext, detail: dashboard.ReviewDetail, text: str | None = None,
    error: str | None = None,
) -> ReplyPanel:  # fmt: skip
    review, source = detail.review, detail.source
    assert review.id is not None
    with session_scope(ctx.engine) as session:
        posted = owner_replies(session, review.id)
    postable = source.type in POSTABLE
    if text is None:  # elsewhere the draft is there to copy to the platform's form
        text = review.reply_text if postable and review.reply_text else _draft(ctx, review)
    link = answer_url(source.type, review.platform_id, review.url, source.url)
    return ReplyPanel(postable, text, safe_url(link), posted, error)


def review_page(
    ctx: WebContext, signed: Signed, detail: dashboard.ReviewDetail, panel: ReplyPanel,
    status: int = 200,
) -> Response:  # fmt: skip
    link = safe_url(detail.review.url) or safe_url(detail.source.url)
    topics = topic_tags(detail.review.topics)
    return page(
        ctx, "review.html", signed.lang, status, signed=signed, d=detail, link=link, reply=panel,
        topics=topics,
    )  # fmt: skip


async def post(ctx: WebContext, request: Request) -> Response:
    signed = require(ctx, request)
    form = await check_csrf(request, signed.csrf)
    review_id: int = request.path_params["rid"]
    detail = visible_detail(ctx, signed, review_id)
    if detail.source.type not in POSTABLE:
        raise not_found()
    text = form.get("text", "")
    try:
        await run_in_threadpool(
            post_reply, ctx.engine, ctx.config, review_id, text, signed.viewer.email, ctx.clock()
        )
    except OperatorError as exc:
        log.warning("reply to review %s by %s not posted: %s", review_id, signed.viewer.email, exc)
        panel = reply_panel(ctx, detail, text=text, error=str(exc))
        return review_page(ctx, signed, detail, panel, status=502)
    return RedirectResponse(f"/r/{review_id}", status_code=303)


def routes(ctx: WebContext) -> list[Route]:
    async def post_reply_route(request: Request) -> Response:
        return await post(ctx, request)

    return [Route("/r/{rid:int}/reply", post_reply_route, methods=["POST"])]
