"""Schema migrations for the two databases, through yoyo.

yoyo speaks DB-API (psycopg2), so these functions are synchronous; the server calls
them through ``asyncio.to_thread`` at start-up.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql
from yoyo import get_backend, read_migrations

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"
DATABASES = ("core", "notify")


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def create_database_if_missing(url: str, template: str | None = None) -> bool:
    """Create the database named in ``url``; True if it was created."""
    name = _database_name(url)
    connection = psycopg2.connect(_maintenance_url(url))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
            cursor.execute(statement)
            return True
    finally:
        connection.close()


def drop_database(url: str) -> None:
    connection = psycopg2.connect(_maintenance_url(url))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_database_name(url)))
            )
    finally:
        connection.close()


def _migrations(database: str):
    return read_migrations(str(MIGRATIONS_ROOT / database))


def pending(url: str, database: str) -> list[str]:
    """Ids of the migrations not yet applied to the database at ``url``."""
    backend = get_backend(url)
    try:
        return [migration.id for migration in backend.to_apply(_migrations(database))]
    finally:
        backend.connection.close()


def apply(url: str, database: str) -> list[str]:
    """Create the database if needed and apply its pending migrations; returns their ids."""
    create_database_if_missing(url)
    backend = get_backend(url)
    try:
        with backend.lock():
            to_apply = backend.to_apply(_migrations(database))
            backend.apply_migrations(to_apply)
            return [migration.id for migration in to_apply]
    finally:
        backend.connection.close()
