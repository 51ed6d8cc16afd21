"""End-to-end latency: a new 1-star review on a local source → the alert in an SMTP inbox.

Serves the demo site on 127.0.0.1 and runs a real SMTP server (aiosmtpd). After a first
crawl (the backlog), one negative review is added and the scheduled job the service runs
per source (crawl → classify → decide → send) is timed until the alert is received.
Usage: python bench/e2e_latency.py [--delay 2.0] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller

from crawler.demo import DemoSite, serve_directory
from leumund.loading import load_config
from leumund.parts import build_parts
from leumund.service.runner import Service, wait_for_database
from storage.db import make_engine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Inbox:
    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.append(time.perf_counter())
        return "250 OK"


def write_config(directory: Path, url: str, smtp_port: int, delay: float) -> Path:
    data = {
        "service": {"jitter_seconds": 0},
        "storage": {"url": "sqlite:///bench.db"},
        "crawler": {"download_delay": delay, "autothrottle": False},
        "mail": {
            "backend": "smtp",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        },
        "businesses": [
            {
                "name": "Bäckerei Beispiel",
                "owner_emails": ["inhaber@example.de"],
                "sources": [{"name": "trustpilot", "type": "trustpilot", "url": url}],
            }
        ],
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=2.0, help="crawler.download_delay (s)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leumund-e2e-"))
    site = DemoSite(workdir / "site")
    server = serve_directory(site.directory)
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        url = site.trustpilot_url(server.base_url)
        config = load_config(write_config(workdir, url, port, args.delay), os.environ)
        engine = make_engine(config.database_url())
        stop = threading.Event()
        wait_for_database(engine, config, stop)
        service = Service(build_parts(config, engine=engine), stop)
        service.crawl_and_process("Bäckerei Beispiel", "trustpilot")  # backlog + model warm-up
        print(f"download_delay {args.delay:g} s; first crawl done, {len(inbox.arrivals)} mail(s)")
        for run in range(args.runs):
            before = len(inbox.arrivals)
            text = "Kalter Kaffee, unfreundliche Bedienung, schmutzige Tische."
            site.add_review(author=f"Kunde {run}", rating=1, title="Nie wieder", text=text)
            start = time.perf_counter()
            service.crawl_and_process("Bäckerei Beispiel", "trustpilot")
            if len(inbox.arrivals) == before:
                print(f"run {run + 1}: no alert arrived")
                continue
            latency = inbox.arrivals[before] - start
            print(f"run {run + 1}: alert in inbox {latency:.2f} s after the crawl started"
                  f" ({latency - args.delay:.2f} s without one politeness delay)")  # fmt: skip
        engine.dispose()
    finally:
        smtp.stop()
        server.stop()


if __name__ == "__main__":
    main()
