"""The comparison with the competition and the invitation kit's effect, from the database.

Windows, in the business's own weeks: rating, trend, reviews per week and reply rate over
the report's week and the 3 before (`COMPARE_WEEKS`), against the 4 weeks before those;
topics over the report's 12 weeks (`TREND_WEEKS`), because topics are named less often than
reviews come. A topic is listed only when both sides have `MIN_TOPIC_MENTIONS` mentions and
their negative shares differ by `CLEAR_GAP` or more.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from alerts.report.comparison import (
    CLEAR_GAP,
    INVITE_BEFORE_WEEKS,
    MIN_TOPIC_MENTIONS,
    TOPIC_LIMIT,
    Comparison,
    InviteEffect,
    RivalLine,
    Stars,
    TopicGap,
)
from alerts.report.model import COMPARE_WEEKS, TREND_WEEKS
from alerts.report.weeks import IsoWeek
from storage.comparison import TopicCounts, competitors_of, reply_counts, topic_counts
from storage.figures import RatingCounts, rating_counts_per_period
from storage.models import Business
from storage.replies import first_invite_kit_at


def _stars(counts: RatingCounts) -> Stars:
    return Stars(counts.count, counts.rated, counts.star_sum)


def _line(session: Session, business: Business, own: bool, bounds: list[datetime]) -> RivalLine:
    assert business.id is not None
    before, recent = rating_counts_per_period(session, business.id, bounds)
    replies = reply_counts(session, business.id, bounds[1], bounds[2])
    return RivalLine(
        name=business.name if own else business.label or business.name, own=own,
        recent=_stars(recent), before=_stars(before),
        reply_checked=replies.checked, replied=replies.replied,
    )  # fmt: skip


def topic_gaps(
    own: Mapping[str, TopicCounts], rivals: Mapping[str, TopicCounts]
) -> tuple[TopicGap, ...]:
    """Topics with enough mentions on both sides and a clear gap, the largest first."""
    gaps = [
        TopicGap(topic, mine.mentions, mine.negative, theirs.mentions, theirs.negative)
        for topic, mine in own.items()
        if (theirs := rivals.get(topic)) is not None
        and min(mine.mentions, theirs.mentions) >= MIN_TOPIC_MENTIONS
    ]
    clear = [g for g in gaps if abs(g.own_share - g.rival_share) >= CLEAR_GAP - 1e-9]
    clear.sort(key=lambda g: (-abs(g.own_share - g.rival_share), g.topic))
    return tuple(clear[:TOPIC_LIMIT])


def compute_comparison(
    session: Session, business: Business, week: IsoWeek, names: Collection[str] | None = None
) -> Comparison | None:
    """The business against its competitors (those stored under `names`, when given);
    None when it has none."""
    assert business.id is not None
    rivals = competitors_of(session, business.id, names)
    if not rivals:
        return None
    tz = ZoneInfo(business.timezone)
    first = week.shifted(1 - 2 * COMPARE_WEEKS)
    bounds = [first.start_utc(tz), week.shifted(1 - COMPARE_WEEKS).start_utc(tz), week.end_utc(tz)]
    lines = [_line(session, business, True, bounds)]
    lines += [_line(session, rival, False, bounds) for rival in rivals]
    since = week.shifted(1 - TREND_WEEKS).start_utc(tz)
    own = topic_counts(session, [business.id], since, bounds[2])
    theirs = topic_counts(session, [r.id for r in rivals if r.id is not None], since, bounds[2])
    return Comparison(tuple(lines), topic_gaps(own, theirs), COMPARE_WEEKS, TREND_WEEKS)


def compute_invite_effect(
    session: Session, business_id: int, until: datetime
) -> InviteEffect | None:
    """Reviews per week and stars in the 8 weeks before the first kit and since it, up to
    `until`; None when no kit was made by then."""
    made = first_invite_kit_at(session, business_id)
    if made is None or made >= until:
        return None
    start = made - timedelta(weeks=INVITE_BEFORE_WEEKS)
    before, since = rating_counts_per_period(session, business_id, [start, made, until])
    return InviteEffect(
        made_at=made, before=_stars(before), before_weeks=INVITE_BEFORE_WEEKS,
        since=_stars(since), since_weeks=(until - made) / timedelta(weeks=1),
    )  # fmt: skip
