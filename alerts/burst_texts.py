"""German and English wording of the suspicious-burst message (merged into `alerts.texts`).

What to do follows the platforms' own procedures: Google's "Rezension melden" in the
Business Profile and its review management tool, Trustpilot's "Bewertung melden" (the flag)
in Trustpilot Business.
"""

from __future__ import annotations

BURST_TEXTS: dict[str, tuple[str, str]] = {
    "burst_subject": (
        "⚠ Auffällige Häufung: {count} negative Bewertungen in {hours} Stunden – {business}",
        "⚠ Unusual cluster: {count} negative reviews in {hours} hours – {business}",
    ),
    "burst_subject_similar": (
        "⚠ Auffällige Häufung: {count} fast gleichlautende negative Bewertungen in {hours}"
        " Stunden – {business}",
        "⚠ Unusual cluster: {count} near-identical negative reviews in {hours} hours – {business}",
    ),
    "burst_heading": (
        "Auffällige Häufung: {count} negative Bewertungen in {hours} Stunden",
        "Unusual cluster: {count} negative reviews in {hours} hours",
    ),
    "burst_heading_similar": (
        "Auffällige Häufung: {count} fast gleichlautende negative Bewertungen in {hours} Stunden",
        "Unusual cluster: {count} near-identical negative reviews in {hours} hours",
    ),
    "burst_followup_subject": (
        "⚠ Auffällige Häufung geht weiter: {count} weitere negative Bewertungen – {business}",
        "⚠ Unusual cluster continues: {count} more negative reviews – {business}",
    ),
    "burst_followup_subject_one": (
        "⚠ Auffällige Häufung geht weiter: 1 weitere negative Bewertung – {business}",
        "⚠ Unusual cluster continues: 1 more negative review – {business}",
    ),
    "burst_followup_heading": (
        "Auffällige Häufung geht weiter: {count} weitere negative Bewertungen",
        "Unusual cluster continues: {count} more negative reviews",
    ),
    "burst_followup_heading_one": (
        "Auffällige Häufung geht weiter: 1 weitere negative Bewertung",
        "Unusual cluster continues: 1 more negative review",
    ),
    "burst_intro": (
        "{business} hat {place} in {hours} Stunden {count} negative Bewertungen erhalten –"
        " weit mehr, als die letzten Wochen dort erwarten lassen. Dahinter kann ein Ärgernis"
        " vor Ort stecken, ein Bericht in der Presse oder ein gezielter Angriff mit"
        " gefälschten Bewertungen.",
        "{business} received {count} negative reviews {place} within {hours} hours – far"
        " more than the past weeks there would lead one to expect. Behind it may be an upset"
        " on site, a news story or a deliberate attack with fake reviews.",
    ),
    "burst_intro_similar": (
        "{business} hat {place} in {hours} Stunden {count} negative Bewertungen erhalten, die"
        " fast wortgleich sind. So schreiben verschiedene Kunden selten unabhängig"
        " voneinander: Das deutet auf abgesprochene oder gekaufte Bewertungen hin.",
        "{business} received {count} negative reviews {place} within {hours} hours that are"
        " nearly word for word the same. Different customers rarely write like that on their"
        " own: it points to coordinated or bought reviews.",
    ),
    "burst_followup_intro": (
        "Zu der auffälligen Häufung {place}, über die Leumund Sie schon informiert hat, kamen"
        " weitere negative Bewertungen hinzu: {count} neu, {total} insgesamt.",
        "More negative reviews joined the unusual cluster {place} that Leumund already told"
        " you about: {count} new, {total} in all.",
    ),
    "burst_followup_intro_untold": (
        "{business} erhält {place} zurzeit auffällig viele negative Bewertungen ({total}"
        " insgesamt). Hier sind die {count} neuesten; über die früheren hat Leumund Sie nicht"
        " benachrichtigt (Sie standen da noch nicht im Verteiler oder hatten pausiert).",
        "{business} is receiving unusually many negative reviews {place} ({total} in all)."
        " Here are the {count} newest; Leumund did not tell you of the earlier ones (you were"
        " not a recipient yet, or had paused).",
    ),
    "burst_earlier": (
        "Schon in einer früheren Nachricht von Leumund und hier nicht noch einmal aufgeführt:"
        " {count}.",
        "Already in an earlier message from Leumund and not listed again here: {count}.",
    ),
    "burst_list": ("Die Bewertungen", "The reviews"),
    "burst_no_single": (
        "Zu diesen Bewertungen bekommen Sie keine einzelnen Benachrichtigungen. Weitere"
        " negative, die in den nächsten 24 Stunden {place} kommen, meldet Leumund als"
        " Fortsetzung dieser Häufung.",
        "You will not get separate alerts for these reviews. Further negative ones arriving"
        " {place} in the next 24 hours come as a continuation of this cluster.",
    ),
    "burst_todo": ("Was Sie jetzt tun können", "What you can do now"),
    "burst_todo_document": (
        "Dokumentieren: Machen Sie von jeder Bewertung einen Screenshot mit Datum und Uhrzeit"
        " und heben Sie diese E-Mail auf. Beides brauchen Sie für die Meldung an die Plattform"
        " und für einen Anwalt.",
        "Document: take a screenshot of every review with its date and time and keep this"
        " email. You need both to report the reviews to the platform and for a lawyer.",
    ),
    "burst_todo_calm": (
        "Nicht im Ärger antworten: Antworten Sie – wenn überhaupt – kurz und sachlich, ohne"
        " Vorwürfe und ohne Angaben über Kunden. Eine wütende Antwort bleibt öffentlich"
        " stehen.",
        "Don't answer in anger: if you reply at all, keep it short and factual, without"
        " accusations and without details about customers. An angry reply stays public.",
    ),
    "burst_todo_google": (
        "Bei Google melden: Öffnen Sie Ihr Unternehmensprofil (in der Google-Suche oder in Google"
        " Maps), wählen Sie bei jeder dieser Rezensionen ⋮ → „Rezension melden“ und einen"
        " Grund wie „Interessenkonflikt“ oder „Spam“. Im Google-Tool zur Verwaltung von"
        " Rezensionen sehen Sie den Stand Ihrer Meldungen und können gegen eine Ablehnung"
        " Einspruch einlegen.",
        "Report to Google: open your Business Profile (in Google Search or Maps), choose ⋮ →"
        " “Report review” on each of these reviews and a reason such as “Conflict of"
        " interest” or “Spam”. Google's review management tool shows the state of your"
        " reports and lets you appeal a rejection.",
    ),
    "burst_todo_trustpilot": (
        "Bei Trustpilot melden: Melden Sie jede dieser Bewertungen in Trustpilot Business unter"
        " „Bewertungen“ mit „Bewertung melden“ (das Fähnchen) und nennen Sie den Grund, etwa"
        " dass kein echtes Kundenerlebnis dahintersteht. Trustpilot prüft gemeldete"
        " Bewertungen und entfernt solche, die gegen die Richtlinien verstoßen.",
        "Report to Trustpilot: flag each of these reviews in Trustpilot Business under"
        " “Reviews” with “Report review” (the flag) and give the reason, e.g. that no genuine"
        " customer experience lies behind it. Trustpilot checks flagged reviews and removes"
        " those that break its guidelines.",
    ),
    "burst_todo_platform": (
        "Der Plattform melden: Melden Sie jede dieser Bewertungen über die Meldefunktion von"
        " {platform} und nennen Sie den Grund (kein echtes Kundenerlebnis, Beleidigung,"
        " falsche Tatsachen).",
        "Report to the platform: report each of these reviews with the report function of"
        " {platform} and give the reason (no genuine customer experience, insult, false"
        " facts).",
    ),
    "burst_todo_lawyer": (
        "Bei falschen Tatsachenbehauptungen, Beleidigung oder Verleumdung: Eine Anwältin oder"
        " ein Anwalt für Medien- oder IT-Recht kann die Plattform zur Löschung auffordern und"
        " gegen die Verfasser vorgehen. Warten Sie damit nicht lange.",
        "False statements of fact, insults or defamation: a lawyer for media or IT law can"
        " demand that the platform removes the reviews and act against their authors. Don't"
        " wait long.",
    ),
    "report_burst_weeks": (
        "⚠ Woche mit auffälliger Häufung negativer Bewertungen: {weeks}",
        "⚠ Week with an unusual cluster of negative reviews: {weeks}",
    ),
    "report_burst_weeks_many": (
        "⚠ Wochen mit auffälliger Häufung negativer Bewertungen: {weeks}",
        "⚠ Weeks with an unusual cluster of negative reviews: {weeks}",
    ),
}
