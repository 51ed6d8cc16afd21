"""The weekly report job: figures → rendered email → one outbox row per recipient.

Enqueueing is idempotent (dedup key per business, week and recipient), so the scheduler,
a catch-up run after downtime and `leumund report` can all ask without sending twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from alerts.dedup import dedup_key
from alerts.payloads import ReportPayload, stored
from alerts.report.data import compute_report
from alerts.report.model import WeeklyReport
from alerts.report.render import render_report_file
from alerts.report.weeks import IsoWeek, last_complete_week
from alerts.templating import make_environment
from leumund.config import BusinessConfig, Config
from leumund.errors import OperatorError
from storage.db import session_scope
from storage.models import Business, CrawlRun, Notification, NotificationKind, Source, utcnow
from storage.outbox import enqueue, new_notification
from storage.registry import get_business

log = logging.getLogger(__name__)


def report_key(business_id: int, week: IsoWeek, recipient: str) -> str:
    return dedup_key("report", business_id, week.label, recipient=recipient)


def report_week(business: BusinessConfig, now: datetime, week: str | None) -> IsoWeek:
    """The asked-for week, or the last complete week in the business's time zone."""
    if week is None:
        return last_complete_week(now, ZoneInfo(business.timezone))
    try:
        return IsoWeek.parse(week)
    except ValueError as exc:
        raise OperatorError(f"--week: {exc}") from None


def chosen_businesses(config: Config, business_name: str | None) -> list[BusinessConfig]:
    """One named business (enabled or not: the operator asked), else all with reports on."""
    if business_name is None:
        return [b for b in config.businesses if b.report.enabled]
    try:
        return [config.business(business_name)]
    except KeyError:
        known = ", ".join(repr(b.name) for b in config.businesses) or "none configured"
        raise OperatorError(f"no business named {business_name!r} (known: {known})") from None


def load_report(
    engine: Engine, business: BusinessConfig, week: IsoWeek, now: datetime
) -> WeeklyReport | None:
    """The figures, or None when the business has no row yet (nothing crawled so far)."""
    with Session(engine) as session:
        row = get_business(session, business.name)
    if row is None:
        log.warning("report for %r skipped: business not in the database yet", business.name)
        return None
    with engine.connect() as conn:
        return compute_report(conn, row, week, business.alerts, now)


def watched_before(engine: Engine, business: BusinessConfig, week: IsoWeek) -> bool:
    """Did Leumund try to read any source of the business before `week` ended?

    A business set up after a week has nothing to report for it: its first run must not
    send last week's (empty) report at once. A source that kept failing was tried, so
    its business still gets the report that says so.
    """
    end = week.end_utc(ZoneInfo(business.timezone))
    with Session(engine) as session:
        first = session.exec(
            select(func.min(CrawlRun.started_at))
            .join(Source, col(Source.id) == col(CrawlRun.source_id))
            .join(Business, col(Business.id) == col(Source.business_id))
            .where(Business.name == business.name)
        ).one()
    return first is not None and _aware(first) < end


def _aware(value: datetime) -> datetime:
    """min() over a timestamp bypasses the column type: SQLite hands back a naive UTC value."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _missing_recipients(
    engine: Engine, business_id: int, week: IsoWeek, rcpts: list[str]
) -> list[str]:
    keys = {report_key(business_id, week, r): r for r in rcpts}
    with Session(engine) as session:
        found = set(
            session.exec(
                select(Notification.dedup_key).where(col(Notification.dedup_key).in_(list(keys)))
            )
        )
    return [r for k, r in keys.items() if k not in found]


def _enqueue_one(engine: Engine, business: BusinessConfig, week: IsoWeek, now: datetime) -> int:
    """One row per recipient with the figures; the email is rendered when it is sent."""
    report = load_report(engine, business, week, now)
    if report is None:
        return 0
    recipients = _missing_recipients(engine, report.business_id, week, business.report_recipients())
    if not recipients:
        return 0
    payload, added = stored(ReportPayload(report=report)), 0
    with session_scope(engine) as session:
        for recipient in recipients:
            key = report_key(report.business_id, week, recipient)
            added += enqueue(
                session,
                new_notification(
                    kind=NotificationKind.REPORT.value,
                    dedup_key=key,
                    recipient=recipient,
                    business_id=report.business_id,
                    payload=payload,
                    send_after=now,
                ),
            )
    return added


def enqueue_weekly_reports(
    engine: Engine,
    config: Config,
    now: datetime,
    business_name: str | None = None,
    week: str | None = None,
) -> int:
    """Enqueue each chosen business's report; returns the rows added."""
    added = 0
    for business in chosen_businesses(config, business_name):
        iso = report_week(business, now, week)
        count = _enqueue_one(engine, business, iso, now)
        log.info("weekly report %s for %r: %d message(s) enqueued", iso.label, business.name, count)
        added += count
    return added


def write_report_html(
    engine: Engine, config: Config, business_name: str, week: str | None, out: Path
) -> Path:
    """Write the report as one self-contained HTML file (chart inside) for a browser."""
    business = chosen_businesses(config, business_name)[0]
    now = utcnow()
    iso = report_week(business, now, week)
    report = load_report(engine, business, iso, now)
    if report is None:
        raise OperatorError(f"business {business_name!r} has no data yet; run a crawl first")
    html = render_report_file(make_environment(), report)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise OperatorError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out.resolve()
