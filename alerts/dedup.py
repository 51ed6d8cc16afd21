"""The outbox's dedup keys, made in one place: the same decision always gives the same key.

A key is `kind:part:…:recipient` with the recipient trimmed and lower-cased, so case never
makes a second email. Keys already stored must keep matching: change the parts of a kind and
every decision of that kind is made (and mailed) again.
"""

from __future__ import annotations


def dedup_recipient(addr: str) -> str:
    """The address as it appears in outbox dedup keys: trimmed and lower-cased."""
    return addr.strip().lower()


def dedup_key(kind: str, *parts: object, recipient: str) -> str:
    """`alert:17:inhaber@example.de`, `report:1:2026-W47:…`, `source_broken:3:<since>:…`."""
    return ":".join([kind, *(str(p) for p in parts), dedup_recipient(recipient)])
