"""Data care on real SQLite files: backups (online backup API), restore, corruption found
at start with a backup offered, migration from the previous schema keeps every case,
moving the data directory, WAL checkpoint on close."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models import backup
from models.backend import DB_FILENAME
from models.migrations import MIGRATIONS, SCHEMA_VERSION
from models.store import Store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """The data-dir pointer file goes to a private config dir, never the user's."""
    monkeypatch.setenv("QYSQ_CONFIG_DIR", str(tmp_path / "config"))


def _register(store, petitions, n, start=0):
    return [store.register(p, clerk="王芳")["id"] for p in petitions[start:start + n]]


def _case_ids(data_dir) -> list[str]:
    conn = sqlite3.connect(Path(data_dir) / DB_FILENAME)
    try:
        return sorted(r[0] for r in conn.execute("SELECT id FROM cases"))
    finally:
        conn.close()


def _corrupt_middle(path: Path) -> None:
    """Overwrite bytes in the middle of the file (whole pages, so quick_check must see it)."""
    size = path.stat().st_size
    page = 4096
    middle = (size // 2) // page * page
    with open(path, "r+b") as fh:
        fh.seek(middle)
        fh.write(os.urandom(page * 3))


def test_backup_and_restore_round_trip(data_dir, shared_petitions):
    store = backup.open_store(data_dir)
    first = _register(store, shared_petitions, 5)
    made = backup.make_backup(data_dir, "manual")
    assert made.exists() and backup.quick_check(made) == []
    later = _register(store, shared_petitions, 2, start=5)

    db = backup.restore(data_dir, made, store=store)   # closes the store
    assert db == data_dir / DB_FILENAME
    kept = data_dir / (DB_FILENAME + ".before-restore")
    assert sorted(first + later) == _case_ids_of_file(kept)

    reopened = backup.open_store(data_dir)
    try:
        assert sorted(r["id"] for r in reopened.backend.query("SELECT id FROM cases")) == sorted(first)
        case = reopened.get_case(first[0])
        assert case["receipt_no"] and case["title"]
        assert reopened.verify_local_chain() == []
        # the store goes on working after a restore
        again = reopened.register(shared_petitions[9], clerk="王芳")
        assert reopened.get_case(again["id"]) is not None
    finally:
        reopened.close()


def _case_ids_of_file(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(r[0] for r in conn.execute("SELECT id FROM cases"))
    finally:
        conn.close()


def test_backups_are_verified_and_rolled(data_dir, shared_petitions):
    store = backup.open_store(data_dir)
    try:
        _register(store, shared_petitions, 2)
        with store.backend.transaction():
            store.backend.set_setting(backup.KEEP_SETTING, 3)
        import datetime as dt

        base = dt.datetime(2026, 3, 1, 9, 0, 0)
        for day in range(6):
            backup.make_backup(data_dir, "daily", when=base + dt.timedelta(days=day))
    finally:
        store.close()
    kept = backup.list_backups(data_dir)
    # the start-up daily backup of today plus the newest of the six, three in all
    assert len(kept) == 3
    assert all(backup.quick_check(b.path) == [] for b in kept)
    assert not list(backup.backup_dir(data_dir).glob("*.partial"))
    assert kept[0].made_at > kept[1].made_at > kept[2].made_at


def test_daily_backup_made_once_per_day_at_start(data_dir):
    backup.open_store(data_dir).close()          # first run: nothing to back up yet
    backup.open_store(data_dir).close()
    backup.open_store(data_dir).close()
    daily = [b for b in backup.list_backups(data_dir) if b.kind == "daily"]
    assert len(daily) == 1


def test_corrupt_database_is_detected_at_start_and_a_backup_offered(data_dir, shared_petitions):
    store = backup.open_store(data_dir)
    ids = _register(store, shared_petitions, 40)
    good = backup.make_backup(data_dir, "manual")
    store.close()
    _corrupt_middle(data_dir / DB_FILENAME)

    with pytest.raises(backup.CorruptStoreError) as info:
        backup.open_store(data_dir)
    err = info.value
    assert err.backup == good
    assert good.name in err.zh and err.code == "corrupt_database"
    assert err.as_dict()["backup"] == str(good)

    # the command line says the same and exits 2; restore brings the cases back
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "main.py", "route", "--data-dir", str(data_dir)],
                         input="{}\n", capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert run.returncode == 2, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["error"]["code"] == "corrupt_database"
    assert answer["error"]["backup"] == str(good)

    run = subprocess.run([sys.executable, "main.py", "restore", good.name, "--data-dir", str(data_dir)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["cases"] == len(ids)
    assert (data_dir / (DB_FILENAME + ".before-restore")).exists()
    reopened = backup.open_store(data_dir)
    try:
        assert sorted(r[0] for r in reopened.backend.query("SELECT id FROM cases")) == sorted(ids)
        assert reopened.backend.integrity_problems() == []
    finally:
        reopened.close()


def test_corrupt_database_without_backups_says_so(data_dir, shared_petitions):
    store = Store.open(data_dir)
    _register(store, shared_petitions, 40)
    store.close()
    _corrupt_middle(data_dir / DB_FILENAME)
    with pytest.raises(backup.CorruptStoreError) as info:
        backup.open_store(data_dir)
    assert info.value.backup is None and "没有可用的备份" in info.value.zh


def test_a_damaged_backup_is_refused_for_restore(data_dir, tmp_path, shared_petitions):
    store = backup.open_store(data_dir)
    _register(store, shared_petitions, 40)
    bad = backup.make_backup(data_dir, "manual")
    store.close()
    _corrupt_middle(bad)
    from models.errors import StoreError

    with pytest.raises(StoreError):
        backup.restore(data_dir, bad)
    assert _case_ids(data_dir)     # the database was not touched


def _previous_version_database(source_dir: Path, target_dir: Path) -> Path:
    """A real database at schema SCHEMA_VERSION-1 holding the rows of ``source_dir``'s
    (current) database: the old migrations, then every common column copied over."""
    from models.search import fts_text

    target_dir.mkdir(parents=True)
    path = target_dir / DB_FILENAME
    old = sqlite3.connect(path, isolation_level=None)
    prev = SCHEMA_VERSION - 1
    for number, sql in enumerate(MIGRATIONS[:prev], start=1):
        old.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    old.execute("ATTACH DATABASE ? AS cur", (str(source_dir / DB_FILENAME),))
    old.execute("BEGIN")
    old.execute("PRAGMA foreign_keys = OFF")
    tables = [r[0] for r in old.execute(
        "SELECT name FROM main.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'cases_fts%'")]
    for table in tables:
        cols_old = [r[1] for r in old.execute(f"PRAGMA main.table_info({table})")]
        cols_cur = {r[1] for r in old.execute(f"PRAGMA cur.table_info({table})")}
        cols = ",".join(c for c in cols_old if c in cols_cur)
        old.execute(f"INSERT INTO main.{table}({cols}) SELECT {cols} FROM cur.{table}")
    for row in old.execute("SELECT rowid, title, content, enterprise_name, contact FROM main.cases").fetchall():
        old.execute("INSERT INTO main.cases_fts(rowid, body) VALUES (?, ?)", (row[0], fts_text(*row[1:])))
    old.execute("COMMIT")
    old.execute("DETACH DATABASE cur")
    assert old.execute("PRAGMA user_version").fetchone()[0] == prev
    old.close()
    return path


@pytest.mark.skipif(SCHEMA_VERSION < 2, reason="needs two migrations")
def test_migration_from_previous_schema_keeps_every_case(tmp_path, shared_petitions):
    current = tmp_path / "current"
    store = Store.open(current)
    ids = _register(store, shared_petitions, 30)
    lead = store.get_case(ids[3])["lead_dept"]
    store.record_reply(ids[3], dept_code=lead, analysis="已现场核查。", measures="已派员处理。",
                       policy_basis="有关规定。", actor=lead)
    store.evaluate(ids[3], "不满意", clerk="王芳")        # reopens as rework: a rich case
    before = {r["id"]: dict(r) for r in store.backend.query("SELECT * FROM cases")}
    store.close()

    old_dir = tmp_path / "old"
    _previous_version_database(current, old_dir)

    migrated = backup.open_store(old_dir)
    try:
        assert migrated.backend.schema_version == SCHEMA_VERSION
        after = {r["id"]: dict(r) for r in migrated.backend.query("SELECT * FROM cases")}
        assert after == before
        assert after[ids[3]]["rework_count"] == 1
        assert migrated.backend.scalar("SELECT count(*) FROM replies") == 1
        assert migrated.verify_local_chain() == []
        from models.search import CaseFilter

        hits = migrated.list_cases(CaseFilter(text=before[ids[0]]["title"][:2]))
        assert ids[0] in {c["id"] for c in hits}
        # the store keeps working on the migrated file
        new = migrated.register(shared_petitions[40], clerk="王芳")
        assert migrated.get_case(new["id"]) is not None
    finally:
        migrated.close()
    pre = [b for b in backup.list_backups(old_dir) if b.kind == f"pre-migrate-v{SCHEMA_VERSION - 1}"]
    assert len(pre) == 1
    conn = sqlite3.connect(pre[0].path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == len(ids)
    finally:
        conn.close()


def test_move_data_directory(tmp_path, shared_petitions):
    old = tmp_path / "old-place"
    store = backup.open_store(old)
    ids = _register(store, shared_petitions, 3)
    attachment = tmp_path / "scan.txt"
    attachment.write_text("营业执照扫描件", encoding="utf-8")
    store.add_attachment(ids[0], attachment, clerk="王芳")
    sha = store.attachments_of(ids[0])[0]["sha256"]

    target = tmp_path / "new-place"
    moved = backup.move_data_dir(old, target, store=store)
    assert moved == target.resolve()
    assert backup.pointed_data_dir() == target.resolve()
    assert json.loads(backup.pointer_path().read_text(encoding="utf-8"))["data_dir"] == str(target.resolve())
    assert (old / "MOVED.txt").exists()

    from models.store import default_data_dir

    assert default_data_dir() == target.resolve()
    reopened = backup.open_store(None)           # no --data-dir: the pointer decides
    try:
        assert reopened.data_dir == target.resolve()
        assert sorted(r[0] for r in reopened.backend.query("SELECT id FROM cases")) == sorted(ids)
        assert reopened.attachment_path(sha).read_text(encoding="utf-8") == "营业执照扫描件"
    finally:
        reopened.close()


def test_move_refuses_a_non_empty_target(tmp_path):
    old = tmp_path / "a"
    backup.open_store(old).close()
    target = tmp_path / "b"
    target.mkdir()
    (target / "something").write_text("x")
    from models.errors import StoreError

    with pytest.raises(StoreError):
        backup.move_data_dir(old, target)
    assert backup.pointed_data_dir() is None


def test_close_checkpoints_the_wal(data_dir, shared_petitions):
    store = Store.open(data_dir)
    _register(store, shared_petitions, 3)
    wal = data_dir / (DB_FILENAME + "-wal")
    care = backup.DataCare(store, checkpoint_every=0.05).start()
    import time

    time.sleep(0.3)
    care.stop()
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0
    # the main file alone holds every case
    copy = data_dir.parent / "copy.sqlite3"
    copy.write_bytes((data_dir / DB_FILENAME).read_bytes())
    assert _case_ids_of_file(copy) == _case_ids(data_dir)


def test_cli_backup_and_list(data_dir, shared_petitions):
    store = Store.open(data_dir)
    _register(store, shared_petitions, 2)
    store.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "main.py", "backup", "--data-dir", str(data_dir)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    made = Path(json.loads(run.stdout)["backup"])
    assert made.exists() and backup.quick_check(made) == []
    run = subprocess.run([sys.executable, "main.py", "backup", "--list", "--data-dir", str(data_dir)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    listed = [b["path"] for b in json.loads(run.stdout)["backups"]]
    assert str(made) in listed


@pytest.mark.gui
def test_window_offers_the_backup_when_the_database_is_damaged(data_dir, shared_petitions, qtbot, quiet_dialogs):
    from ui.crash_dialog import offer_restore

    store = backup.open_store(data_dir)
    _register(store, shared_petitions, 40)
    good = backup.make_backup(data_dir, "manual")
    store.close()
    _corrupt_middle(data_dir / DB_FILENAME)
    with pytest.raises(backup.CorruptStoreError) as info:
        backup.open_store(data_dir)
    assert offer_restore(data_dir, info.value) is False      # dialogs suppressed: nothing done
    kind, text = quiet_dialogs[-1]
    assert kind == "question" and good.name in text and "before-restore" in text


KILLED_SESSION = r"""
import sys, time
from models import backup
store = backup.open_store(sys.argv[1], daily_backup=False, check="if_unclean")
print("open", flush=True)
time.sleep(60)
"""


def test_the_check_runs_up_front_after_an_unclean_shutdown(data_dir, shared_petitions):
    """Power cut (scenario 5): the next start checks the file before anything touches it."""
    import signal

    store = backup.open_store(data_dir, daily_backup=False, check="if_unclean")
    _register(store, shared_petitions, 40)
    store.close()
    assert not backup.unclean_shutdown(data_dir)           # a clean close leaves no marker
    assert not list(data_dir.glob("session-*.open"))

    proc = subprocess.Popen([sys.executable, "-c", KILLED_SESSION, str(data_dir)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    assert not backup.unclean_shutdown(data_dir)           # alive: not unclean
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert backup.unclean_shutdown(data_dir)
    _corrupt_middle(data_dir / DB_FILENAME)
    with pytest.raises(backup.CorruptStoreError):
        backup.open_store(data_dir, daily_backup=False, check="if_unclean")


def _corrupt_case_pages(path: Path) -> None:
    """Damage leaf pages of the cases table only, which opening the store does not read."""
    conn = sqlite3.connect(path)
    try:
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'cases' AND pagetype = 'leaf' ORDER BY pageno")]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    with open(path, "r+b") as fh:
        for pageno in pages[len(pages) // 2:][:3]:
            fh.seek((pageno - 1) * page_size + 8)
            fh.write(os.urandom(page_size - 8))


def test_after_a_clean_shutdown_the_check_runs_in_the_background(data_dir, shared_petitions):
    store = backup.open_store(data_dir, daily_backup=False, check="if_unclean")
    _register(store, shared_petitions, 180)
    good = backup.make_backup(data_dir, "manual")
    store.close()
    _corrupt_case_pages(data_dir / DB_FILENAME)
    # opens at once (no up-front check after a clean shutdown) …
    store = backup.open_store(data_dir, daily_backup=False, check="if_unclean")
    found = []
    care = backup.DataCare(store, checkpoint_every=3600, check_at_start=True, on_problem=found.append)
    care.start()
    care.stop(timeout=60)
    store.close()
    # … the background check reports the damage and names the backup …
    assert found and found[0].backup == good
    assert not [b for b in backup.list_backups(data_dir) if b.kind == "daily"]  # no backup of a damaged file
    # … and the next start checks up front and offers the restore
    with pytest.raises(backup.CorruptStoreError) as info:
        backup.open_store(data_dir, daily_backup=False, check="if_unclean")
    assert info.value.backup == good


def test_closing_the_window_stops_a_background_check_at_once(data_dir, shared_petitions):
    import threading
    import time

    store = backup.open_store(data_dir, daily_backup=False)
    _register(store, shared_petitions, 180)
    store.close()
    stop = threading.Event()
    stop.set()
    with pytest.raises(backup.CheckInterrupted):
        backup.quick_check(data_dir / DB_FILENAME, stop=stop)
    store = backup.open_store(data_dir, daily_backup=False, check="if_unclean")
    care = backup.DataCare(store, checkpoint_every=3600, check_at_start=True)
    care.start()
    started = time.monotonic()
    care.stop(timeout=30)
    assert time.monotonic() - started < 5
    store.close()
