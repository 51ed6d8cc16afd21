"""Turning a WeeklyReport into an email (text + HTML + inline PNG) or a standalone HTML file.

Rendering is pure: figures in, message out. The chart is referenced by Content-ID in the
email (multipart/related) and embedded as a data: URI in the file version, so both show
the same picture without fetching anything from the network.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from jinja2 import Environment

from alerts import message
from alerts.i18n import Wording, lang_of
from alerts.report.charts import MIN_REVIEWS, ROLLING_WEEKS, TrendChart, TrendText, trend_png
from alerts.report.comparison import INVITE_BEFORE_WEEKS
from alerts.report.model import COMPARE_WEEKS, UNANSWERED_DAYS, ReviewLine, WeeklyReport
from alerts.report.topics import topic_rows
from alerts.report.versus import invite_line, versus_view
from alerts.templating import render

SENTIMENT_COLORS = {
    "positive": "#2da44e",
    "neutral": "#8c959f",
    "negative": "#d1242f",
    "unclassified": "#d0d7de",
}


@dataclass(frozen=True, slots=True)
class SentimentRow:
    label: str
    count: int
    percent: int
    color: str


@dataclass(frozen=True, slots=True)
class AlarmLine:
    """A source that delivers nothing, as the top of the report says it."""

    text: str
    error: str | None


@dataclass(frozen=True, slots=True)
class RenderedReport:
    subject: str
    text: str
    html: str
    chart_png: bytes | None
    chart_cid: str | None
    lang: str


def wording_for(report: WeeklyReport) -> Wording:
    return Wording(lang_of(report.language), report.timezone)


def render_report(
    env: Environment,
    report: WeeklyReport,
    chart_maker: TrendChart | None = None,
    dashboard: str | None = None,
) -> RenderedReport:
    """Subject, text and HTML of the email; the HTML points at the chart by Content-ID.

    Pass one `chart_maker` when rendering many reports in a row: it saves half the time.
    With `dashboard` (`web.base_url`) every listed review links to its dashboard page too.
    """
    t = wording_for(report)
    chart = trend_chart(report, t, chart_maker)
    cid = f"trend.{report.business_id}.{report.week.label}@leumund.report" if chart else None
    context = _context(report, t, f"cid:{cid}" if cid else None, dashboard)
    return RenderedReport(
        subject=message.header_text(
            t(
                "report_subject",
                week=t.week(report.week.year, report.week.week),
                business=report.business_name,
            )
        ),
        text=render(env, "report.txt.j2", **context),
        html=render(env, "report.html.j2", **context),
        chart_png=chart,
        chart_cid=cid,
        lang=t.lang,
    )


def render_report_file(env: Environment, report: WeeklyReport, dashboard: str | None = None) -> str:
    """The same report as one HTML file with the chart inside, for a browser."""
    t = wording_for(report)
    chart = trend_chart(report, t)
    src = "data:image/png;base64," + base64.b64encode(chart).decode("ascii") if chart else None
    return render(env, "report.html.j2", **_context(report, t, src, dashboard))


def build_message(
    rendered: RenderedReport, sender: str, recipient: str, now: datetime, msgid: str
) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related (text/html + image/png)."""
    msg = message.build_message(
        subject=rendered.subject,
        sender=sender,
        recipient=recipient,
        text=rendered.text,
        html=rendered.html,
        msgid=msgid,
        now=now,
        lang=rendered.lang,
    )
    if rendered.chart_png is not None and rendered.chart_cid is not None:
        html_part = msg.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            rendered.chart_png,
            "image",
            "png",
            cid=f"<{rendered.chart_cid}>",
            filename="trend.png",
            disposition="inline",
        )
    return msg


def trend_chart(
    report: WeeklyReport, t: Wording, chart_maker: TrendChart | None = None
) -> bytes | None:
    """The report's 12-week chart as PNG, in its language; None when those weeks are empty.
    The dashboard shows the same picture."""
    if not any(point.stats.count for point in report.trend):
        return None
    text = TrendText(
        week_labels=[t("report_week_short", week=p.week.week) for p in report.trend],
        format_stars=lambda v: f"{t.number(v, 0)} ★",
    )
    if chart_maker is None:
        return trend_png(report.trend, text)
    return chart_maker.png(report.trend, text)


