"""The wording of the report's competitor comparison and invitation-kit line (German, English).

Merged into `alerts.texts.TEXTS`; kept in a file of its own so the table's other sections
stay untouched.
"""

from __future__ import annotations

COMPETITOR_TEXTS: dict[str, tuple[str, str]] = {
    "report_rivals": ("Mitbewerber", "Competitors"),
    "report_rivals_intro": (
        "Die letzten {weeks} Wochen; Trend gegenüber den {weeks} Wochen davor.",
        "The last {weeks} weeks; trend against the {weeks} weeks before.",
    ),
    "report_rivals_you": ("{name} (Sie)", "{name} (you)"),
    "report_rivals_average": ("Ø Sterne", "Avg. stars"),
    "report_rivals_trend": ("Trend", "Trend"),
    "report_rivals_per_week": ("pro Woche", "a week"),
    "report_rivals_replies": ("beantwortet", "answered"),
    "report_rivals_line": (
        "{name}: Ø {average} ({trend}), pro Woche {per_week}, beantwortet {replies}",
        "{name}: avg. {average} ({trend}), {per_week} a week, {replies} answered",
    ),
    "report_rivals_no_replies": ("–", "–"),
    "report_rivals_ahead": ("Hier stehen Sie besser da", "Where you are ahead"),
    "report_rivals_behind": ("Hier liegen Sie zurück", "Where you are behind"),
    "report_rivals_topic": (
        "{topic}: bei Ihnen {own} negativ, bei {rivals} {theirs}",
        "{topic}: {own} negative for you, {theirs} for {rivals}",
    ),
    "report_rivals_one": ("Ihrem Mitbewerber", "your competitor"),
    "report_rivals_many": ("den {count} Mitbewerbern", "your {count} competitors"),
    "report_rivals_replies_note": (
        "Antworten zählen nur, wo die Plattform sie zeigt („–“: nirgends sichtbar).",
        "Replies count only where the platform shows them ('–': visible nowhere).",
    ),
    "report_rivals_topics_note": (
        "Themen der letzten {weeks} Wochen, genannt wenn beide Seiten mindestens {min}"
        " Erwähnungen haben und der Anteil negativer sich um {gap} Prozentpunkte oder mehr"
        " unterscheidet.",
        "Topics of the last {weeks} weeks, named when both sides have at least {min} mentions"
        " and their negative shares differ by {gap} percentage points or more.",
    ),
    "report_invite_heading": ("Bewertungen erbitten", "Asking for reviews"),
    "report_invite": (
        "Seit dem Aushang am {date}: {before} → {since} Bewertungen pro Woche,"
        " Ø {stars_before} → {stars_since} Sterne",
        "Since the invitation kit of {date}: {before} → {since} reviews a week,"
        " avg. {stars_before} → {stars_since} stars",
    ),
    "report_invite_early": (
        "Seit dem Aushang am {date}: noch zu früh für einen Vergleich (weniger als 2 Wochen).",
        "Since the invitation kit of {date}: too early to compare (less than 2 weeks).",
    ),
    "report_invite_note": (
        "Verglichen mit den {weeks} Wochen vor dem Aushang.",
        "Compared with the {weeks} weeks before the kit was made.",
    ),
}

GERMAN_NUMERALS = ("", "einen", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
                   "neun", "zehn", "elf", "zwölf")  # fmt: skip
ENGLISH_NUMERALS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight",
                    "nine", "ten", "eleven", "twelve")  # fmt: skip
