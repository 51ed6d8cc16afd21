"""How many source crawls one machine manages: N parallel crawls of fictional businesses.

Serves one demo business per loopback host (127.0.0.2, 127.0.0.3, …: every site is its
own host, as in real life), then crawls them exactly as the service does (`crawl_source`:
a child process per crawl, robots.txt, the 2 s politeness delay, storing into SQLite) with
1, 4 and 16 crawls running at once. Each level runs in a fresh process, so its CPU time
(the crawl children plus the storing parent) and the largest crawl child's peak memory
are its own. Prints one line per level; the last line is the 16-parallel figures.
Usage: python bench/crawl_capacity.py [--levels 1,4,16] [--rounds 2] [--delay 2.0]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from crawler.demo import DemoSite, serve_directory
from crawler.demo.server import DemoServer
from leumund.config import Config
from leumund.jobs.crawl import crawl_source
from storage.db import init_schema, make_engine


def serve_sites(count: int, root: Path) -> list[tuple[str, DemoServer]]:
    """One demo site per loopback host; returns (Trustpilot-style URL, server)."""
    out = []
    for n in range(count):
        site = DemoSite(root / f"site{n}")
        server = serve_directory(site.directory, host=f"127.0.0.{n + 2}")
        out.append((site.trustpilot_url(server.base_url), server))
    return out


def bench_config(urls: list[str], directory: Path, delay: float) -> Config:
    businesses = [
        {
            "name": f"Betrieb {n}",
            "owner_emails": [f"inhaber{n}@example.test"],
            "sources": [{"name": "tp", "type": "trustpilot", "url": url}],
        }
        for n, url in enumerate(urls)
    ]
    data: dict[str, Any] = {"crawler": {"download_delay": delay}, "businesses": businesses}
    data["storage"] = {"url": f"sqlite:///{directory / 'bench.db'}"}
    return Config.model_validate(data).bind(directory, {})


def measure(parallel: int, urls: list[str], delay: float) -> dict[str, Any]:
    """Runs in its own process: crawl every URL once, `parallel` at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(urls, Path(tmp), delay)
        engine = make_engine(config.database_url())
        init_schema(engine)
        before = _cpu()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            runs = list(
                pool.map(lambda b: crawl_source(engine, config, b, b.sources[0]), config.businesses)
            )
        wall = time.perf_counter() - started
        cpu = _cpu() - before
        engine.dispose()
    failed = [run.error for run in runs if run.status != "ok"]
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "parallel": parallel,
        "crawls": len(runs),
        "failed": len(failed),
        "first_error": failed[0] if failed else "",
        "pages": sum(run.pages for run in runs),
        "wall_s": wall,
        "crawls_per_hour": len(runs) / wall * 3600,
        "cpu_s_per_crawl": cpu / len(runs),
        "peak_rss_mb": peak_kb / 1024,
    }


def _cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--levels", default="1,4,16", help="parallel crawls per level")
    parser.add_argument("--rounds", type=int, default=2, help="crawls per parallel slot")
    parser.add_argument("--delay", type=float, default=2.0, help="politeness delay (s)")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, json.loads(args.urls), args.delay)))
        return
    levels = [int(level) for level in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        sites = serve_sites(max(levels) * args.rounds, Path(tmp))
        try:
            results = [_level(level, [u for u, _ in sites], args) for level in levels]
        finally:
            for _, server in sites:
                server.stop()
    last = results[-1]
    print(
        f"crawls_per_hour={last['crawls_per_hour']:.0f} cpu_s_per_crawl="
        f"{last['cpu_s_per_crawl']:.2f} peak_rss_mb={last['peak_rss_mb']:.0f}"
    )


def _level(parallel: int, urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    chosen = urls[: parallel * args.rounds]
    command = [sys.executable, __file__, "--measure", str(parallel), "--delay", str(args.delay)]
    out = subprocess.run(
        [*command, "--urls", json.dumps(chosen)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    print(
        f"{parallel:>2} parallel: {result['crawls']:.0f} crawls ({result['failed']:.0f} failed,"
        f" {result['pages']:.0f} pages) in {result['wall_s']:.1f} s ->"
        f" {result['crawls_per_hour']:.0f} crawls/h, {result['cpu_s_per_crawl']:.2f} CPU s"
        f" per crawl, peak {result['peak_rss_mb']:.0f} MB per crawl child"
    )
    if result["failed"]:
        print(f"   first failure: {result['first_error']}")
    return result


if __name__ == "__main__":
    main()
