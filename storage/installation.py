"""The installation id: random, made once per database, kept with the data it belongs to.

Dedup keys are built from row numbers and repeat after a database reset or a move from
SQLite to PostgreSQL; the id, stored in the database itself, tells such installations apart
in every Message-ID (a fresh database gets a fresh id).
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import Installation, utcnow

_ROW = 1


def installation_id(session: Session) -> str:
    """The stored id, made on first use; two processes racing for it agree on one."""
    row = session.get(Installation, _ROW)
    if row is not None:
        return row.token
    try:
        with session.begin_nested():
            session.add(Installation(id=_ROW, token=secrets.token_hex(8), created_at=utcnow()))
    except IntegrityError:
        pass  # another process stored its id first: that one is read below
    row = session.get(Installation, _ROW, populate_existing=True)
    assert row is not None
    return row.token
