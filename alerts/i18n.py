"""All German and English wording of emails and reports, and the way numbers and dates read.

Templates get a `Wording` bound to one language and time zone; they never format a date or
a number themselves, so `de` always reads `23.11.2026` and `4,5 Sterne`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

Lang = Literal["de", "en"]

PLATFORM_NAMES: dict[str, str] = {
    "trustpilot": "Trustpilot",
    "google_places": "Google",
    "google_business_profile": "Google",
    "schema_org": "Website",
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# key → (German, English); `{name}` placeholders are filled by `Wording.__call__`.
TEXTS: dict[str, tuple[str, str]] = {
    # shared layout
    "footer": (
        "Diese E-Mail wurde von Leumund verschickt, Ihrem Bewertungs-Monitor.",
        "This email was sent by Leumund, your review monitor.",
    ),
    "footer_why": (
        "Sie erhalten sie, weil Ihre Adresse in der Leumund-Konfiguration steht.",
        "You receive it because your address is in the Leumund configuration.",
    ),
    # alert email
    "alert_subject": (
        "⚠ Neue {stars}-Sterne-Bewertung auf {platform} – {business}",
        "⚠ New {stars}-star review on {platform} – {business}",
    ),
    "alert_subject_norating": (
        "⚠ Neue kritische Bewertung auf {platform} – {business}",
        "⚠ New critical review on {platform} – {business}",
    ),
    "alert_heading": ("Neue kritische Bewertung", "New critical review"),
    "alert_intro": (
        "{business} hat auf {platform} eine Bewertung erhalten, die Ihre Aufmerksamkeit braucht.",
        "{business} received a review on {platform} that needs your attention.",
    ),
    "alert_edited": (
        "Diese Bewertung wurde nachträglich geändert.",
        "This review was edited after it was first published.",
    ),
    "reviewer": ("Verfasser", "Reviewer"),
    "anonymous": ("Anonym", "Anonymous"),
    "rating": ("Bewertung", "Rating"),
    "no_rating": ("ohne Sterne", "no stars"),
    "date": ("Datum", "Date"),
    "platform": ("Plattform", "Platform"),
    "sentiment": ("Stimmung", "Sentiment"),
    "sentiment_pending": ("noch nicht ausgewertet", "not analysed yet"),
    "why_alert": ("Warum diese Meldung", "Why this alert"),
    "text": ("Text", "Text"),
    "no_text": ("(kein Text, nur Sterne)", "(no text, stars only)"),
    "truncated": (
        "Der Text ist gekürzt – den vollständigen Text finden Sie auf {platform}.",
        "The text is shortened – read the full text on {platform}.",
    ),
    "truncated_nolink": ("Der Text ist gekürzt.", "The text is shortened."),
    "reply_now": ("Jetzt antworten", "Reply now"),
    "open_review": ("Bewertung ansehen", "View review"),
    "reply_tip": (
        "Tipp: Eine schnelle, sachliche Antwort zeigt anderen Kunden, dass Sie sich kümmern.",
        "Tip: a quick, factual reply shows other customers that you care.",
    ),
    # rules
    "rule_stars": (
        "Nur {rating} (Grenze: {threshold} oder weniger)",
        "Only {rating} (threshold: {threshold} or less)",
    ),
    "rule_negative": (
        "Text als negativ erkannt ({probability} sicher, Grenze {threshold})",
        "Text classified as negative ({probability} confident, threshold {threshold})",
    ),
    "rule_keyword": ("Stichwort „{keyword}“ im Text", "Keyword “{keyword}” in the text"),
    # sentiment labels
    "sentiment_positive": ("positiv", "positive"),
    "sentiment_negative": ("negativ", "negative"),
    "sentiment_neutral": ("neutral", "neutral"),
    "sentiment_with_probability": ("{label} ({probability})", "{label} ({probability})"),
    # digest
    "digest_subject": (
        "⚠ {count} neue kritische Bewertungen – {business}",
        "⚠ {count} new critical reviews – {business}",
    ),
    "digest_subject_one": (
        "⚠ 1 neue kritische Bewertung – {business}",
        "⚠ 1 new critical review – {business}",
    ),
    "digest_heading": ("Ihre kritischen Bewertungen", "Your critical reviews"),
    "digest_intro": (
        "Seit der letzten Zusammenfassung sind {count} Bewertungen für {business} eingegangen,"
        " die Ihre Aufmerksamkeit brauchen.",
        "Since the last summary, {business} received {count} reviews that need your attention.",
    ),
    "digest_intro_one": (
        "Seit der letzten Zusammenfassung ist eine Bewertung für {business} eingegangen,"
        " die Ihre Aufmerksamkeit braucht.",
        "Since the last summary, {business} received one review that needs your attention.",
    ),
    # backlog summary
    "backlog_subject": (
        "Leumund überwacht jetzt {platform} – {business}",
        "Leumund now monitors {platform} – {business}",
    ),
    "backlog_heading": ("Überwachung gestartet", "Monitoring started"),
    "backlog_intro": (
        "Leumund hat {platform} für {business} zum ersten Mal gelesen und {count} bestehende"
        " Bewertungen gefunden. Ab jetzt melden wir nur neue Bewertungen einzeln.",
        "Leumund read {platform} for {business} for the first time and found {count} existing"
        " reviews. From now on only new reviews are alerted one by one.",
    ),
    "backlog_average": ("Durchschnitt", "Average"),
    "backlog_critical": (
        "Davon {count} kritisch – die neuesten:",
        "{count} of them critical – the most recent:",
    ),
    "backlog_none_critical": (
        "Keine davon ist kritisch. 👍",
        "None of them is critical. 👍",
    ),
    "backlog_more": ("… und {count} weitere.", "… and {count} more."),
    # operator emails
    "source_broken_subject": (
        "Leumund: Quelle „{source}“ von {business} funktioniert nicht",
        "Leumund: source “{source}” of {business} is failing",
    ),
    "source_broken_heading": ("Quelle funktioniert nicht", "Source is failing"),
    "source_broken_intro": (
        "Die Quelle „{source}“ ({platform}) von {business} schlägt seit {since} fehl"
        " ({failures} Versuche in Folge). Neue Bewertungen werden so lange nicht erkannt.",
        "Source “{source}” ({platform}) of {business} has been failing since {since}"
        " ({failures} attempts in a row). New reviews are not detected until it works again.",
    ),
    "source_last_error": ("Letzter Fehler", "Last error"),
    "source_last_success": ("Zuletzt erfolgreich", "Last success"),
    "source_never": ("noch nie", "never"),
    "source_broken_hint": (
        "Prüfen Sie die URL in config.yaml und die Logs; „leumund status“ zeigt den Stand.",
        "Check the URL in config.yaml and the logs; “leumund status” shows the state.",
    ),
    "source_recovered_subject": (
        "Leumund: Quelle „{source}“ von {business} funktioniert wieder",
        "Leumund: source “{source}” of {business} recovered",
    ),
    "source_recovered_heading": ("Quelle funktioniert wieder", "Source recovered"),
    "source_recovered_intro": (
        "Die Quelle „{source}“ ({platform}) von {business} funktioniert seit {since} wieder.",
        "Source “{source}” ({platform}) of {business} has been working again since {since}.",
    ),
    # test email
    "test_subject": ("Leumund: Test-E-Mail", "Leumund: test email"),
    "test_heading": ("Der E-Mail-Versand funktioniert", "Email delivery works"),
    "test_intro": (
        "Diese Test-E-Mail wurde am {when} über „{backend}“ verschickt."
        " Wenn Sie sie lesen, kommen Leumund-Meldungen bei Ihnen an.",
        "This test email was sent on {when} via “{backend}”."
        " If you can read it, Leumund's emails reach you.",
    ),
    # weekly report
    "report_subject": (
        "Wochenbericht {week} – {business}",
        "Weekly report {week} – {business}",
    ),
    "report_heading": ("Ihr Wochenbericht", "Your weekly report"),
    "report_period": ("{week}: {start} bis {end}", "{week}: {start} to {end}"),
    "report_summary": (
        "{count} neue Bewertungen, im Schnitt {rating}.",
        "{count} new reviews, {rating} on average.",
    ),
    "report_summary_one": (
        "1 neue Bewertung mit {rating}.",
        "1 new review with {rating}.",
    ),
    "report_summary_one_unrated": ("1 neue Bewertung, ohne Sterne.", "1 new review, no stars."),
    "report_summary_unrated": (
        "{count} neue Bewertungen, keine davon mit Sternen.",
        "{count} new reviews, none of them with stars.",
    ),
    "report_none": (
        "In dieser Woche sind keine neuen Bewertungen eingegangen.",
        "No new reviews came in this week.",
    ),
    "report_none_problems": (
        "Achtung: Einige Quellen konnten nicht gelesen werden (siehe unten) –"
        " neue Bewertungen dort sind vielleicht noch nicht erfasst.",
        "Note: some sources could not be read (see below) – new reviews there may"
        " not have been picked up yet.",
    ),
    "report_averages": ("Durchschnittliche Bewertung", "Average rating"),
    "report_this_week": ("Diese Woche", "This week"),
    "report_previous": ("Vorherige {weeks} Wochen", "Previous {weeks} weeks"),
    "report_all_time": ("Insgesamt", "All time"),
    "report_count": ("{count} Bewertungen", "{count} reviews"),
    "report_count_one": ("1 Bewertung", "1 review"),
    "report_no_average": ("–", "–"),
    "report_trend": ("Verlauf der letzten {weeks} Wochen", "The last {weeks} weeks"),
    "report_trend_legend": (
        "Balken: neue Bewertungen pro Woche · Linie: Durchschnitt der Sterne",
        "Bars: new reviews per week · Line: average stars",
    ),
    "report_chart_alt": (
        "Diagramm: neue Bewertungen und Durchschnitt der Sterne pro Woche",
        "Chart: new reviews and average stars per week",
    ),
    "report_week_short": ("KW{week}", "W{week}"),
    "report_platforms": ("Neue Bewertungen nach Plattform", "New reviews by platform"),
    "report_sentiment": ("Stimmung der Texte", "Sentiment of the texts"),
    "report_unclassified": ("nicht ausgewertet", "not analysed"),
    "report_negative": ("Kritische Bewertungen der Woche", "Critical reviews of the week"),
    "report_negative_none": (
        "Keine kritischen Bewertungen in dieser Woche. 👍",
        "No critical reviews this week. 👍",
    ),
    "report_unanswered": ("Noch ohne Ihre Antwort", "Still without your reply"),
    "report_unanswered_intro": (
        "{count} Bewertungen der letzten {days} Tage sind noch unbeantwortet – die neuesten:",
        "{count} reviews of the last {days} days have no reply yet – the most recent:",
    ),
    "report_unanswered_intro_one": (
        "1 Bewertung der letzten {days} Tage ist noch unbeantwortet:",
        "1 review of the last {days} days has no reply yet:",
    ),
    "report_unanswered_none": (
        "Alle Bewertungen der letzten {days} Tage sind beantwortet. 👍",
        "Every review of the last {days} days has a reply. 👍",
    ),
    "report_crawl": ("Quellen mit Problemen", "Sources with problems"),
    "report_crawl_failed": (
        "{failed} von {total} Abrufen fehlgeschlagen",
        "{failed} of {total} fetches failed",
    ),
    "report_crawl_failing_since": ("fehlerhaft seit {since}", "failing since {since}"),
    "report_file_title": ("Wochenbericht {week} – {business}", "Weekly report {week} – {business}"),
}


def lang_of(language: str | None) -> Lang:
    """The email language: English only when asked for, German otherwise."""
    return "en" if language == "en" else "de"


def platform_name(source_type: str) -> str:
    return PLATFORM_NAMES.get(source_type, source_type.replace("_", " ").title())


def format_number(value: float, lang: Lang, decimals: int = 1) -> str:
    """4.5 → '4,5' (de) / '4.5' (en); thousands grouped; trailing ',0' kept off for integers."""
    if decimals > 0 and float(value).is_integer():
        decimals = 0
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_percent(fraction: float, lang: Lang) -> str:
    """0.93 → '93 %' (de, with the thin space German typesetting wants) / '93%' (en)."""
    number = format_number(round(fraction * 100), lang, 0)
    return f"{number}\u202f%" if lang == "de" else f"{number}%"


def format_rating(value: float, lang: Lang) -> str:
    """'4,5 Sterne', '1 Stern' / '4.5 stars', '1 star'."""
    number = format_number(value, lang)
    one = value == 1
    if lang == "de":
        return f"{number} Stern" if one else f"{number} Sterne"
    return f"{number} star" if one else f"{number} stars"


def stars(value: float | None, out_of: int = 5) -> str:
    """'★★☆☆☆' for 2 (half stars round up from .5); empty when there is no rating."""
    if value is None:
        return ""
    full = max(0, min(out_of, int(value + 0.5)))
    return "★" * full + "☆" * (out_of - full)


def format_date(value: date | datetime, lang: Lang, tz: ZoneInfo | None = None) -> str:
    """'23.11.2026' (de) / '23 Nov 2026' (en); an aware datetime is shown in `tz`."""
    day = _local(value, tz).date() if isinstance(value, datetime) else value
    if lang == "de":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_datetime(value: datetime, lang: Lang, tz: ZoneInfo | None = None) -> str:
    """'23.11.2026, 14:05 Uhr' (de) / '23 Nov 2026, 14:05' (en)."""
    local = _local(value, tz)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    suffix = " Uhr" if lang == "de" else ""
    return f"{format_date(local, lang)}, {clock}{suffix}"


def format_week(year: int, week: int, lang: Lang) -> str:
    """ISO week: 'KW 47/2026' (de) / 'week 47, 2026' (en)."""
    return f"KW {week}/{year}" if lang == "de" else f"week {week}, {year}"


def _local(value: datetime, tz: ZoneInfo | None) -> datetime:
    if tz is not None and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


def text(lang: Lang, key: str, **values: object) -> str:
    """The wording for `key` in `lang`, placeholders filled; KeyError for an unknown key."""
    de, en = TEXTS[key]
    template = de if lang == "de" else en
    return template.format(**values) if values else template


@dataclass(frozen=True)
class Wording:
    """One language and time zone, handed to templates as `t`: `t('key')`, `t.date(d)`."""

    lang: Lang = "de"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))

    def __call__(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def date(self, value: date | datetime) -> str:
        return format_date(value, self.lang, self.tz)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, self.lang, self.tz)

    def number(self, value: float, decimals: int = 1) -> str:
        return format_number(value, self.lang, decimals)

    def percent(self, fraction: float) -> str:
        return format_percent(fraction, self.lang)

    def rating(self, value: float | None) -> str:
        return format_rating(value, self.lang) if value is not None else self("no_rating")

    def stars(self, value: float | None) -> str:
        return stars(value)

    def platform(self, source_type: str) -> str:
        return platform_name(source_type)

    def week(self, year: int, week: int) -> str:
        return format_week(year, week, self.lang)

    def sentiment(self, label: str | None) -> str:
        if label is None:
            return self("sentiment_pending")
        key = f"sentiment_{label}"
        return self(key) if key in TEXTS else label


def wording(language: str | None, timezone: str = "Europe/Berlin") -> Wording:
    return Wording(lang_of(language), ZoneInfo(timezone))
