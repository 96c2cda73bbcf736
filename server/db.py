"""Connection pool and versioned SQL migrations (server/migrations/NNN_name.sql, recorded
in ``schema_migrations``)."""
from __future__ import annotations

import re
import threading
from importlib import resources

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

_MIGRATION_LOCK = 0x1A7A_5E12  # advisory lock id: one migrator at a time
_NAME = re.compile(r"^(\d{3})_[A-Za-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("server") / "migrations"
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration numbers in server/migrations: {versions}")
    return found


def migrate(database_url: str) -> list[str]:
    """Apply the migrations not yet recorded; each in its own transaction. Returns names applied."""
    applied = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version integer PRIMARY KEY, name text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            known = migration_files()
            newest = max((v for v, _, _ in known), default=0)
            if done and max(done) > newest:
                raise RuntimeError(f"the database has schema version {max(done)}, newer than this "
                                   f"server ({newest}); refusing to run")
            for version, name, sql in known:
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)",
                                 (version, name))
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied


def make_pool(database_url: str, min_size: int, max_size: int) -> ConnectionPool:
    pool = ConnectionPool(database_url, min_size=min_size, max_size=max_size, open=False,
                          kwargs={"row_factory": dict_row}, timeout=30)
    pool.open(wait=True, timeout=30)
    return pool


class Database:
    """The app's connection pool, (re)opened on first use: the ASGI lifespan closes it at
    shutdown, and an app driven by several test clients in turn opens it again."""

    def __init__(self, database_url: str, min_size: int, max_size: int):
        self.database_url, self.min_size, self.max_size = database_url, min_size, max_size
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    def _get(self) -> ConnectionPool:
        pool = self._pool
        if pool is None or pool.closed:
            with self._lock:
                if self._pool is None or self._pool.closed:
                    self._pool = make_pool(self.database_url, self.min_size, self.max_size)
                pool = self._pool
        return pool

    def connection(self):
        return self._get().connection()

    def open(self) -> None:
        self._get()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
