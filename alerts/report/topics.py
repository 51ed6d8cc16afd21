"""The report's topic table: what the week's reviews talk about, against the weeks before.

Per topic: mentions this week and the weekly average of the `compare_weeks` before, the
share of this week's mentions that were negative, one quote (a sentence of this week's
reviews, a negative one when there is one), and the one topic that changed most marked.
The overall impression (Gesamteindruck) comes last: it says least about what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from alerts.i18n import Wording
from alerts.message import shorten
from alerts.report.weeks import IsoWeek
from storage.topic_figures import TopicQuote, topic_counts, topic_quotes

QUOTE_LIMIT = 140
MIN_CHANGE = 2.0  # mentions a week: a smaller change is not worth pointing out
OVERALL = "Gesamteindruck"


@dataclass(frozen=True, slots=True)
class TopicLine:
    """One topic's figures; `previous` is the weekly average of the weeks compared."""

    topic: str
    mentions: int
    negative: int
    previous: float
    quote: str = ""
    biggest_change: bool = False

    @property
    def change(self) -> float:
        return self.mentions - self.previous

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None


def compute_topics(
    session: Session,
    business_id: int,
    week: IsoWeek,
    tz: ZoneInfo,
    compare_weeks: int,
) -> tuple[TopicLine, ...]:
    """The week's topic lines; none when no review of the week names a topic."""
    start, end = week.start_utc(tz), week.end_utc(tz)
    now = topic_counts(session, business_id, start, end)
    if not now:
        return ()
    before = topic_counts(session, business_id, week.shifted(-compare_weeks).start_utc(tz), start)
    quotes = _quotes(topic_quotes(session, business_id, start, end))
    topics = {topic for topic, _ in now} | {topic for topic, _ in before}
    lines = [
        TopicLine(
            topic=topic,
            mentions=sum(n for (t, _), n in now.items() if t == topic),
            negative=now.get((topic, "negative"), 0),
            previous=sum(n for (t, _), n in before.items() if t == topic) / compare_weeks,
            quote=quotes.get(topic, ""),
        )
        for topic in topics
    ]
    lines.sort(key=lambda line: (line.topic == OVERALL, -line.mentions, -line.previous, line.topic))
    return _mark_biggest_change(lines)


def _quotes(found: Sequence[TopicQuote]) -> dict[str, str]:
    """Per topic the first negative sentence, else the first (the list is worst first)."""
    chosen: dict[str, TopicQuote] = {}
    for quote in found:
        known = chosen.get(quote.topic)
        if known is None or (known.polarity != "negative" and quote.polarity == "negative"):
            chosen[quote.topic] = quote
    return {t: shorten(" ".join(q.quote.split()), QUOTE_LIMIT)[0] for t, q in chosen.items()}


def _mark_biggest_change(lines: list[TopicLine]) -> tuple[TopicLine, ...]:
    """The line whose mentions moved most from the average, if it moved at least MIN_CHANGE."""
    if not lines:
        return ()
    biggest = max(lines, key=lambda line: (abs(line.change), line.change))
    if abs(biggest.change) < MIN_CHANGE:
        return tuple(lines)
    return tuple(
        TopicLine(
            line.topic, line.mentions, line.negative, line.previous, line.quote,
            biggest_change=line is biggest,
        )
        for line in lines
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class TopicRow:
    """A topic line as the report shows it: every figure already worded."""

    name: str
    mentions: str
    previous: str
    negative: str
    change: str
    quote: str
    biggest: bool


def topic_rows(lines: Sequence[TopicLine], t: Wording) -> list[TopicRow]:
    return [
        TopicRow(
            name=t.topic(line.topic),
            mentions=t.number(line.mentions, 0),
            previous=t.number(line.previous, 1),
            negative="–" if line.negative_share is None else t.percent(line.negative_share),
            change=("+" if line.change > 0 else "") + t.number(line.change, 1),
            quote=line.quote,
            biggest=line.biggest_change,
        )
        for line in lines
    ]
