"""`competitors:` in config.yaml: validated like sources, mirrored as business rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from leumund.errors import ConfigError
from leumund.jobs.pipeline import sync_config
from leumund.loading import load_config
from leumund.service.scheduler import enabled_sources
from leumund.service.status import collect_status
from leumund.service.status_json import status_document
from storage.db import session_scope
from storage.registry import get_business, get_source

CONFIG = """
businesses:
  - name: Bäckerei Beispiel
    owner_emails: [inhaber@example.de]
    sources:
      - {name: trustpilot, type: trustpilot, url: "https://de.trustpilot.com/review/x.de"}
    competitors:
      - name: Backstube am Markt
        sources:
          - {name: website, type: schema_org, url: "https://backstube.example/", schedule: 1d}
          - {name: google, type: google_places, place_id: ChIJ123, api_key_env: LM_GOOGLE_KEY}
      - name: Brotzeit
        sources:
          - {name: trustpilot, type: trustpilot, url: "https://de.trustpilot.com/review/b.de"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ or {})
    return info.value.problems


def test_competitors_are_watched_as_businesses_of_their_own(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CONFIG), {"LM_GOOGLE_KEY": "k"})
    owner = config.businesses[0]
    assert [b.name for b in config.businesses] == ["Bäckerei Beispiel"]  # no report, no alerts
    rivals = owner.competitor_businesses()
    assert [(r.name, r.label, r.competitor_of) for r in rivals] == [
        ("Bäckerei Beispiel › Backstube am Markt", "Backstube am Markt", "Bäckerei Beispiel"),
        ("Bäckerei Beispiel › Brotzeit", "Brotzeit", "Bäckerei Beispiel"),
    ]
    assert not rivals[0].report.enabled and owner.competitor_of is None
    pairs = [(b.name, s.name, s.schedule) for b, s in enabled_sources(config)]
    assert ("Bäckerei Beispiel › Backstube am Markt", "website", "1d") in pairs
    assert len(pairs) == 4  # crawled on their own schedules like any source
    assert config.secret(rivals[0].sources[1].api_key_env).get_secret_value() == "k"  # type: ignore[union-attr]


def test_competitor_secret_from_the_environment_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, CONFIG)
    assert problems(path) == [
        f"{path}: businesses[0].competitors[0].sources[1].api_key_env: environment variable"
        " LM_GOOGLE_KEY is not set; export it before starting Leumund"
    ]


def test_duplicate_competitor_and_source_names(tmp_path: Path) -> None:
    text = CONFIG.replace("name: Brotzeit", "name: Backstube am Markt").replace(
        "name: google,", "name: website,"
    )
    lines = "\n".join(problems(write(tmp_path, text), {"LM_GOOGLE_KEY": "k"}))
    assert (
        "businesses[0].competitors[1].name: 'Backstube am Markt' is already the name of this"
        " business or of another of its competitors" in lines
    )
    assert "businesses[0].competitors[0].sources[1].name: duplicate source name 'website'" in lines


def test_competitor_needs_a_name_and_sources(tmp_path: Path) -> None:
    text = CONFIG.replace("      - name: Brotzeit\n", "      - name: ''\n").replace(
        '        sources:\n          - {name: trustpilot, type: trustpilot, url: "https://de.trustpilot.com/review/b.de"}\n',
        "        sources: []\n",
    )
    lines = "\n".join(problems(write(tmp_path, text), {"LM_GOOGLE_KEY": "k"}))
    assert "businesses[0].competitors[1].name:" in lines
    assert "businesses[0].competitors[1].sources:" in lines


def test_sync_stores_competitors_as_marked_business_rows(
    any_engine: Engine, tmp_path: Path
) -> None:
    config = load_config(write(tmp_path, CONFIG), {"LM_GOOGLE_KEY": "k"})
    sync_config(any_engine, config)
    sync_config(any_engine, config)  # twice changes nothing
    with session_scope(any_engine) as session:
        owner = get_business(session, "Bäckerei Beispiel")
        rival = get_business(session, "Bäckerei Beispiel › Backstube am Markt")
        assert owner is not None and rival is not None
        assert owner.competitor_of_id is None
        assert (rival.competitor_of_id, rival.label) == (owner.id, "Backstube am Markt")
        source = get_source(session, "Bäckerei Beispiel › Brotzeit", "trustpilot")
        assert source is not None and source.enabled


def test_competitor_cannot_use_the_owners_business_profile_api(tmp_path: Path) -> None:
    gbp = (
        "{name: gbp, type: google_business_profile, location: accounts/1/locations/2,"
        " client_id_env: A, client_secret_env: B, refresh_token_env: C}"
    )
    text = CONFIG.replace(
        '{name: trustpilot, type: trustpilot, url: "https://de.trustpilot.com/review/b.de"}', gbp
    )
    env = {"LM_GOOGLE_KEY": "k", "A": "a", "B": "b", "C": "c"}
    lines = "\n".join(problems(write(tmp_path, text), env))
    assert "businesses[0].competitors[1].sources[0].type: a competitor's google_business" in lines
    assert "use google_places" in lines


def test_status_lists_competitor_sources_for_the_operator(engine: Engine, tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CONFIG), {"LM_GOOGLE_KEY": "k"})
    sync_config(engine, config)
    status = collect_status(engine, config, datetime.now(UTC))
    rivals = [(b.name, b.competitor_of, [s.name for s in b.sources]) for b in status.businesses]
    assert rivals == [
        ("Bäckerei Beispiel", None, ["trustpilot"]),
        ("Bäckerei Beispiel › Backstube am Markt", "Bäckerei Beispiel", ["website", "google"]),
        ("Bäckerei Beispiel › Brotzeit", "Bäckerei Beispiel", ["trustpilot"]),
    ]
    document = status_document(status, datetime.now(UTC))
    assert document["businesses"][1]["competitor_of"] == "Bäckerei Beispiel"
