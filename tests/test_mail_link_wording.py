"""The note under a mail's one-click "Erledigt" link, in German and English."""

from __future__ import annotations

from alerts.i18n import wording


def test_done_note_says_how_long_and_how_often_the_link_works() -> None:
    assert wording("de")("mark_done_note") == (
        "Ein Klick, ohne Anmeldung; der Link gilt 14 Tage lang und nur ein Mal."
    )
    assert wording("en")("mark_done_note") == (
        "One click, no sign-in; the link is valid for 14 days and works once."
    )
