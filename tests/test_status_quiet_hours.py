"""`leumund status` says until when quiet hours hold the owner's mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from leumund import cli
from leumund.config import BusinessConfig
from leumund.service.status import mail_held_until
from tests.service_support import write_config

BERLIN = ZoneInfo("Europe/Berlin")


def _business(quiet: dict[str, str] | None) -> BusinessConfig:
    alerts = {"quiet_hours": quiet} if quiet else {}
    return BusinessConfig.model_validate(
        {"name": "Praxis", "owner_emails": ["p@example.test"], "alerts": alerts}
    )


def test_held_until_the_end_of_the_quiet_hours_in_the_business_zone() -> None:
    business = _business({"start": "22:00", "end": "07:00"})
    night = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    assert mail_held_until(business, night) == datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN)
    assert mail_held_until(business, datetime(2026, 11, 23, 11, 0, tzinfo=UTC)) is None
    assert mail_held_until(_business(None), night) is None


def test_status_prints_until_when_mail_is_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the real clock: quiet hours from an hour ago to two hours from now."""
    path = write_config(tmp_path, "http://127.0.0.1:9/x", model="no-model")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    now = datetime.now(BERLIN).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    window = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    data["businesses"][0]["alerts"]["quiet_hours"] = window
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli.main(["status", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    expected = datetime.combine(end.date(), time(end.hour, end.minute), tzinfo=BERLIN)
    assert f"  quiet hours: mail held until {expected:%Y-%m-%d %H:%M} CE" in out
    assert cli.main(["status", "--json", "--config", str(path)]) == 0
    [business] = json.loads(capsys.readouterr().out)["businesses"]
    assert datetime.fromisoformat(business["mail_held_until"]) == expected
