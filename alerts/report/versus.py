"""The comparison and the invitation-kit line as the owner reads them, in their language.

Formatted once here, for the report's HTML and text and for the dashboard's panel alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.i18n import Wording
from alerts.report.comparison import (
    CLEAR_GAP,
    MIN_TOPIC_MENTIONS,
    Comparison,
    InviteEffect,
    RivalLine,
    TopicGap,
)
from alerts.texts_competitors import ENGLISH_NUMERALS, GERMAN_NUMERALS

TREND_FLAT = 0.05
"""A change of the average below this is shown as level (→)."""


@dataclass(frozen=True, slots=True)
class RivalRow:
    name: str
    own: bool
    average: str
    trend: str
    direction: str
    """'up', 'down', 'flat' or '' (unknown): the trend's colour."""
    per_week: str
    replies: str
    line: str
    """The whole row as one sentence, for the text version."""


@dataclass(frozen=True, slots=True)
class VersusView:
    rows: tuple[RivalRow, ...]
    ahead: tuple[str, ...]
    behind: tuple[str, ...]
    intro: str
    note: str


def _trend(t: Wording, line: RivalLine) -> tuple[str, str]:
    change = line.trend
    if change is None:
        return "–", ""
    if abs(change) < TREND_FLAT:
        return f"→ {t.number(0.0)}", "flat"
    arrow, sign = ("↑", "+") if change > 0 else ("↓", "−")
    return f"{arrow} {sign}{t.number(abs(change))}", "up" if change > 0 else "down"


def _row(t: Wording, comparison: Comparison, line: RivalLine) -> RivalRow:
    average = t.number(line.recent.average) if line.recent.average is not None else "–"
    trend, direction = _trend(t, line)
    per_week = t.number(comparison.per_week(line))
    rate = line.reply_rate
    replies = t.percent(rate) if rate is not None else t("report_rivals_no_replies")
    name = t("report_rivals_you", name=line.name) if line.own else line.name
    text = t("report_rivals_line", name=name, average=average, trend=trend,
             per_week=per_week, replies=replies)  # fmt: skip
    return RivalRow(name, line.own, average, trend, direction, per_week, replies, text)


def _rivals(t: Wording, count: int) -> str:
    if count == 1:
        return t("report_rivals_one")
    numerals = GERMAN_NUMERALS if t.lang == "de" else ENGLISH_NUMERALS
    spelled = numerals[count] if count < len(numerals) else t.number(count, 0)
    return t("report_rivals_many", count=spelled)


def _topic(t: Wording, gap: TopicGap, rivals: str) -> str:
    return t("report_rivals_topic", topic=t.topic(gap.topic), own=t.percent(gap.own_share),
             rivals=rivals, theirs=t.percent(gap.rival_share))  # fmt: skip


def _note(t: Wording, comparison: Comparison) -> str:
    replies = t("report_rivals_replies_note")
    if not comparison.topics:
        return replies
    gap = round(CLEAR_GAP * 100)
    weeks = comparison.topic_weeks
    topics = t("report_rivals_topics_note", weeks=weeks, min=MIN_TOPIC_MENTIONS, gap=gap)
    return f"{topics} {replies}"


def versus_view(t: Wording, comparison: Comparison) -> VersusView:
    rivals = _rivals(t, comparison.competitors)
    return VersusView(
        rows=tuple(_row(t, comparison, line) for line in comparison.lines),
        ahead=tuple(_topic(t, g, rivals) for g in comparison.topics if g.ahead),
        behind=tuple(_topic(t, g, rivals) for g in comparison.topics if not g.ahead),
        intro=t("report_rivals_intro", weeks=comparison.weeks),
        note=_note(t, comparison),
    )


def invite_line(t: Wording, effect: InviteEffect) -> str:
    """'Seit dem Aushang am 03.11.2026: 3,1 → 5,4 Bewertungen pro Woche, Ø 4,1 → 4,5 Sterne'."""
    date = t.date(effect.made_at)
    if effect.too_early:
        return t("report_invite_early", date=date)

    def stars(value: float | None) -> str:
        return t.number(value) if value is not None else "–"

    return t(
        "report_invite", date=date,
        before=t.number(effect.before_per_week), since=t.number(effect.since_per_week),
        stars_before=stars(effect.before.average), stars_since=stars(effect.since.average),
    )  # fmt: skip
