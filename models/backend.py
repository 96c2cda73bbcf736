"""The SQLite file: opening it safely, migrating it, and transactions."""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from .errors import CorruptDatabaseError, NewerDatabaseError, StoreError
from .migrations import MIGRATIONS, SCHEMA_VERSION

DB_FILENAME = "intake.sqlite3"
BUSY_TIMEOUT_MS = 5000


def connect(path: str | os.PathLike) -> sqlite3.Connection:
    """A connection with the house pragmas; autocommit, transactions are explicit."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # a printed receipt must survive a power cut
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Backend:
    """One SQLite file, opened through sqlite-utils, migrated to the current schema."""

    def __init__(self, path: str | os.PathLike, *, migrate: bool = True, before_migrate=None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = connect(self.path)
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise CorruptDatabaseError(
                f"数据库文件无法打开（{exc}）。请从备份恢复。",
                f"The database file cannot be opened ({exc}); restore a backup.") from exc
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise NewerDatabaseError(
                f"数据库由较新版本的程序创建（结构版本 {version}，本程序支持到 {SCHEMA_VERSION}）。"
                "为避免损坏数据，本程序不会打开它，请升级程序。",
                f"This database was written by a newer version (schema {version}, this "
                f"program knows up to {SCHEMA_VERSION}); it was not touched. Upgrade the program.")
        self.db = sqlite_utils.Database(self.conn)
        self._lock = threading.RLock()
        self._depth = 0
        if migrate and version < SCHEMA_VERSION:
            if before_migrate is not None and version > 0:
                before_migrate(self, version)
            self._migrate(version)

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self, current: int) -> None:
        for number in range(current + 1, SCHEMA_VERSION + 1):
            sql = MIGRATIONS[number - 1]
            try:
                self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.Error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; nested use joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            else:
                self._depth = 0
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise StoreError(f"保存失败：{exc}", f"Commit failed: {exc}") from exc

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # settings are small JSON values, read often, written seldom
    def get_setting(self, key: str, default: Any = None) -> Any:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else json.loads(value)

    def set_setting(self, key: str, value: Any) -> None:
        self.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (key, json.dumps(value, ensure_ascii=False)))

    def integrity_problems(self, quick: bool = True) -> list[str]:
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = [r[0] for r in self.query(f"PRAGMA {pragma}")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    def checkpoint(self) -> None:
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            self.conn.close()
