"""The wording table: every German and English text of emails and reports, by key.

Kept apart from `alerts.i18n` (which formats numbers and dates and binds a language), so a
translator edits one file of plain strings.
"""

from __future__ import annotations

from alerts.burst_texts import BURST_TEXTS
from alerts.texts_competitors import COMPETITOR_TEXTS

PLATFORM_NAMES: dict[str, str] = {
    "trustpilot": "Trustpilot",
    "trustedshops": "Trusted Shops",
    "google_places": "Google",
    "google_business_profile": "Google",
    "schema_org": "Website",
}
# How a sentence says where a review is: "hat bei Trusted Shops …", "hat auf Google …".
PLACE_PREPOSITIONS: dict[str, tuple[str, str]] = {"trustedshops": ("bei", "on")}
DEFAULT_PREPOSITION = ("auf", "on")
# A topic's short name (`sentiment.topics.taxonomy`, stored with each review) → (German, English).
TOPIC_NAMES: dict[str, tuple[str, str]] = {
    "Freundlichkeit": ("Freundlichkeit", "Friendliness"),
    "Wartezeit": ("Wartezeit", "Waiting time"),
    "Termine": ("Termine", "Appointments"),
    "Beratung": ("Beratung", "Advice"),
    "Qualität": ("Qualität", "Quality"),
    "Preis": ("Preis", "Price"),
    "Sauberkeit": ("Sauberkeit", "Cleanliness"),
    "Ambiente": ("Ambiente", "Ambience"),
    "Lage": ("Lage", "Location"),
    "Lieferung": ("Lieferung", "Delivery"),
    "Gesamteindruck": ("Gesamteindruck", "Overall impression"),
}

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
    # dashboard sign-in (sent at once, never held by quiet hours)
    "signin_subject": ("Ihr Anmeldelink für Leumund", "Your Leumund sign-in link"),
    "signin_heading": ("Bei Leumund anmelden", "Sign in to Leumund"),
    "signin_intro": (
        "Mit diesem Link melden Sie sich im Leumund-Dashboard an. Er gilt {minutes} Minuten"
        " und nur einmal.",
        "This link signs you in to the Leumund dashboard. It is valid for {minutes} minutes"
        " and works once.",
    ),
    "signin_button": ("Jetzt anmelden", "Sign in now"),
    "signin_ignore": (
        "Sie haben keinen Link angefordert? Dann ignorieren Sie diese E-Mail einfach.",
        "Did not ask for a link? Then simply ignore this email.",
    ),
    # alert email
    "alert_subject": (
        "⚠ Neue {stars}-Sterne-Bewertung {place} – {business}",
        "⚠ New {stars}-star review {place} – {business}",
    ),
    "alert_subject_norating": (
        "⚠ Neue kritische Bewertung {place} – {business}",
        "⚠ New critical review {place} – {business}",
    ),
    "alert_heading": ("Neue kritische Bewertung", "New critical review"),
    "alert_intro": (
        "{business} hat {place} eine Bewertung erhalten, die Ihre Aufmerksamkeit braucht.",
        "{business} received a review {place} that needs your attention.",
    ),
    "mention_subject": (
        "Erwähnt: {keywords} in einer {stars}-Sterne-Bewertung {place} – {business}",
        "Mentioned: {keywords} in a {stars}-star review {place} – {business}",
    ),
    "mention_subject_norating": (
        "Erwähnt: {keywords} in einer Bewertung {place} – {business}",
        "Mentioned: {keywords} in a review {place} – {business}",
    ),
    "mention_heading": ("Erwähnt: {keywords}", "Mentioned: {keywords}"),
    "mention_intro": (
        "{business} hat {place} eine Bewertung erhalten, die {keywords} erwähnt. Sie liest sich"
        " gut – diese Nachricht ist nur zu Ihrer Information.",
        "{business} received a review {place} that mentions {keywords}. It reads well – this"
        " message is just for your information.",
    ),
    "mention_digest_subject": (
        "Erwähnt: {keywords} – {business}",
        "Mentioned: {keywords} – {business}",
    ),
    "mention_digest_intro": (
        "Seit der letzten Zusammenfassung kamen Ihre Stichwörter in Bewertungen vor, die sich"
        " gut lesen – nur zu Ihrer Information.",
        "Since the last summary your keywords came up in reviews that read well – just for"
        " your information.",
    ),
    "mention_digest_also": (
        "Dazu kommen Bewertungen, die Ihre Stichwörter erwähnen und sich gut lesen"
        " (blau markiert).",
        "Also included: reviews that mention your keywords and read well (marked blue).",
    ),
    "why_mention": ("Warum diese Nachricht", "Why this message"),
    "mention_tag": ("Erwähnung", "Mention"),
    "quoted": ("„{text}“", "“{text}”"),
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
    "topics": ("Themen", "Topics"),
    "why_alert": ("Warum diese Meldung", "Why this alert"),
    "text": ("Text", "Text"),
    "no_text": ("(kein Text, nur Sterne)", "(no text, stars only)"),
    "truncated": (
        "Der Text ist gekürzt – den vollständigen Text finden Sie {place}.",
        "The text is shortened – read the full text {place}.",
    ),
    "truncated_nolink": ("Der Text ist gekürzt.", "The text is shortened."),
    "reply_now": ("Jetzt antworten", "Reply now"),
    "open_review": ("Bewertung ansehen", "View review"),
    "reply_tip": (
        "Tipp: Eine schnelle, sachliche Antwort zeigt anderen Kunden, dass Sie sich kümmern.",
        "Tip: a quick, factual reply shows other customers that you care.",
    ),
    "reply_draft_heading": ("Antwortvorschlag", "Suggested reply"),
    "reply_draft_note": (
        "Ein Vorschlag zum Anpassen – Leumund veröffentlicht nichts von selbst. Bitte nennen Sie"
        " in Ihrer Antwort keine Namen und keine Gesundheitsdaten.",
        "A suggestion to adapt – Leumund never posts anything by itself. Please mention no"
        " names and no health details in your reply.",
    ),
    "review_number": ("Bewertungs-Nr. in Leumund: {id}", "Leumund review id: {id}"),
    # links into the dashboard (only with web.base_url)
    "open_dashboard": ("Im Dashboard öffnen", "Open in the dashboard"),
    "mark_done": ("Als erledigt markieren", "Mark as handled"),
    "mark_done_note": (
        "Ein Klick, ohne Anmeldung; der Link gilt 14 Tage lang und nur ein Mal.",
        "One click, no sign-in; the link is valid for 14 days and works once.",
    ),
    "pause_footer": (
        "Keine Benachrichtigungen zu {business} mehr an diese Adresse?",
        "No more alerts about {business} to this address?",
    ),
    "pause_link": ("Benachrichtigungen pausieren", "Pause alerts"),
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
    # other channels (Apprise: Telegram, Teams, Slack, webhooks …)
    "channel_review_link": ("Zur Bewertung", "View review"),
    "channel_test_heading": ("Leumund: Test-Nachricht", "Leumund: test message"),
    "channel_test_intro": (
        "Diese Test-Nachricht wurde am {when} verschickt. Wenn Sie sie lesen, kommen"
        " Leumund-Meldungen über diesen Kanal bei Ihnen an.",
        "This test message was sent on {when}. If you can read it, Leumund's notices"
        " reach you through this channel.",
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
        "Linie: Durchschnitt der Sterne der jeweils letzten {rolling} Wochen (hohler Punkt:"
        " weniger als {few} Bewertungen, wenig aussagekräftig). Balken: neue Bewertungen pro"
        " Woche (hell: weniger als {few}).",
        "Line: average stars of the last {rolling} weeks each (hollow dot: fewer than {few}"
        " reviews, says little). Bars: new reviews per week (pale: fewer than {few}).",
    ),
    "report_chart_alt": (
        "Diagramm: neue Bewertungen und Durchschnitt der Sterne pro Woche",
        "Chart: new reviews and average stars per week",
    ),
    "report_week_short": ("KW{week}", "W{week}"),
    "report_platforms": ("Neue Bewertungen nach Plattform", "New reviews by platform"),
    "report_topics": ("Themen", "Topics"),
    "report_topics_intro": (
        "Worüber diese Woche geschrieben wurde: Nennungen je Thema, im Schnitt der {weeks}"
        " Wochen davor und wie viele davon negativ waren, mit einem Satz aus dieser Woche.",
        "What this week's reviews were about: mentions per topic, the weekly average of the"
        " {weeks} weeks before, and how many were negative, with one sentence from this week.",
    ),
    "report_topic": ("Thema", "Topic"),
    "report_topic_week": ("Diese Woche", "This week"),
    "report_topic_before": ("Ø {weeks} Wochen davor", "Avg. {weeks} weeks before"),
    "report_topic_negative": ("negativ", "negative"),
    "report_topic_biggest": ("größte Veränderung: {change}", "biggest change: {change}"),
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
    "report_alarm_heading": (
        "Nicht alle Quellen liefern Daten",
        "Not every source delivers data",
    ),
    "report_alarm_heading_all": (
        "Keine Ihrer Quellen liefert Daten",
        "None of your sources delivers data",
    ),
    "report_alarm": (
        "{source} liefert {since} keine Daten.",
        "{source} has delivered no data {since}.",
    ),
    "report_alarm_never": (
        "{source} konnte noch nie gelesen werden (erster Versuch am {date}).",
        "{source} could never be read (first attempt on {date}).",
    ),
    "report_alarm_missing": (
        "Neue Bewertungen von dort fehlen in diesem Bericht und in den Meldungen. Bitte sagen"
        " Sie der Person Bescheid, die Leumund für Sie betreut.",
        "New reviews from there are missing from this report and from the alerts. Please tell"
        " whoever runs Leumund for you.",
    ),
    "since_today": ("seit heute", "since today"),
    "since_yesterday": ("seit gestern", "since yesterday"),
    "since_days": ("seit {days} Tagen", "for {days} days"),
    "report_nothing_read": (
        "Ob in dieser Woche neue Bewertungen eingegangen sind, ist deshalb nicht bekannt.",
        "So it is not known whether new reviews came in this week.",
    ),
    "report_replies_blind": (
        "Ob Sie {places} schon geantwortet haben, kann Leumund nicht sehen – bitte dort"
        " selbst nachsehen.",
        "Leumund cannot see whether you replied {places} – please check there yourself.",
    ),
    "and": ("und", "and"),
    "report_reason_negative": ("Text als negativ erkannt", "Text classified as negative"),
    "report_file_title": ("Wochenbericht {week} – {business}", "Weekly report {week} – {business}"),
    **BURST_TEXTS,  # the suspicious-burst message (alerts/burst_texts.py)
    **COMPETITOR_TEXTS,
}

