"""Named SQL: ``sql/<area>/*.sql`` loaded once through aiosql's asyncpg adapter."""
from __future__ import annotations

import functools
from pathlib import Path

import aiosql
from aiosql.queries import Queries

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"


@functools.cache
def queries(area: str) -> Queries:
    return aiosql.from_path(SQL_ROOT / area, "asyncpg")
