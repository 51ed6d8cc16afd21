"""Scale benchmark: 1,000 businesses × 3 sources, 300,000 reviews in SQLite.

Prints: time to generate the data, memory of the idle service (`leumund run`, RSS of the
process after start), time to decide alerts after a crawl, time to enqueue all weekly
reports and time to render and write them (they are rendered when sent, here as .eml files).
Usage: python bench/scale.py [--businesses 1000] [--reviews 300000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from alerts.mail import FileMailer
from alerts.render import Renderer
from alerts.sending import SendPolicy, send_due
from leumund.jobs.alerts import decide_alerts
from leumund.jobs.pipeline import sync_config
from leumund.jobs.report import enqueue_weekly_reports
from leumund.loading import load_config
from leumund.parts import build_parts
from storage.db import init_schema, make_engine
from storage.models import Review, Source

TYPES = ("trustpilot", "schema_org", "trustpilot")
SENTENCES = (
    "Die Brötchen waren frisch und die Bedienung sehr freundlich.",
    "Leider mussten wir lange warten, das Essen war dann kalt.",
    "Preis und Leistung stimmen, gerne wieder.",
    "Unfreundliches Personal, so etwas habe ich selten erlebt.",
    "Ganz okay, nichts Besonderes.",
    "Sehr sauber, kompetente Beratung, klare Empfehlung!",
)


def config_data(businesses: int, db_url: str) -> dict[str, Any]:
    return {
        "service": {"operator_emails": ["ops@example.de"], "jitter_seconds": 600},
        "storage": {"url": db_url},
        "mail": {"backend": "file", "directory": "mail"},
        "businesses": [
            {
                "name": f"Betrieb {b:04d}",
                "owner_emails": [f"inhaber{b}@example.de"],
                "sources": [
                    {"name": f"s{k}", "type": t, "url": f"http://127.0.0.1:9/b{b}/s{k}"}
                    for k, t in enumerate(TYPES)
                ],
            }
            for b in range(businesses)
        ],
    }


def review_rows(
    source_ids: list[tuple[int, int]], total: int, now: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(total):
        source_id, business_id = source_ids[i % len(source_ids)]
        rating = rng.choices((1, 2, 3, 4, 5), weights=(8, 5, 7, 25, 55))[0]
        label = "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"
        published = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 7 * 26))
        text = " ".join(rng.sample(SENTENCES, 2))
        rows.append({
            "source_id": source_id, "business_id": business_id, "platform_id": f"p{i}",
            "author": f"Kunde {i}", "rating": float(rating), "rating_raw": float(rating),
            "rating_scale": "1-5", "title": text[:30], "text": text, "language": "de",
            "published_at": published, "first_seen_at": published + timedelta(minutes=30),
            "content_hash": hashlib.sha256(str(i).encode()).hexdigest(), "version": 1,
            "backlog": False, "sentiment_label": label,
            "sentiment_probs": {label: 0.9}, "sentiment_model": "bench",
            "classified_at": published, "alert_checked_version": 1,
        })  # fmt: skip
    return rows


def bulk_insert(engine: Engine, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), chunk):
            conn.execute(insert(Review), rows[start : start + chunk])


def mark_crawled(engine: Engine, at: datetime) -> list[tuple[int, int]]:
    with engine.begin() as conn:
        conn.execute(
            update(Source).values(first_crawl_at=at, last_success_at=at, last_attempt_at=at)
        )
        ids = conn.execute(Source.__table__.select()).all()  # type: ignore[attr-defined]
    return [(row.id, row.business_id) for row in ids]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def idle_service_rss(config_path: Path, settle: float) -> tuple[int, float]:
    """Start `leumund run`, wait until it is idle, sample its RSS, stop it with SIGTERM."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leumund", "run", "--config", str(config_path)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "service started" in line:
            break
    ready = time.perf_counter() - started
    time.sleep(settle)
    rss = rss_kib(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    return rss, ready


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=300_000)
    parser.add_argument("--settle", type=float, default=15.0, help="seconds before RSS sample")
    args = parser.parse_args()
    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="leumund-scale-"))
    config_path = workdir / "config.yaml"
    data = config_data(args.businesses, "sqlite:///scale.db")
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(config_path, os.environ)
    engine = make_engine(config.database_url())
    now = datetime.now(UTC)

    t0 = time.perf_counter()
    init_schema(engine)
    sync_config(engine, config)
    sources = mark_crawled(engine, now - timedelta(hours=1))
    bulk_insert(engine, review_rows(sources, args.reviews, now, rng))
    print(f"data: {args.businesses} businesses, {len(sources)} sources, {args.reviews} reviews"
          f" generated in {time.perf_counter() - t0:.1f} s ({workdir})")  # fmt: skip

    t0 = time.perf_counter()
    parts = build_parts(config, engine=engine)
    decided = decide_alerts(parts, now)
    print(f"decide alerts, nothing new: {time.perf_counter() - t0:.2f} s ({decided} decided)")
    crawl = review_rows(sources[:1], 10, now, rng)
    for i, row in enumerate(crawl):
        row.update(platform_id=f"new{i}", alert_checked_version=0, first_seen_at=now,
                   rating=1.0 if i < 3 else 5.0)  # fmt: skip
    bulk_insert(engine, crawl)
    t0 = time.perf_counter()
    decided = decide_alerts(parts, now)
    print(f"decide alerts after a crawl with 10 new reviews: "
          f"{time.perf_counter() - t0:.2f} s ({decided} alert rows)")  # fmt: skip

    rss, ready = idle_service_rss(config_path, args.settle)
    print(f"idle service: RSS {rss / 1024:.0f} MiB (ready after {ready:.1f} s)")

    t0 = time.perf_counter()
    added = enqueue_weekly_reports(engine, config, now)
    elapsed = time.perf_counter() - t0
    print(f"weekly reports: {added} enqueued in {elapsed:.1f} s"
          f" ({elapsed / max(added, 1) * 1000:.0f} ms each)")  # fmt: skip
    t0 = time.perf_counter()
    mailer = FileMailer(workdir / "mail")
    sent = send_due(engine, mailer, Renderer(config.mail.sender), now, SendPolicy())
    elapsed, each = time.perf_counter() - t0, (time.perf_counter() - t0) / max(sent.emails, 1)
    print(f"outbox sent: {sent.emails} emails rendered and"
          f" written in {elapsed:.1f} s ({each * 1000:.0f} ms each)")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()
