"""The dashboard inside `leumund run` (web.enabled) and after `leumund demo --serve`."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pytest
import yaml

from leumund.loading import load_config
from leumund.parts import build_parts
from leumund.service.demo import run_demo
from leumund.service.runner import run_service
from tests.smtp_server import free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.slow  # starts a service and servers


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def test_run_serves_the_dashboard_when_enabled(tmp_path: Path) -> None:
    port = free_port()
    data = {
        "storage": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
        "web": {"enabled": True, "port": port},
        "businesses": [
            {"name": "Bäckerei", "owner_emails": ["a@b.test"], "report": {"enabled": False}}
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    parts = build_parts(load_config(path, {}))
    stop = threading.Event()
    service = threading.Thread(target=run_service, args=(parts, stop))
    service.start()
    try:
        wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200, "the dashboard")
        status, page = _get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and "Link zusenden" in page
    finally:
        stop.set()
        service.join()
    assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 0  # stopped with the service


def test_demo_serve_prints_a_sign_in_link_that_works(tmp_path: Path) -> None:
    lines: list[str] = []
    stop = threading.Event()
    port = free_port()
    demo = threading.Thread(
        target=run_demo,
        args=(tmp_path / "demo", lines.append),
        kwargs={"serve": port, "stop": stop},
    )
    demo.start()
    try:
        wait_for(lambda: any("sign in as the owner" in line for line in lines), "the demo's link")
        link = next(line for line in lines if "sign in as the owner" in line).split()[-1]
        status, page = _get(link)
        assert status == 200 and "Als inhaber@baeckerei-beispiel.de anmelden" in page
    finally:
        stop.set()
        demo.join()
