"""Answering a review from Leumund: a draft to start from, posting where the API allows it.

The reply is posted first and recorded after; should recording fail, posting again is
harmless (the API replaces a reply), so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.replies import DraftRequest, ReplyDrafter, answer_url, make_reply_environment
from crawler.reply import (
    POSTABLE,
    GoogleAccess,
    ReplyError,
    check_reply_text,
    post_google_reply,
)
from leumund.config import BusinessConfig, Config, SourceConfig
from leumund.errors import OperatorError
from storage.models import Business, Review, Source
from storage.replies import record_owner_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewPlace:
    """A stored review with the configured business and source it came from."""

    review: Review
    source: Source
    business: BusinessConfig
    source_config: SourceConfig | None


def find_review(session: Session, config: Config, review_id: int) -> ReviewPlace:
    review = session.get(Review, review_id)
    source = session.get(Source, review.source_id) if review else None
    business = session.get(Business, review.business_id) if review else None
    if review is None or source is None or business is None:
        raise OperatorError(f"review {review_id} not found (the id is shown in alerts)")
    try:
        business_config = config.business(business.name)
    except KeyError:
        raise OperatorError(
            f"review {review_id} belongs to {business.name!r}, which is not in the config"
        ) from None
    source_config = next((s for s in business_config.sources if s.name == source.name), None)
    return ReviewPlace(review, source, business_config, source_config)


def drafter_for(config: Config, business: BusinessConfig) -> ReplyDrafter:
    """The business's reply drafts: its templates, name, kind and contact line."""
    env = make_reply_environment(config.reply_template_dir(business))
    request = DraftRequest(business.name, business.kind, business.contact, business.language)
    return ReplyDrafter(request, env)


def draft_for(config: Config, business: BusinessConfig, topics: list[str] | None = None) -> str:
    """The reply suggestion for a critical review of this business (never posted by itself)."""
    return drafter_for(config, business).draft(topics or [])


def google_access(config: Config, source: SourceConfig) -> GoogleAccess:
    secrets = [
        config.secret(name)
        for name in (source.client_id_env, source.client_secret_env, source.refresh_token_env)
    ]
    if not source.enabled or any(s is None for s in secrets):
        raise OperatorError(f"source {source.name!r} is disabled; enable it to reply through it")
    client_id, client_secret, refresh_token = (s.get_secret_value() for s in secrets if s)
    if source.url:
        base = source.url.rstrip("/")
        return GoogleAccess(client_id, client_secret, refresh_token, base, f"{base}/token")
    return GoogleAccess(client_id, client_secret, refresh_token)


def post_reply(
    engine: Engine, config: Config, review_id: int, text: str, replied_by: str, now: datetime
) -> str:
    """Post `text` as the owner's reply and record it; returns the platform's review name."""
    with Session(engine) as session:
        place = find_review(session, config, review_id)
        source = place.source_config
        if place.source.type not in POSTABLE or source is None:
            link = answer_url(
                place.source.type, place.review.platform_id, place.review.url, place.source.url
            )
            raise OperatorError(
                f"review {review_id} is on {place.source.type}, where Leumund cannot post;"
                f" answer it at {link}"
            )
        name = f"{source.location}/reviews/{place.review.platform_id}"
        try:
            posted = post_google_reply(google_access(config, source), name, check_reply_text(text))
        except ReplyError as exc:
            raise OperatorError(f"reply to review {review_id} not posted: {exc}") from None
        record_owner_reply(
            session, place.review, posted.comment, replied_by, source.type, posted.updated_at or now
        )
        session.commit()
    log.info("review %d answered by %s through %s", review_id, replied_by, source.type)
    return name
