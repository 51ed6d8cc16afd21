"""`leumund invite-kit`: card and poster with a QR code that reads back, fair texts, a record."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.invite import CARD, POSTER, InviteText, Sheet, draw_sheet, qr_matrix
from alerts.replies import RULES
from leumund.cli import main
from leumund.config import BusinessConfig
from leumund.jobs.invite import review_page
from storage.db import make_engine
from storage.models import Business, InviteKit
from storage.replies import first_invite_kit_at, record_invite_kit

GOOGLE = "https://search.google.com/local/writereview?placeid=ChIJN1t_tDeuEmsRUsoyG83frY4"
TRUSTPILOT = "https://de.trustpilot.com/evaluate/baeckerei-beispiel.de"

# Gating (only happy customers, or the unhappy ones sent elsewhere first) and leading asks.
GATING = (
    "wenn sie zufrieden",
    "falls sie zufrieden",
    "gefallen hat",
    "sterne",
    "positive",
    "gute bewertung",
    "unzufrieden",
    "zuerst",
    "erst bei uns",
    "bevor sie",
)
INCENTIVES = (*RULES["promises a discount"], "gewinn", "verlos", "belohn", "geschenk", "punkte")


def write_config(tmp_path: Path, sources: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
storage: {{url: "sqlite:///leumund.db"}}
businesses:
  - name: Bäckerei Beispiel
    contact: "Tel. 030 1234567"
    owner_emails: [a@example.test]
{extra}    sources:
{sources}
""",
        encoding="utf-8",
    )
    return path


GOOGLE_SOURCE = """      - name: google
        type: google_places
        place_id: ChIJN1t_tDeuEmsRUsoyG83frY4
        api_key_env: T_KEY
        enabled: false
"""
TRUSTPILOT_SOURCE = """      - name: tp
        type: trustpilot
        url: https://de.trustpilot.com/review/baeckerei-beispiel.de
"""
WEBSITE_SOURCE = """      - name: web
        type: schema_org
        url: https://baeckerei.test/bewertungen
"""


def _kit(config: Path, out: Path) -> int:
    args = ["invite-kit", "--config", str(config), "--business", "Bäckerei Beispiel"]
    return main([*args, "--out", str(out)])


def test_kit_files_sizes_and_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, TRUSTPILOT_SOURCE + GOOGLE_SOURCE)
    assert _kit(config, tmp_path / "kit") == 0
    assert (
        capsys.readouterr().out == f"invite-kit: 6 files in {tmp_path / 'kit'} for {TRUSTPILOT}\n"
    )
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    assert names == [
        "aushang-a4.pdf",
        "aushang-a4.png",
        "email.txt",
        "karte-a6.pdf",
        "karte-a6.png",
        "sms.txt",
    ]
    for name, points, pixels in (
        ("karte-a6", (297.638, 419.528), (1240, 1748)),
        ("aushang-a4", (595.276, 841.89), (2480, 3507)),
    ):
        pdf = (tmp_path / "kit" / f"{name}.pdf").read_bytes()
        box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
        assert box is not None and pdf.startswith(b"%PDF-")
        assert (round(float(box[1]), 3), round(float(box[2]), 3)) == points
        with Image.open(tmp_path / "kit" / f"{name}.png") as image:
            assert image.size == pixels
    email = (tmp_path / "kit" / "email.txt").read_text(encoding="utf-8")
    assert email.startswith("Betreff: Ihre Meinung zu Bäckerei Beispiel\n\nGuten Tag,")
    assert f"Hier geht es zur Bewertung: {TRUSTPILOT}\n" in email and "auf Trustpilot" in email
    assert (tmp_path / "kit" / "sms.txt").read_text(encoding="utf-8").endswith(f"{TRUSTPILOT}\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'leumund.db'}")
    with Session(engine) as session:
        [kit] = session.exec(select(InviteKit)).all()
        business = session.get(Business, kit.business_id)
    engine.dispose()
    assert business is not None and business.name == "Bäckerei Beispiel"
    assert kit.review_url == TRUSTPILOT and kit.made_at.tzinfo is not None


@pytest.mark.parametrize(
    ("sources", "extra", "url"),
    [
        (GOOGLE_SOURCE + TRUSTPILOT_SOURCE, "", GOOGLE),
        (WEBSITE_SOURCE + TRUSTPILOT_SOURCE, "", TRUSTPILOT),
        (
            GOOGLE_SOURCE,
            "    review_url: https://g.page/r/abc/review\n",
            "https://g.page/r/abc/review",
        ),
    ],
)
def test_review_page_from_sources_or_review_url(sources: str, extra: str, url: str) -> None:
    business = BusinessConfig.model_validate(
        {
            "name": "B",
            "owner_emails": ["a@example.test"],
            "sources": yaml.safe_load(sources),
            **(yaml.safe_load(extra) or {}),
        }
    )
    assert review_page(business)[0] == url


def test_without_a_review_page_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, WEBSITE_SOURCE)
    assert _kit(config, tmp_path / "kit") == 2
    assert capsys.readouterr().err == (
        "leumund: invite-kit: no review page known for 'Bäckerei Beispiel'; set review_url: for"
        " it (or add a google_places source with place_id, or a trustpilot source)\n"
    )
    assert not (tmp_path / "kit").exists()


@pytest.mark.parametrize("sheet", [CARD, POSTER], ids=lambda s: s.name)
def test_the_printed_qr_code_reads_back_as_the_url(tmp_path: Path, sheet: Sheet) -> None:
    """Sample the PNG at every module's centre: the printed code is exactly the URL's code."""
    text = InviteText("Bäckerei Beispiel", "Tel. 030 1234567", GOOGLE, "Google")
    files, box = draw_sheet(sheet, text, tmp_path)
    expected = qr_matrix(GOOGLE)
    assert box.modules == len(expected)
    with Image.open(files[1]) as image:
        gray = image.convert("L")
        width, height = gray.size
        side = box.width * width / box.modules
        left, top = box.left * width, (1 - box.bottom - box.height) * height
        printed = [
            [
                gray.getpixel((int(left + (x + 0.5) * side), int(top + (y + 0.5) * side))) < 128
                for x in range(box.modules)
            ]
            for y in range(box.modules)
        ]
    assert printed == expected


def test_texts_never_gate_and_never_offer_anything() -> None:
    for platform in ("Google", "Trustpilot", ""):
        words = InviteText("Café Sonne", "Tel. 1", GOOGLE, platform).all_words().lower()
        assert [p for p in GATING if p in words] == []
        assert [p for p in INCENTIVES if re.search(rf"(?<!\w){re.escape(p)}", words)] == []
        assert "ob lob oder kritik" in words  # asks everyone, whatever they think


def test_first_kit_date_is_kept_for_the_report(any_engine: Engine) -> None:
    first, later = datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC)
    with Session(any_engine) as session:
        business = Business(name="B")
        session.add(business)
        session.flush()
        assert business.id is not None
        assert first_invite_kit_at(session, business.id) is None
        record_invite_kit(session, business.id, GOOGLE, later)
        record_invite_kit(session, business.id, GOOGLE, first)
        session.commit()
        assert first_invite_kit_at(session, business.id) == first