def _sentiment_rows(report: WeeklyReport, t: Wording) -> list[SentimentRow]:
    split = report.sentiment
    total = split.total or 1
    pairs = [
        (t.sentiment("positive"), split.positive, "positive"),
        (t.sentiment("neutral"), split.neutral, "neutral"),
        (t.sentiment("negative"), split.negative, "negative"),
        (t("report_unclassified"), split.unclassified, "unclassified"),
    ]
    return [
        SentimentRow(label, count, round(100 * count / total), SENTIMENT_COLORS[key])
        for label, count, key in pairs
        if count or key != "unclassified"
    ]


def since_phrase(t: Wording, since: datetime, now: datetime) -> str:
    """'seit heute', 'seit gestern', 'seit 3 Tagen' by the business's calendar days."""
    days = (now.astimezone(t.tz).date() - since.astimezone(t.tz).date()).days
    if days <= 0:
        return t("since_today")
    return t("since_yesterday") if days == 1 else t("since_days", days=days)


def _alarm_lines(report: WeeklyReport, t: Wording) -> list[AlarmLine]:
    now = report.as_of or report.end
    lines = []
    for alarm in report.alarms:
        if alarm.never_worked:
            text = t("report_alarm_never", source=alarm.display_name, date=t.date(alarm.since))
        else:
            since = since_phrase(t, alarm.since, now)
            text = t("report_alarm", source=alarm.display_name, since=since)
        error = " ".join((alarm.last_error or "").split())[:200] or None
        lines.append(AlarmLine(text, error))
    return lines


def reason_texts(t: Wording, line: ReviewLine) -> list[str]:
    """Why a listed review is critical beyond its stars: 'Text negativ', 'Stichwort „…“'."""
    return [
        t("rule_keyword", keyword=reason.removeprefix("keyword:"))
        if reason.startswith("keyword:")
        else t("report_reason_negative")
        for reason in line.reasons
    ]


def _blind_note(report: WeeklyReport, t: Wording) -> str | None:
    places = [t.place(kind, name) for kind, name in report.replies.blind]
    return t("report_replies_blind", places=t.join(places)) if places else None


def _context(
    report: WeeklyReport, t: Wording, chart_src: str | None, dashboard: str | None = None
) -> dict[str, Any]:
    last_day = report.end.astimezone(report.timezone) - timedelta(days=1)
    week = t.week(report.week.year, report.week.week)
    return {
        "t": t,
        "r": report,
        "week": week,
        "period": t("report_period", week=week, start=t.date(report.start), end=t.date(last_day)),
        "title": t("report_file_title", week=week, business=report.business_name),
        "chart_src": chart_src,
        "compare_weeks": COMPARE_WEEKS,
        "trend_weeks": len(report.trend),
        "unanswered_days": UNANSWERED_DAYS,
        "sentiment_rows": _sentiment_rows(report, t),
        "rolling_weeks": ROLLING_WEEKS,
        "few_reviews": MIN_REVIEWS,
        "alarms": _alarm_lines(report, t),
        "reasons": lambda line: reason_texts(t, line),
        "blind_note": _blind_note(report, t),
        "dashboard": (lambda review_id: f"{dashboard.rstrip('/')}/r/{review_id}")
        if dashboard
        else None,
        "burst_note": _burst_note(report, t),
        "versus": versus_view(t, report.competitors) if report.competitors else None,
        "invite_line": invite_line(t, report.invite) if report.invite else None,
        "invite_weeks": INVITE_BEFORE_WEEKS,
        "topic_rows": topic_rows(report.topics, t),
    }


def _burst_note(report: WeeklyReport, t: Wording) -> str | None:
    """'⚠ Woche mit auffälliger Häufung …: KW 47/2026' under the chart, or None."""
    weeks = [t.week(w.year, w.week) for w in report.burst_weeks]
    key = "report_burst_weeks" if len(weeks) == 1 else "report_burst_weeks_many"
    return t(key, weeks=t.join(weeks)) if weeks else None
