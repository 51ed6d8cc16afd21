"""The dashboard in a real browser (Playwright driving the machine's Chromium): sign in
through the link from a real SMTP inbox, filter, search, mark handled, sign out."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from leumund.web.server import WebServer
from storage.db import session_scope
from storage.models import Review
from tests.smtp_server import SmtpServer
from tests.web_support import OWNER_A, Clock, context, last_link, seed, web_config

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium on this machine"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[tuple[str, SmtpServer, dict[str, int]]]:
    with SmtpServer() as smtp:
        config = web_config(tmp_path, smtp.port)
        ids = seed(engine)
        server = WebServer(context(config, engine, Clock()), "127.0.0.1", 0).start()
        assert server.wait_started(threading.Event())
        yield f"http://127.0.0.1:{server.port}", smtp, ids
        server.stop()


def test_owner_signs_in_filters_searches_marks_handled_and_signs_out(
    served: tuple[str, SmtpServer, dict[str, int]], engine: Engine
) -> None:
    base, smtp, ids = served
    bad = ids[f"{ids['Bäckerei A']}:bad"]
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{base}/login")
        page.fill("input[name=email]", OWNER_A)
        page.click("button:has-text('Link zusenden')")
        page.wait_for_selector("text=Anmeldelink unterwegs")
        link = last_link(smtp, OWNER_A).replace("http://testserver", base)
        page.goto(link)
        page.click("button:has-text('Als inhaber@baeckerei.test anmelden')")
        page.wait_for_selector("text=Kritisch, noch nicht erledigt")
        page.click("nav.tabs >> text=Bewertungen")
        page.select_option("select[name=stars_max]", "1")
        page.click("button:has-text('Filtern')")
        page.wait_for_selector("text=1 Bewertungen")
        page.fill("input[name=q]", "Wartezeit")
        page.select_option("select[name=stars_max]", "")
        page.click("button:has-text('Filtern')")
        page.wait_for_selector("text=2 Bewertungen")
        page.click(f"a[href='/r/{bad}']")
        page.fill("textarea[name=note]", "Kundin angerufen")
        page.click("button:has-text('Als erledigt markieren')")
        page.wait_for_selector("text=Erledigt von inhaber@baeckerei.test")
        page.click("button:has-text('Abmelden')")
        page.wait_for_selector("text=Link zusenden")
        assert page.goto(f"{base}/r/{bad}") is not None
        assert "/login" in page.url
        browser.close()
    with session_scope(engine) as session:
        review = session.get(Review, bad)
        assert review is not None and review.handled_note == "Kundin angerufen"
