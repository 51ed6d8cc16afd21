"""The invite kit for one business: find its "write a review" page, draw, write, record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.invite import CARD, PLATFORM_LABELS, POSTER, InviteText, draw_sheet
from leumund.config import BusinessConfig, Config, SourceConfig
from leumund.errors import OperatorError
from storage.registry import BusinessSpec, SourceSpec, get_business, sync_businesses
from storage.replies import record_invite_kit

log = logging.getLogger(__name__)

GOOGLE_WRITE_REVIEW = "https://search.google.com/local/writereview?placeid={place_id}"
TRUSTPILOT_EVALUATE = "https://de.trustpilot.com/evaluate/{domain}"


@dataclass(frozen=True)
class Kit:
    url: str
    files: list[Path]


def source_review_page(source: SourceConfig) -> tuple[str, str] | None:
    """(URL, platform) of the page where a customer writes a review, if the source tells."""
    if source.type == "google_places" and source.place_id:
        return GOOGLE_WRITE_REVIEW.format(place_id=quote(source.place_id, safe="")), "google"
    if source.type == "trustpilot":
        parts = [p for p in urlsplit(source.url).path.split("/") if p]
        if len(parts) >= 2 and parts[0] == "review":
            return TRUSTPILOT_EVALUATE.format(domain=quote(parts[1], safe=".-")), "trustpilot"
    return None


def review_page(business: BusinessConfig) -> tuple[str, str]:
    """`review_url` if set, else the first source (in config order) that gives a page."""
    if business.review_url:
        return business.review_url, ""
    for source in business.sources:
        found = source_review_page(source)
        if found:
            return found
    raise OperatorError(
        f"invite-kit: no review page known for {business.name!r}; set review_url: for it"
        " (or add a google_places source with place_id, or a trustpilot source)"
    )


def make_invite_kit(
    engine: Engine, config: Config, business_name: str, out_dir: Path, now: datetime
) -> Kit:
    try:
        business = config.business(business_name)
    except KeyError:
        raise OperatorError(f"invite-kit: no business {business_name!r} in the config") from None
    url, platform = review_page(business)
    text = InviteText(business.name, business.contact, url, PLATFORM_LABELS.get(platform, ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for sheet in (CARD, POSTER):
        files += draw_sheet(sheet, text, out_dir)[0]
    for name, body in (("email.txt", _email_file(text)), ("sms.txt", text.sms() + "\n")):
        (out_dir / name).write_text(body, encoding="utf-8")
        files.append(out_dir / name)
    _record(engine, business, url, now)
    log.info("invite kit for %s written to %s (%s)", business.name, out_dir, url)
    return Kit(url, files)


def _email_file(text: InviteText) -> str:
    return f"Betreff: {text.email_subject()}\n\n{text.email()}"


def _record(engine: Engine, business: BusinessConfig, url: str, now: datetime) -> None:
    with Session(engine) as session:
        row = get_business(session, business.name)
        if row is None:
            specs = tuple(SourceSpec(s.name, s.type, s.url, s.enabled) for s in business.sources)
            sync_businesses(
                session, [BusinessSpec(business.name, business.timezone, business.language, specs)]
            )
            row = get_business(session, business.name)
        assert row is not None and row.id is not None
        record_invite_kit(session, row.id, url, now)
        session.commit()
