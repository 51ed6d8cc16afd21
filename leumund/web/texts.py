"""The dashboard's own wording, German and English; numbers and dates come from alerts.i18n."""

from __future__ import annotations

from alerts.i18n import Lang

UI: dict[str, tuple[str, str]] = {
    "title": ("Leumund", "Leumund"),
    "signin": ("Anmelden", "Sign in"),
    "signin_intro": (
        "Geben Sie Ihre E-Mail-Adresse ein. Sie erhalten einen Anmeldelink (15 Minuten gültig).",
        "Enter your email address. You will get a sign-in link (valid for 15 minutes).",
    ),
    "email": ("E-Mail-Adresse", "Email address"),
    "password": ("Passwort (falls vergeben)", "Password (if you set one)"),
    "send_link": ("Link zusenden", "Send link"),
    "link_sent": (
        "Wenn die Adresse bei Leumund bekannt ist, ist ein Anmeldelink unterwegs.",
        "If the address is known to Leumund, a sign-in link is on its way.",
    ),
    "throttled": (
        "Zu viele Anmeldeversuche. Bitte warten Sie einige Minuten.",
        "Too many sign-in attempts. Please wait a few minutes.",
    ),
    "link_invalid": (
        "Dieser Link ist abgelaufen oder wurde schon benutzt. Fordern Sie einen neuen an.",
        "This link has expired or was used already. Please ask for a new one.",
    ),
    "confirm_signin": ("Als {email} anmelden", "Sign in as {email}"),
    "signout": ("Abmelden", "Sign out"),
    "businesses": ("Ihre Betriebe", "Your businesses"),
    "overview": ("Übersicht", "Overview"),
    "reviews": ("Bewertungen", "Reviews"),
    "operator": ("Betrieb & Quellen", "Operations"),
    "outbox": ("Postausgang", "Outbox"),
    "try_source": ("Quelle testen", "Try a source"),
    "avg_now": ("Ø Bewertung (letzte 4 Wochen)", "Average (last 4 weeks)"),
    "avg_before": ("4 Wochen davor", "4 weeks before"),
    "new_week": ("Neu in den letzten 7 Tagen", "New in the last 7 days"),
    "critical_open": ("Kritisch, noch nicht erledigt", "Critical, not yet handled"),
    "sentiment": ("Stimmung (4 Wochen)", "Sentiment (4 weeks)"),
    "mood": ("Stimmung", "Sentiment"),
    "positive": ("positiv", "positive"),
    "neutral": ("neutral", "neutral"),
    "negative": ("negativ", "negative"),
    "unclassified": ("nicht eingestuft", "not classified"),
    "sources": ("Quellen", "Sources"),
    "last_ok": ("Zuletzt erfolgreich", "Last success"),
    "never": ("noch nie", "never"),
    "failing": ("{n} Fehlversuche in Folge", "{n} failures in a row"),
    "trend_alt": ("Bewertungen pro Woche und Ø Sterne, 12 Wochen", "Reviews per week, 12 weeks"),
    "filter": ("Filtern", "Filter"),
    "search": ("Suche (ganze Wörter)", "Search (whole words)"),
    "platform": ("Plattform", "Platform"),
    "any": ("alle", "any"),
    "stars_max": ("höchstens Sterne", "at most stars"),
    "handled": ("Erledigt", "Handled"),
    "open": ("offen", "open"),
    "answered": ("Beantwortet", "Answered"),
    "yes": ("ja", "yes"),
    "no": ("nein", "no"),
    "topic": ("Thema", "Topic"),
    "topic_polarity": ("Ton zum Thema", "Topic tone"),
    "topics": ("Themen", "Topics"),
    "topic_link": ("Alle Bewertungen zu diesem Thema", "All reviews on this topic"),
    "alerted": ("Hat gemeldet", "Alerted"),
    "since": ("seit", "since"),
    "until": ("bis", "until"),
    "export": ("Als CSV exportieren", "Export as CSV"),
    "found": ("{n} Bewertungen", "{n} reviews"),
    "none_found": ("Keine Bewertungen gefunden.", "No reviews found."),
    "prev": ("← neuer", "← newer"),
    "next": ("älter →", "older →"),
    "reply": ("Antwort des Betriebs", "The business's reply"),
    "no_reply": ("Noch keine Antwort sichtbar.", "No reply visible yet."),
    "edits": ("Frühere Fassungen", "Earlier versions"),
    "notifications": ("Benachrichtigungen", "Notifications"),
    "open_platform": ("Auf der Plattform öffnen", "Open on the platform"),
    "mark_handled": ("Als erledigt markieren", "Mark as handled"),
    "note": ("Notiz (optional)", "Note (optional)"),
    "handled_by": ("Erledigt von {who} am {when}", "Handled by {who} on {when}"),
    "reopen": ("Wieder öffnen", "Reopen"),
    "done_confirm": ("Bewertung als erledigt markieren?", "Mark this review as handled?"),
    "done_ok": ("Erledigt. Danke!", "Handled. Thank you!"),
    "crawl_now": ("jetzt crawlen", "crawl now"),
    "crawl_started": ("Crawl gestartet: {source}", "Crawl started: {source}"),
    "retry_failed": ("Fehlgeschlagene erneut senden", "Retry failed"),
    "requeued": ("{n} Nachrichten erneut eingereiht", "{n} messages queued again"),
    "status": ("Status", "Status"),
    "recipient": ("Empfänger", "Recipient"),
    "kind": ("Art", "Kind"),
    "attempts": ("Versuche", "Attempts"),
    "error": ("Fehler", "Error"),
    "type": ("Typ", "Type"),
    "url": ("URL", "URL"),
    "run": ("Ausführen", "Run"),
    "not_found": ("Seite nicht gefunden.", "Page not found."),
    "language": ("English", "Deutsch"),
    "no_business": ("Ihrer Adresse ist kein Betrieb zugeordnet.", "No business is yours."),
    # pausing alerts from a mail (List-Unsubscribe) and switching them on again
    "pause_confirm": (
        "Benachrichtigungen zu {business} pausieren?",
        "Pause alerts about {business}?",
    ),
    "pause_explain": (
        "An {email} gehen dann keine Benachrichtigungen über neue kritische Bewertungen mehr"
        " (auch keine Sammelmails). Der Wochenbericht kommt weiter.",
        "{email} then gets no more alerts about new critical reviews (no digests either)."
        " The weekly report still comes.",
    ),
    "pause_button": ("Benachrichtigungen pausieren", "Pause alerts"),
    "paused_heading": ("Benachrichtigungen pausiert", "Alerts paused"),
    "paused_ok": (
        "An {email} gehen keine Benachrichtigungen zu {business} mehr.",
        "{email} gets no more alerts about {business}.",
    ),
    "paused_resume": (
        "Wieder einschalten können Sie sie nach der Anmeldung in der Übersicht des Betriebs.",
        "Sign in and switch them on again on the business's overview.",
    ),
    "pauses": ("Pausierte Benachrichtigungen", "Paused alerts"),
    "paused_since": (
        "{email}: pausiert seit {when} (über den Link in einer E-Mail)",
        "{email}: paused since {when} (from the link in an email)",
    ),
    "paused_since_web": ("{email}: pausiert seit {when}", "{email}: paused since {when}"),
    "resume": ("Benachrichtigungen wieder einschalten", "Switch alerts on again"),
    "rule": ("Ausgelöst durch", "Alerted by"),
    "rule_stars": ("Sterne", "stars"),
    "rule_negative": ("negativer Text", "negative text"),
    "rule_keyword": ("Stichwort", "keyword"),
    # replying from the dashboard (Google Business Profile)
    "post_reply": ("Antwort veröffentlichen", "Post reply"),
    "your_reply": ("Ihre Antwort", "Your reply"),
    "change_reply": ("Antwort ändern", "Change the reply"),
    "reply_intro": (
        "Ihre Antwort erscheint öffentlich auf Google unter der Bewertung. Der Vorschlag ist"
        " nur ein Anfang: bitte lesen und anpassen.",
        "Your reply appears publicly on Google below the review. The suggestion is only a"
        " start: please read and adapt it.",
    ),
    "reply_elsewhere": ("Auf der Plattform antworten", "Answer on the platform"),
    "draft_title": ("Antwortvorschlag", "Suggested reply"),
    "draft_intro": (
        "Ein Vorschlag zum Kopieren in das Antwortfeld der Plattform: bitte lesen und anpassen."
        " Leumund veröffentlicht ihn nie von sich aus.",
        "A suggestion to copy into the platform's reply form: please read and adapt it."
        " Leumund never posts it by itself.",
    ),
    "replied_by": ("Beantwortet von {who} am {when}", "Answered by {who} on {when}"),
    "reply_failed": ("Nicht veröffentlicht: {error}", "Not posted: {error}"),
}


def ui(lang: Lang, key: str, **values: object) -> str:
    german, english = UI[key]
    text = german if lang == "de" else english
    return text.format(**values) if values else text
