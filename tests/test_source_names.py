"""What the owner reads for a source: its label, the platform's right name, German that reads."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from alerts.decide import decide_alerts
from alerts.i18n import place, source_display
from leumund.errors import ConfigError
from leumund.jobs.pipeline import sync_config
from leumund.loading import load_config
from storage.db import session_scope
from storage.models import Source
from storage.registry import get_source
from tests.test_alerts_decide import NOW, add_review, outbox, policy, rendered, seed


@pytest.mark.parametrize(
    ("source_type", "label", "url", "shown", "de", "en"),
    [
        ("trustpilot", None, "https://de.trustpilot.com/review/x", "Trustpilot",
         "auf Trustpilot", "on Trustpilot"),
        ("trustedshops", None, "https://api.trustedshops.com/x", "Trusted Shops",
         "bei Trusted Shops", "on Trusted Shops"),
        ("google_places", None, "", "Google", "auf Google", "on Google"),
        ("google_business_profile", None, "", "Google", "auf Google", "on Google"),
        ("schema_org", None, "https://www.praxis-roth.de/bewertungen", "praxis-roth.de",
         "auf praxis-roth.de", "on praxis-roth.de"),
        ("schema_org", None, "", "Website", "auf Website", "on Website"),
        ("schema_org", "  Jameda ", "https://www.jameda.de/x", "Jameda",
         "auf Jameda", "on Jameda"),
        ("trustedshops", "Shop Nord", "https://api.trustedshops.com/x", "Shop Nord",
         "bei Shop Nord", "on Shop Nord"),
    ],
)  # fmt: skip
def test_display_name_and_place(
    source_type: str, label: str | None, url: str, shown: str, de: str, en: str
) -> None:
    assert source_display(source_type, label, url) == shown
    assert (place(source_type, shown, "de"), place(source_type, shown, "en")) == (de, en)


def _alert_for(engine: Engine, source_type: str, label: str | None, url: str) -> EmailMessage:
    source_id = seed(engine, source_type=source_type)
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None
        source.label, source.url = label, url
        session.add(source)
    add_review(engine, source_id, rating=1.0, url=None)
    decide_alerts(engine, policy(), NOW)
    [row] = outbox(engine)
    return rendered(engine, row)


@pytest.mark.parametrize(
    ("source_type", "label", "url", "subject_place", "intro_place"),
    [
        ("trustedshops", None, "https://api.trustedshops.com/x", "bei Trusted Shops",
         "hat bei Trusted Shops eine Bewertung erhalten"),
        ("schema_org", None, "https://www.praxis-roth.de/b", "auf praxis-roth.de",
         "hat auf praxis-roth.de eine Bewertung erhalten"),
        ("schema_org", "Jameda", "https://www.jameda.de/roth", "auf Jameda",
         "hat auf Jameda eine Bewertung erhalten"),
    ],
)  # fmt: skip
def test_alert_names_the_source_in_good_german(
    engine: Engine,
    source_type: str,
    label: str | None,
    url: str,
    subject_place: str,
    intro_place: str,
) -> None:
    message = _alert_for(engine, source_type, label, url)
    assert message["Subject"].startswith(f"⚠ Neue 1-Sterne-Bewertung {subject_place} – ")
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    text = body.get_content()
    assert intro_place in text
    assert "Website" not in text and "Trustedshops" not in text


CONFIG = """
storage: {{url: "sqlite:///{db}"}}
businesses:
  - name: Praxis
    owner_emails: [praxis@example.org]
    sources:
      - {{name: web, type: schema_org, url: "https://www.jameda.de/roth", label: "{label}"}}
"""


def test_label_from_config_reaches_the_database(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(db=engine.url.database, label="  Jameda  "), encoding="utf-8")
    sync_config(engine, load_config(path, {}))
    with session_scope(engine) as session:
        source = get_source(session, "Praxis", "web")
        assert source is not None and source.label == "Jameda"
    path.write_text(CONFIG.format(db=engine.url.database, label="x" * 61), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"businesses\[0\]\.sources\[0\]\.label"):
        load_config(path, {})
