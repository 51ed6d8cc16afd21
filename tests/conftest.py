"""Shared fixtures: a real database per test, and the optional ../shared data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import init_schema, make_engine

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get("LEUMUND_TEST_DATABASE_URL", "")


def pytest_configure(config: pytest.Config) -> None:
    """No test may reach the Hugging Face hub: a model id that is not on disk fails the same
    way with or without a network. Set before collection imports transformers."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _pg_available() -> bool:
    if not PG_URL:
        return False
    probe = make_engine(PG_URL)
    try:
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:  # any connection failure means: skip
        return False
    finally:
        probe.dispose()


@pytest.fixture(scope="session")
def pg_available() -> bool:
    return _pg_available()


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    init_schema(engine)
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database file for this test."""
    eng = _sqlite_engine(tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    """A URL to an empty schema of its own on the local PostgreSQL (skips without one)."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable (set LEUMUND_TEST_DATABASE_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on SQLite and, where it runs, on PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path)
    else:
        url = request.getfixturevalue("pg_url")
        eng = make_engine(url)
        init_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the repository; tests using it skip on a user's fresh clone."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (only developers and CI have it)")
    return SHARED