# The crawler's one-line errors (English, as logged) → German for emails; `\1`… are the
# pattern's groups. A line no pattern fits is shown as it is.
CRAWL_ERRORS_DE: tuple[tuple[str, str], ...] = (
    (r"HTTP (\d+) from (\S+)(.*)", r"HTTP \1 von \2\3"),
    (r"blocked by robots\.txt: (.*)", r"von robots.txt gesperrt: \1"),
    (r"ignored \((.*)\): (.*)", r"übersprungen (\1): \2"),
    (r"timed out fetching (.*)", r"Zeitüberschreitung beim Abruf von \1"),
    (r"connection refused fetching (.*)", r"Verbindung abgelehnt beim Abruf von \1"),
    (r"cannot resolve the host name of (.*)", r"Hostname nicht auflösbar: \1"),
    (r"cannot read (\S+): (.*)", r"\1 nicht lesbar: \2"),
    (r"page structure changed\? 0 reviews found on (.*)",
     r"Seitenaufbau geändert? 0 Bewertungen gefunden auf \1"),
    (r"no page fetched from (.*)", r"keine Seite abgerufen von \1"),
    (r"spider timed out after (\d+) pages", r"Zeitlimit erreicht nach \1 Seiten"),
    (r"interrupted \((.*)\) after (\d+) pages", r"abgebrochen (\1) nach \2 Seiten"),
    (r"crawl did not finish within (\S+) s; child process stopped",
     r"Abruf nicht innerhalb von \1 s fertig; Prozess gestoppt"),
    (r"crawler process ended without a result \(exit code (.*)\)",
     r"Crawler-Prozess ohne Ergebnis beendet (Exit-Code \1)"),
    (r"interrupted: the process running this crawl ended before it finished",
     r"unterbrochen: der Prozess endete vor dem Abschluss des Abrufs"),
    (r"(\w+) fetching (\S+): (.*)", r"\1 beim Abruf von \2: \3"),
)  # fmt: skip
