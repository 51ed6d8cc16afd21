"""The one way tests wait: for an event, with a generous limit that only catches a hang."""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_SECONDS = 120.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = HANG_SECONDS) -> None:
    """Poll `condition` every 20 ms until it is true.

    `timeout` is no performance budget: it only ends a test that would otherwise hang, so
    it is set far above what the slowest machine needs. The failure names `what`.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.02)
