"""The comparison with competitors and the invitation kit's effect: figures on factory data
(numbers derived by hand below), the report's "Mitbewerber" section, the stored payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.i18n import wording
from alerts.payloads import ReportPayload, read_payload, stored
from alerts.report.competitors import compute_comparison, compute_invite_effect
from alerts.report.data import compute_report
from alerts.report.render import render_report
from alerts.report.versus import invite_line, versus_view
from alerts.report.weeks import IsoWeek
from alerts.templating import make_environment
from storage.db import session_scope
from storage.models import Business, Review, Source
from storage.replies import record_invite_kit

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = IsoWeek(2026, 47)  # Mon 16.11. – Sun 22.11.2026; recent = W44–W47, before = W40–W43
OWNER = "Bäckerei Beispiel"
NAMES = ("Bäckerei Beispiel › Backstube", "Bäckerei Beispiel › Brotzeit")
NNBSP = "\u202f"  # German: '40 %' with a narrow no-break space


def day(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, 12, 0, tzinfo=UTC)


class Seeder:
    def __init__(self, session: Session) -> None:
        self.session, self.n = session, 0

    def business(self, name: str, of: Business | None = None, label: str | None = None,
                 sees_replies: bool | None = True) -> tuple[Business, Source]:  # fmt: skip
        business = Business(name=name, competitor_of_id=of.id if of else None, label=label)
        self.session.add(business)
        self.session.flush()
        assert business.id is not None
        source = Source(business_id=business.id, name="tp", type="trustpilot",
                        sees_replies=sees_replies)  # fmt: skip
        self.session.add(source)
        self.session.flush()
        return business, source

    def review(
        self, source: Source, when: datetime, rating: float | None,
        reply: str | None = None, topics: list[tuple[str, str]] | None = None,
    ) -> None:  # fmt: skip
        self.n += 1
        assert source.id is not None
        self.session.add(Review(
            source_id=source.id, business_id=source.business_id, platform_id=f"r{self.n}",
            rating=rating, published_at=when, first_seen_at=when, reply_text=reply,
            topics=[{"topic": t, "polarity": p} for t, p in topics] if topics else None,
        ))  # fmt: skip


def mentions(topic: str, total: int, negative: int) -> list[tuple[str, str]]:
    return [(topic, "negative")] * negative + [(topic, "positive")] * (total - negative)


def seed(session: Session) -> Business:
    """Owner: recent 4×5★ + 4×3★ (2 replied), before 4×3★. Backstube: recent 4×2★, replies
    not visible. Brotzeit: recent 2×4★ (1 replied), before 2×5★. 'Alt' (removed from the
    config) would change every figure it entered."""
    s = Seeder(session)
    owner, tp = s.business(OWNER)
    own_topics = [
        mentions("Wartezeit", 10, 4), mentions("Freundlichkeit", 10, 1),
        mentions("Preis", 9, 9), mentions("Sauberkeit", 10, 2),
    ]  # fmt: skip
    for i, rating in enumerate([5, 5, 5, 5, 3, 3, 3, 3]):
        s.review(tp, day(11, 2 + i), rating, reply="Danke!" if i < 2 else None,
                 topics=own_topics[i] if i < 4 else None)  # fmt: skip
    for i in range(4):
        s.review(tp, day(10, 5 + i), 3)
    s.review(tp, day(9, 23), 1)  # W39: in neither window
    _, back = s.business(NAMES[0], owner, "Backstube", sees_replies=None)
    back_topics = [mentions("Wartezeit", 15, 2), mentions("Freundlichkeit", 5, 3),
                   mentions("Preis", 20, 0), mentions("Sauberkeit", 5, 1)]  # fmt: skip
    for i in range(4):
        s.review(back, day(11, 10 + i), 2, reply="Danke", topics=back_topics[i])
    _, brot = s.business(NAMES[1], owner, "Brotzeit")
    s.review(brot, day(11, 18), 4, reply="Danke",
             topics=mentions("Wartezeit", 10, 1) + mentions("Freundlichkeit", 5, 2))  # fmt: skip
    s.review(brot, day(11, 19), 4, topics=mentions("Sauberkeit", 5, 2))
    s.review(brot, day(10, 1), 5)
    s.review(brot, day(10, 2), 5)
    _, old = s.business("Bäckerei Beispiel › Alt", owner, "Alt")
    s.review(old, day(11, 5), 1, topics=mentions("Wartezeit", 10, 10))
    session.flush()
    return owner


def test_comparison_figures(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        owner = seed(session)
        comparison = compute_comparison(session, owner, WEEK, NAMES)
    assert comparison is not None and comparison.competitors == 2
    own, back, brot = comparison.lines
    assert (own.name, own.own, back.name, brot.name) == (OWNER, True, "Backstube", "Brotzeit")
    assert (own.recent.count, own.recent.average, own.before.average) == (8, 4.0, 3.0)
    assert own.trend == pytest.approx(1.0) and comparison.per_week(own) == 2.0
    assert (own.reply_checked, own.replied, own.reply_rate) == (8, 2, 0.25)
    assert (back.recent.average, back.trend, comparison.per_week(back)) == (2.0, None, 1.0)
    assert back.reply_rate is None  # its platform shows no replies: not "0 %"
    assert (brot.recent.average, brot.trend, brot.reply_rate) == (4.0, -1.0, 0.5)
    # Wartezeit 4/10 against 3/25; Freundlichkeit 1/10 against 5/10; Preis has 9 mentions
    # (< 10); Sauberkeit 2/10 against 3/10 differs by 10 points (< 15)
    gaps = [(g.topic, g.own_mentions, g.own_negative, g.rival_mentions, g.rival_negative,
             g.ahead) for g in comparison.topics]  # fmt: skip
    assert gaps == [
        ("Freundlichkeit", 10, 1, 10, 5, True),
        ("Wartezeit", 10, 4, 25, 3, False),
    ]
    view = versus_view(wording("de"), comparison)
    assert view.behind == (
        f"Wartezeit: bei Ihnen 40{NNBSP}% negativ, bei den zwei Mitbewerbern 12{NNBSP}%",
    )
    assert view.ahead == (
        f"Freundlichkeit: bei Ihnen 10{NNBSP}% negativ, bei den zwei Mitbewerbern 50{NNBSP}%",
    )
    assert [(r.average, r.trend, r.per_week, r.replies) for r in view.rows] == [
        ("4", "↑ +1", "2", f"25{NNBSP}%"),
        ("2", "–", "1", "–"),
        ("4", "↓ −1", "0,5", f"50{NNBSP}%"),
    ]


def test_no_competitors_no_comparison(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        owner = seed(session)
        assert compute_comparison(session, owner, WEEK, []) is None
        everyone = compute_comparison(session, owner, WEEK)  # names not given: every row
    assert everyone is not None and everyone.competitors == 3


def _kit(session: Session, business: Business, made: datetime) -> None:
    """25 reviews in the 8 weeks before the kit (22×4★, 3×5★: 3,1/week, Ø 4,1), 16 since
    (8×5★, 8×4★ over 3 weeks: 5,3/week, Ø 4,5)."""
    s = Seeder(session)
    source = Source(business_id=business.id or 0, name="g", type="google_places")
    session.add(source)
    session.flush()
    for i in range(25):
        s.review(source, made - timedelta(hours=12 + 50 * i), 5 if i < 3 else 4)
    for i in range(16):
        s.review(source, made + timedelta(hours=1 + 30 * i), 5 if i < 8 else 4)
    record_invite_kit(session, business.id or 0, "https://g.page/r/x", made)


def test_invite_kit_before_and_since(any_engine: Engine) -> None:
    made = datetime(2026, 11, 2, 0, 0, tzinfo=BERLIN)  # Monday of W45: 3 weeks to W47's end
    with session_scope(any_engine) as session:
        business = Business(name="Praxis")
        session.add(business)
        session.flush()
        _kit(session, business, made)
        effect = compute_invite_effect(session, business.id or 0, WEEK.end_utc(BERLIN))
        early = compute_invite_effect(session, business.id or 0, made + timedelta(days=13))
        before = compute_invite_effect(session, business.id or 0, made)
    assert effect is not None and early is not None and before is None
    assert (effect.before.count, effect.since.count, effect.since_weeks) == (25, 16, 3.0)
    assert invite_line(wording("de"), effect) == (
        "Seit dem Aushang am 02.11.2026: 3,1 → 5,3 Bewertungen pro Woche, Ø 4,1 → 4,5 Sterne"
    )
    assert invite_line(wording("en"), effect).startswith("Since the invitation kit of 2 Nov 2026:")
    assert early.too_early and "noch zu früh" in invite_line(wording("de"), early)


def test_report_has_the_competitor_section_in_german(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        owner = seed(session)
        _kit(session, owner, datetime(2026, 11, 2, 0, 0, tzinfo=BERLIN))
        report = compute_report(session, owner, WEEK, competitors=NAMES)
    assert read_payload(stored(ReportPayload(report=report))) == ReportPayload(report=report)
    rendered = render_report(make_environment(), report)
    for text in (rendered.text, rendered.html):
        assert "Mitbewerber" in text and "Bäckerei Beispiel (Sie)" in text
        assert "Brotzeit" in text and "Alt" not in text.split("Mitbewerber", 1)[1]
        assert f"Wartezeit: bei Ihnen 40{NNBSP}% negativ, bei den zwei Mitbewerbern" in text
        assert "Seit dem Aushang am 02.11.2026:" in text
    assert "Backstube: Ø 2 (–), pro Woche 1, beantwortet –" in rendered.text


def test_report_without_competitors_has_no_section(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        business = Business(name="Solo")
        session.add(business)
        session.flush()
        report = compute_report(session, business, WEEK)
    assert report.competitors is None and report.invite is None
    rendered = render_report(make_environment(), report)
    assert "Mitbewerber" not in rendered.text and "Mitbewerber" not in rendered.html


def test_english_comparison_names_topics_in_english(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        comparison = compute_comparison(session, seed(session), WEEK, NAMES)
    assert comparison is not None
    view = versus_view(wording("en"), comparison)
    assert view.behind == ("Waiting time: 40% negative for you, 12% for your two competitors",)
    assert view.ahead[0].startswith("Friendliness: ")
