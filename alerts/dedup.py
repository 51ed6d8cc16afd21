"""One spelling of a recipient inside dedup keys, so case never makes a second email."""

from __future__ import annotations


def dedup_recipient(addr: str) -> str:
    """The address as it appears in outbox dedup keys: trimmed and lower-cased."""
    return addr.strip().lower()
