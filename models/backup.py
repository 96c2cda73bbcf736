"""Looking after the data: WAL checkpoints, integrity check at start, rolling backups made
with SQLite's online backup API, restore, and moving the data directory.

Qt-free; the GUI (ui/settings_view, ui/app) and ``main.py backup|restore`` call these.

Decisions (also in docs/windows-build.md):

- Backups live in ``<data_dir>/backups/intake-YYYYMMDD-HHMMSS-<kind>.sqlite3``; ``kind``
  is ``daily``, ``manual`` or ``pre-migrate-v<N>``.  Every backup is written to a
  ``.partial`` file, checked with ``PRAGMA quick_check`` and only then renamed, so a file
  with the final name is a verified backup.  The newest ``backup_keep`` (setting, default
  14) are kept; older ones are deleted.
- A daily backup is made at start (and by :class:`DataCare` while the window stays
  open) when none was made on the current day; one is always made before a migration.
- The integrity check at start runs before the store opens whenever the last session did
  not end cleanly (power cut, kill, crash: a ``session-<pid>.open`` marker of a process
  that is gone is left in the data directory). After a clean shutdown the window opens at
  once and :class:`DataCare` runs the same check in the background (on a million-case
  file ``quick_check`` takes seconds), reporting a problem to the window.
- Restore closes the store, replaces the database file atomically (``os.replace``) and
  keeps the replaced file as ``intake.sqlite3.before-restore`` (its WAL too).
- The data directory's location, when moved, is recorded in a pointer file
  ``<user_config_dir>/data-dir.json`` (``{"data_dir": "..."}``); the config directory is
  platformdirs' ``user_config_dir("qiye-suqiu", "county-intake")`` (on Windows
  ``%LOCALAPPDATA%\\county-intake\\qiye-suqiu``), or ``$QYSQ_CONFIG_DIR`` when set.
  An explicit ``--data-dir`` always wins over the pointer.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from .backend import DB_FILENAME
from .errors import CorruptDatabaseError, StoreError

log = logging.getLogger("models.backup")

BACKUP_DIR = "backups"
DEFAULT_KEEP = 14
KEEP_SETTING = "backup_keep"
POINTER_FILE = "data-dir.json"
_NAME = re.compile(r"^intake-(\d{8})-(\d{6})(?:-(\d+))?-([a-z0-9-]+)\.sqlite3$")


# -- errors ----------------------------------------------------------------------------
class CorruptStoreError(CorruptDatabaseError):
    """The database failed its integrity check; names the newest good backup (if any)."""

    def __init__(self, db_path: Path, problems: list[str], backup: Path | None):
        self.db_path = Path(db_path)
        self.problems = list(problems)
        self.backup = backup
        first = (problems[0] if problems else "?")[:200]
        if backup:
            zh = (f"数据库文件已损坏（{first}）。可以从最近的完好备份恢复：{backup.name}"
                  f"（{backup}）。恢复后，该备份之后登记的诉求需要重新录入或从县级服务器同步。")
            en = f"The database is damaged ({first}). Restore the newest good backup: {backup}"
        else:
            zh = f"数据库文件已损坏（{first}），且没有可用的备份。请联系技术支持。"
            en = f"The database is damaged ({first}) and there is no usable backup."
        super().__init__(zh, en)

    def as_dict(self) -> dict:
        d = super().as_dict()
        d["database"] = str(self.db_path)
        d["backup"] = str(self.backup) if self.backup else None
        d["problems"] = self.problems[:10]
        return d


# -- integrity -------------------------------------------------------------------------
class CheckInterrupted(Exception):
    """The check was stopped (the window is closing) before it finished."""


def quick_check(path: str | os.PathLike, *, stop: threading.Event | None = None) -> list[str]:
    """``PRAGMA quick_check`` of a database file; [] when it is sound. With ``stop``, the
    check ends early (``CheckInterrupted``) once the event is set."""
    path = Path(path)
    if not path.exists():
        return [f"missing: {path}"]
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    if stop is not None:
        conn.set_progress_handler(lambda: 1 if stop.is_set() else 0, 20_000)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.OperationalError as exc:
        if stop is not None and stop.is_set():
            raise CheckInterrupted() from exc
        return [str(exc)]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def check_database(data_dir: str | os.PathLike) -> None:
    """Start-up check: raise :class:`CorruptStoreError` naming the newest good backup when
    the database file exists and fails ``quick_check``.  A missing file is a first run."""
    db = Path(data_dir) / DB_FILENAME
    if not db.exists():
        return
    problems = quick_check(db)
    if problems:
        log.error("database failed quick_check: %s", problems[:3])
        raise CorruptStoreError(db, problems, newest_good_backup(data_dir))
    (Path(data_dir) / CHECK_FAILED_FILE).unlink(missing_ok=True)


# -- backups -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: dt.datetime
    kind: str
    size: int

    def as_dict(self) -> dict:
        return {"path": str(self.path), "made_at": self.made_at.isoformat(), "kind": self.kind,
                "size": self.size}


def backup_dir(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / BACKUP_DIR


def list_backups(data_dir: str | os.PathLike) -> list[BackupInfo]:
    """Verified backups (by name), newest first."""
    folder = backup_dir(data_dir)
    out = []
    if folder.is_dir():
        for f in folder.iterdir():
            m = _NAME.match(f.name)
            if not m:
                continue
            made = dt.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S")
            out.append(BackupInfo(f, made, m.group(4), f.stat().st_size))
    out.sort(key=lambda b: (b.made_at, b.path.name), reverse=True)
    return out


def newest_good_backup(data_dir: str | os.PathLike) -> Path | None:
    for info in list_backups(data_dir):
        if not quick_check(info.path):
            return info.path
    return None


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Consistent copy of a live database with the online backup API (readers and the
    writer of the source go on meanwhile); written beside ``target`` and renamed in
    place only after ``quick_check`` passes.  The copy is a single file (journal DELETE)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{Path(source).as_posix()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst, pages=1024)   # steps: the writer is never locked out for long
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.commit()
        finally:
            dst.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"备份失败：{exc}", f"Backup failed: {exc}") from exc
    finally:
        src.close()
    problems = quick_check(partial)
    if problems:
        partial.unlink(missing_ok=True)
        raise StoreError(f"备份校验失败：{problems[0]}", f"The backup failed its check: {problems[0]}")
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)
    _fsync_dir(target.parent)
    return target


def make_backup(data_dir: str | os.PathLike, kind: str = "manual", *, keep: int | None = None,
                source: str | os.PathLike | None = None, when: dt.datetime | None = None) -> Path:
    """One verified backup of ``<data_dir>/intake.sqlite3``; prunes to ``keep`` newest."""
    data_dir = Path(data_dir)
    source = Path(source) if source else data_dir / DB_FILENAME
    when = when or dt.datetime.now()
    folder = backup_dir(data_dir)
    stem = f"intake-{when:%Y%m%d-%H%M%S}"
    target = folder / f"{stem}-{kind}.sqlite3"
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}-{kind}.sqlite3"
        n += 1
    copy_database(source, target)
    log.info("backup made: %s", target.name)
    prune_backups(data_dir, keep if keep is not None else read_keep(source))
    return target


def read_keep(db_path: str | os.PathLike) -> int:
    """The ``backup_keep`` setting (default 14) read straight from the file."""
    try:
        conn = sqlite3.connect(f"file:{Path(db_path).as_posix()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (KEEP_SETTING,)).fetchone()
        finally:
            conn.close()
        return max(1, int(json.loads(row[0]))) if row else DEFAULT_KEEP
    except (sqlite3.Error, ValueError, TypeError):
        return DEFAULT_KEEP


def prune_backups(data_dir: str | os.PathLike, keep: int = DEFAULT_KEEP) -> list[Path]:
    removed = []
    for info in list_backups(data_dir)[max(1, keep):]:
        try:
            info.path.unlink()
            removed.append(info.path)
        except OSError as exc:
            log.warning("could not remove old backup %s: %s", info.path.name, exc)
    for stale in backup_dir(data_dir).glob("*.partial") if backup_dir(data_dir).is_dir() else ():
        stale.unlink(missing_ok=True)
    return removed


def daily_backup_due(data_dir: str | os.PathLike, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return not any(b.made_at.date() == today for b in list_backups(data_dir))


def backup_if_due(data_dir: str | os.PathLike) -> Path | None:
    data_dir = Path(data_dir)
    if not (data_dir / DB_FILENAME).exists() or not daily_backup_due(data_dir):
        return None
    return make_backup(data_dir, "daily")


def before_migrate_hook(data_dir: str | os.PathLike):
    """For ``Store.open(before_migrate=...)``: a verified backup before every migration."""
    def hook(backend, version: int) -> None:
        make_backup(data_dir, f"pre-migrate-v{version}", source=backend.path)
    return hook


# -- restore -----------------------------------------------------------------------------
def restore(data_dir: str | os.PathLike, backup_file: str | os.PathLike, store=None) -> Path:
    """Replace the database with ``backup_file`` (checked first).  ``store``, when given,
    is closed first (the caller opens a new one).  The replaced file is kept as
    ``intake.sqlite3.before-restore``.  Returns the database path."""
    data_dir = Path(data_dir)
    backup_file = Path(backup_file)
    problems = quick_check(backup_file)
    if problems:
        raise StoreError(f"所选备份无法使用：{problems[0]}", f"The backup is not usable: {problems[0]}")
    if store is not None:
        store.close()
    db = data_dir / DB_FILENAME
    staged = data_dir / (DB_FILENAME + ".restoring")
    staged.unlink(missing_ok=True)
    shutil.copyfile(backup_file, staged)
    with open(staged, "rb+") as fh:
        os.fsync(fh.fileno())
    if quick_check(staged):
        staged.unlink(missing_ok=True)
        raise StoreError("复制备份时出错，未做任何更改。", "Copying the backup failed; nothing was changed.")
    if db.exists():
        keep = data_dir / (DB_FILENAME + ".before-restore")
        os.replace(db, keep)
        for suffix in ("-wal", "-shm"):
            side = data_dir / (DB_FILENAME + suffix)
            if side.exists():
                if suffix == "-wal":
                    os.replace(side, data_dir / (DB_FILENAME + ".before-restore-wal"))
                else:
                    side.unlink()
    os.replace(staged, db)
    _fsync_dir(data_dir)
    log.info("database restored from %s", backup_file.name)
    return db


# -- where the data lives ------------------------------------------------------------------
def config_dir() -> Path:
    env = os.environ.get("QYSQ_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("qiye-suqiu", "county-intake"))


def pointer_path() -> Path:
    return config_dir() / POINTER_FILE


def pointed_data_dir() -> Path | None:
    """The data directory recorded by a move, or None."""
    try:
        data = json.loads(pointer_path().read_text(encoding="utf-8"))
        return Path(data["data_dir"]) if data.get("data_dir") else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_pointer(target: Path) -> None:
    path = pointer_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"data_dir": str(target), "moved_at": dt.datetime.now().isoformat()},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


_DB_FILES = {DB_FILENAME, DB_FILENAME + "-wal", DB_FILENAME + "-shm"}


def move_data_dir(data_dir: str | os.PathLike, target: str | os.PathLike, store=None) -> Path:
    """Copy the data to ``target`` (the database through the backup API, everything else
    — attachments, archived PDFs, drafts, backups, logs — file by file), check it, then
    switch the pointer file.  The old directory is left in place with a note (the clerk
    deletes it once the new place is known good).  ``store`` is closed at the end."""
    source = Path(data_dir).resolve()
    target = Path(target).resolve()
    if target == source or source in target.parents:
        raise StoreError("新位置不能是当前数据目录或其子目录。", "The new place is inside the current one.")
    if target.exists() and any(target.iterdir()):
        raise StoreError("新位置必须是空文件夹。", "The new place must be an empty folder.")
    target.mkdir(parents=True, exist_ok=True)
    if (source / DB_FILENAME).exists():
        copy_database(source / DB_FILENAME, target / DB_FILENAME)
    for entry in source.iterdir():
        if entry.name in _DB_FILES or entry.name.endswith((".partial", ".restoring")):
            continue
        dest = target / entry.name
        if entry.is_dir():
            shutil.copytree(entry, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, dest)
    problems = quick_check(target / DB_FILENAME) if (target / DB_FILENAME).exists() else []
    if problems:
        raise StoreError(f"新位置的数据库校验失败：{problems[0]}", "The copied database failed its check.")
    if store is not None:
        store.close()
    _write_pointer(target)
    try:
        (source / "MOVED.txt").write_text(f"数据已迁移到 {target}\nData moved to {target}\n", encoding="utf-8")
    except OSError:
        pass
    log.info("data directory moved")
    return target


# -- opening with care -----------------------------------------------------------------------
def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    from .store import default_data_dir

    return default_data_dir()


# -- sessions: was the last shutdown clean? ---------------------------------------------
def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # cannot tell cheaply: treat as gone, so the check runs up front
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


CHECK_FAILED_FILE = "integrity-check-failed"


def unclean_shutdown(data_dir: str | os.PathLike) -> bool:
    """True when a session marker of a process that is gone is left behind, or when the
    last background check found damage (so the next start checks, and offers a restore)."""
    if (Path(data_dir) / CHECK_FAILED_FILE).exists():
        return True
    for marker in Path(data_dir).glob("session-*.open"):
        try:
            pid = int(marker.stem.split("-", 1)[1])
        except ValueError:
            return True
        if not _pid_alive(pid):
            return True
    return False


def _begin_session(store) -> None:
    folder = Path(store.data_dir)
    for marker in folder.glob("session-*.open"):
        try:
            pid = int(marker.stem.split("-", 1)[1])
        except ValueError:
            pid = -1
        if not _pid_alive(pid):
            marker.unlink(missing_ok=True)
    own = folder / f"session-{os.getpid()}.open"
    own.write_text(dt.datetime.now().isoformat(timespec="seconds"), encoding="utf-8")
    store.add_close_callback(lambda: own.unlink(missing_ok=True))


def open_store(data_dir: str | os.PathLike | None = None, *, daily_backup: bool = True,
               check: str = "always"):
    """What every entry point should use: integrity check (raises CorruptStoreError with
    the newest good backup), backup before migrations, daily backup.

    ``check="if_unclean"`` checks up front only after an unclean shutdown; the caller then
    runs :class:`DataCare` with ``check_at_start=True`` for the background check."""
    from .store import Store

    folder = resolve_data_dir(data_dir)
    if check == "always" or unclean_shutdown(folder):
        check_database(folder)
    try:
        store = Store.open(folder, before_migrate=before_migrate_hook(folder))
    except sqlite3.DatabaseError as exc:  # damage quick_check did not see
        raise CorruptStoreError(folder / DB_FILENAME, [str(exc)], newest_good_backup(folder)) from exc
    _begin_session(store)
    if daily_backup:
        try:
            backup_if_due(folder)
        except (StoreError, OSError) as exc:  # a failed backup must not stop the window
            log.warning("daily backup failed: %s", exc)
    return store


class DataCare:
    """Background upkeep while the window is open: a passive WAL checkpoint every
    ``checkpoint_every`` seconds and the daily backup (checked hourly).  ``stop()`` then
    closing the store does the final TRUNCATE checkpoint (``Store.close``)."""

    def __init__(self, store, *, checkpoint_every: float = 300.0, backup_every: float = 3600.0,
                 check_at_start: bool = False, on_problem=None):
        self.store = store
        self.checkpoint_every = checkpoint_every
        self.backup_every = backup_every
        self.check_at_start = check_at_start
        # called from the upkeep thread with a CorruptStoreError; the window marshals it
        self.on_problem = on_problem
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "DataCare":
        self._thread = threading.Thread(target=self._run, name="data-care", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def checkpoint(self) -> None:
        try:
            self.store.backend.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.warning("checkpoint failed: %s", exc)

    def _check_in_background(self) -> bool:
        """The start-up check, after the window is shown. False when the file is damaged
        (then no backup is made of it)."""
        db = Path(self.store.data_dir) / DB_FILENAME
        try:
            problems = quick_check(db, stop=self._stop)
        except CheckInterrupted:
            return False   # closing: neither judged nor backed up; the next start checks again
        if not problems:
            return True
        log.error("database failed background quick_check: %s", problems[:3])
        (Path(self.store.data_dir) / CHECK_FAILED_FILE).write_text("; ".join(problems[:3]), encoding="utf-8")
        if self.on_problem is not None:
            self.on_problem(CorruptStoreError(db, problems, newest_good_backup(self.store.data_dir)))
        return False

    def _run(self) -> None:
        last_backup = 0.0
        import time

        if self.check_at_start:
            if not self._check_in_background():
                return
            last_backup = time.monotonic()
            try:
                backup_if_due(self.store.data_dir)
            except Exception as exc:  # noqa: BLE001 - upkeep never kills the app
                log.warning("daily backup failed: %s", exc)

        while not self._stop.wait(self.checkpoint_every):
            self.checkpoint()
            if time.monotonic() - last_backup >= self.backup_every:
                last_backup = time.monotonic()
                try:
                    backup_if_due(self.store.data_dir)
                except Exception as exc:  # noqa: BLE001 - upkeep never kills the app
                    log.warning("daily backup failed: %s", exc)
