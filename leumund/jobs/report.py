"""The weekly report job: figures → one outbox row per recipient (rendered when sent).

Enqueueing is idempotent (dedup key per business, week and recipient), so the scheduler,
a catch-up run after downtime and `leumund report` can all ask without sending twice.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.dedup import dedup_key
from alerts.payloads import ReportPayload, stored
from alerts.report.data import compute_report
from alerts.report.model import WeeklyReport
from alerts.report.render import render_report_file
from alerts.report.weeks import IsoWeek, last_complete_week
from alerts.templating import make_environment
from leumund.config import BusinessConfig, Config
from leumund.errors import OperatorError
from storage.crawls import tried_before
from storage.db import session_scope
from storage.models import NotificationKind
from storage.outbox import enqueue, existing_dedup_keys, new_notification
from storage.registry import get_business

log = logging.getLogger(__name__)


_KW = re.compile(r"^\s*KW\s*(\d{1,2})\s*$", re.IGNORECASE)


def report_key(business_id: int, week: IsoWeek, recipient: str) -> str:
    return dedup_key("report", business_id, week.label, recipient=recipient)


def resend_key(key: str, now: datetime) -> str:
    """A report sent again is a new outbox row (and Message-ID): the first key plus when."""
    return f"{key}:resend:{now.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}"


def report_week(
    business: BusinessConfig, now: datetime, week: str | None, complete: bool = True
) -> IsoWeek:
    """The asked-for week ('2026-W49' or 'KW49'), or the last complete week, in the
    business's time zone. A week not begun is refused; with `complete` also the running
    one, whose report would be partial and take the place of the real one."""
    tz = ZoneInfo(business.timezone)
    today, last = now.astimezone(tz).date(), last_complete_week(now, tz)
    if week is None:
        return last
    iso = _parse_week(week, today)
    if iso > last.shifted(1):
        raise OperatorError(
            f"--week {week}: {iso.label} has not begun yet; the last complete week is {last.label}"
        )
    if complete and iso > last:
        raise OperatorError(
            f"--week {week}: {iso.label} is not over yet (it ends on Sunday"
            f" {iso.shifted(1).monday() - timedelta(days=1)}); the last complete week is"
            f" {last.label}"
        )
    return iso


def _parse_week(text: str, today: date) -> IsoWeek:
    """'2026-W49', or 'KW49': the latest week 49 that has begun (this year or last)."""
    match = _KW.match(text)
    if match is None:
        try:
            return IsoWeek.parse(text)
        except ValueError as exc:
            raise OperatorError(f"--week: {exc} or 'KW47'") from None
    number, year = int(match.group(1)), today.isocalendar().year
    for candidate_year in (year, year - 1):
        try:
            candidate = IsoWeek.parse(f"{candidate_year}-W{number}")
        except ValueError:
            continue
        if candidate <= IsoWeek.of(today):
            return candidate
    raise OperatorError(f"--week {text}: no week {number} in {year - 1} or {year}")


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
        competitors = [c.name for c in business.competitor_businesses()]
        return compute_report(session, row, week, business.alerts, now, competitors)


def watched_before(engine: Engine, business: BusinessConfig, week: IsoWeek) -> bool:
    """Did Leumund try to read any source of the business before `week` ended?

    A business set up after a week has nothing to report for it: its first run must not
    send last week's (empty) report at once. A source that kept failing was tried, so
    its business still gets the report that says so.
    """
    with Session(engine) as session:
        row = get_business(session, business.name)
        if row is None or row.id is None:
            return False
        return tried_before(session, row.id, week.end_utc(ZoneInfo(business.timezone)))


def _recipient_keys(
    engine: Engine, business_id: int, week: IsoWeek, rcpts: list[str], now: datetime,
    resend: bool,
) -> dict[str, str]:  # fmt: skip
    """Dedup key → recipient of each report to queue: those not sent yet, and with
    `resend` those sent already again, under a key of their own."""
    keys = {report_key(business_id, week, r): r for r in rcpts}
    with Session(engine) as session:
        found = existing_dedup_keys(session, keys)
    if resend:
        return {resend_key(k, now) if k in found else k: r for k, r in keys.items()}
    return {k: r for k, r in keys.items() if k not in found}


def _enqueue_one(
    engine: Engine, business: BusinessConfig, week: IsoWeek, now: datetime, resend: bool = False
) -> int:
    """One row per recipient with the figures; the email is rendered when it is sent."""
    report = load_report(engine, business, week, now)
    if report is None:
        return 0
    recipients = _recipient_keys(
        engine, report.business_id, week, business.report_recipients(), now, resend
    )
    if not recipients:
        return 0
    payload, added = stored(ReportPayload(report=report)), 0
    with session_scope(engine) as session:
        for key, recipient in recipients.items():
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
    resend: bool = False,
    running_week: bool = False,
) -> int:
    """Enqueue each chosen business's report (rendered when sent); returns the rows added.

    A report already queued for a week and recipient is not queued again, unless `resend`.
    The week still running is refused unless `running_week` (the demo shows it at once).
    """
    added = 0
    for business in chosen_businesses(config, business_name):
        iso = report_week(business, now, week, complete=not running_week)
        count = _enqueue_one(engine, business, iso, now, resend)
        log.info("weekly report %s for %r: %d message(s) enqueued", iso.label, business.name, count)
        added += count
    return added


def write_report_html(
    engine: Engine, config: Config, business_name: str, week: str | None, out: Path
) -> Path:
    """Write the report as one self-contained HTML file (chart inside) for a browser."""
    business = chosen_businesses(config, business_name)[0]
    now = datetime.now(UTC)
    iso = report_week(business, now, week, complete=False)
    report = load_report(engine, business, iso, now)
    if report is None:
        raise OperatorError(f"business {business_name!r} has no data yet; run a crawl first")
    html = render_report_file(make_environment(), report, config.web.base_url)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise OperatorError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out.resolve()
