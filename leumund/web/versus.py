"""The overview's comparison panel: the weekly report's competitor figures, up to now.

The weeks are the business's own, the running one included, so the panel moves with each
crawl; the report shows the same figures for its complete week.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from alerts.i18n import Lang, wording
from alerts.report.competitors import compute_comparison, compute_invite_effect
from alerts.report.versus import VersusView, invite_line, versus_view
from alerts.report.weeks import IsoWeek
from leumund.web.context import WebContext
from storage.db import session_scope
from storage.models import Business


def comparison_panel(ctx: WebContext, business: Business, lang: Lang) -> VersusView | None:
    """The comparison with the business's configured competitors; None without any."""
    try:
        bconf = ctx.config.business(business.name)
    except KeyError:
        return None
    names = [c.name for c in bconf.competitor_businesses()]
    if not names:
        return None
    week = IsoWeek.of(ctx.clock().astimezone(ZoneInfo(business.timezone)).date())
    with session_scope(ctx.engine) as session:
        comparison = compute_comparison(session, business, week, names)
    return versus_view(wording(lang, business.timezone), comparison) if comparison else None


def invite_panel(ctx: WebContext, business: Business, lang: Lang) -> str | None:
    """'Seit dem Aushang am …: 3,1 → 5,4 Bewertungen pro Woche …', when a kit was made."""
    assert business.id is not None
    with session_scope(ctx.engine) as session:
        effect = compute_invite_effect(session, business.id, ctx.clock())
    return invite_line(wording(lang, business.timezone), effect) if effect else None
