"""A rating as the platform showed it, for mails beside the stars ("Note 1,3")."""

from __future__ import annotations


def _number(value: float, language: str) -> str:
    text = f"{value:g}" if value.is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "de" else text


def original_rating(raw: float | None, scale: str | None, language: str = "de") -> str | None:
    """'Note 1,3' for a school grade (`rating_scale` '6-1'), '8/10' or '85 %' for points
    and percent; None where the stars already say it (a 1–5 or 0–5 scale, or no rating)."""
    if raw is None or not scale or "-" not in scale:
        return None
    worst_text, best_text = scale.split("-", 1)
    try:
        worst, best = float(worst_text), float(best_text)
    except ValueError:
        return None
    if best < worst:
        word = "Note" if language == "de" else "grade"
        return f"{word} {_number(raw, language)}"
    if best == 5.0:
        return None
    if best == 100.0:
        return f"{_number(raw, language)} %"
    return f"{_number(raw, language)}/{_number(best, language)}"
