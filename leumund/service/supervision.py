"""Keeping the service's jobs alive through faults, and stopping them cleanly.

A database that went away (PostgreSQL restarting) is waited for with backoff; any other
error is logged and the job tries again at its next run. SIGTERM or Ctrl-C sets a stop
event; running crawl children are stopped once the jobs had a moment to finish.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from crawler.runner import stop_running_crawls

log = logging.getLogger(__name__)
T = TypeVar("T")
DB_RETRY_DELAYS: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 120, 300)
STOP_GRACE_SECONDS = 5.0


def is_db_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection, as opposed to a bug or a constraint."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def with_db_retry(
    name: str, func: Callable[[], T], stop: threading.Event, delays: tuple[float, ...]
) -> T | None:
    """Run `func`; while the database is unavailable, wait with backoff and try again."""
    for delay in (*delays, None):
        try:
            return func()
        except Exception as exc:
            if not is_db_unavailable(exc):
                log.exception("job %r failed; it runs again at its next slot", name)
                return None
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if delay is None:
                log.error("job %r: database still unavailable, giving up: %s", name, first_line)
                return None
            log.warning("job %r: database unavailable (%s); retry in %ss", name, first_line, delay)
            if stop.wait(delay):
                return None
    return None


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop`; the previous handlers come back afterwards."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            log.info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def children_stopped_after(stop: threading.Event, grace: float) -> Iterator[None]:
    """Once `stop` is set, give running jobs `grace` seconds, then stop the crawl children
    (each gets `grace` seconds to record what it has before it is killed)."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() and not stop.wait(0.5):
            pass
        if not done.is_set() and not done.wait(grace):
            stopped = stop_running_crawls(grace)
            if stopped:
                log.info("stopped %d running crawl(s)", stopped)

    watcher = threading.Thread(target=watch, name="stop-children", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=2)
