"""Logs and crash reports hold no token, password or phone number; case ids stay.

Real code paths log here: the sync client enrolling and syncing against a server that
is not there, the unexpected-exception hooks (main thread and worker threads), the UI's
bug reporting (ui.errors) and the crash dialog's notifier, the data-care messages."""
from __future__ import annotations

import logging
import re
import sys
import threading
from pathlib import Path

import pytest

from models import logs

TOKEN = "tq4Xv9RkPz2LmN8sWc7YbH1dJf6Ga3Ke"          # urlsafe, like secrets.token_urlsafe
HEX_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PASSWORD = "Hunter2-Secret"
MOBILE = "13912345678"
LANDLINE = "0571-87654321"
CASE_ID = "01938a6e-7c2b-7d4e-9a10-3f5b2c1d0e9f"
RECEIPT = "SA01-20261204-0007"
FORBIDDEN = (TOKEN, HEX_SECRET, PASSWORD, MOBILE, "139 1234 5678", "87654321", "Hunter2")


@pytest.fixture
def log_setup(tmp_path):
    data_dir = tmp_path / "data"
    path = logs.setup_logging(data_dir, level=logging.DEBUG)
    yield data_dir, path
    logs.uninstall_excepthooks()
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_qysq_log", False):
            root.removeHandler(h)
            h.close()


def _all_text(data_dir: Path) -> str:
    parts = []
    for f in sorted(data_dir.rglob("*")):
        if f.is_file() and f.suffix in (".log", ".txt") or f.name.startswith(("intake.log", "window.log")):
            parts.append(f.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _assert_clean(text: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, f"{secret!r} leaked into the logs"
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


def test_redact_masks_secrets_and_keeps_identifiers():
    text = (f"Authorization: Bearer {TOKEN} token={HEX_SECRET} password: {PASSWORD} "
            f'{{"password": "{PASSWORD}"}} 密码：{PASSWORD} call {MOBILE}, +86 139 1234 5678, {LANDLINE}, '
            f"(0571)87654321 case {CASE_ID} receipt {RECEIPT} uscc 91330100MA27XK5L3H "
            f"at 2026-12-04 20:05:50,123 path /tmp/data/backups/intake-20261204-200550-daily.sqlite3")
    out = logs.redact(text)
    _assert_clean(out)
    for keep in (CASE_ID, RECEIPT, "91330100MA27XK5L3H", "2026-12-04 20:05:50,123",
                 "intake-20261204-200550-daily.sqlite3"):
        assert keep in out


def test_sync_paths_and_backups_log_nothing_secret(log_setup, tmp_path, shared_petitions):
    data_dir, path = log_setup
    from models import backup
    from sync import client, credentials

    store = backup.open_store(data_dir)
    try:
        case = store.register(dict(shared_petitions[0], phone=MOBILE), clerk="王芳")
        logging.getLogger("ui").info("saved case %s receipt %s for %s", case["id"], case["receipt_no"], case["phone"])
        credentials.remember_for_session(store.device_id, TOKEN)
        logs.register_secret(TOKEN)
        # a sync round against a server that is not there, with the token in hand
        with store.backend.transaction():
            store.backend.set_setting(client.S_SERVER, "http://127.0.0.1:9")
        result = client.sync_once(store, token=TOKEN)
        assert not result.ok
        with pytest.raises(Exception):
            client.enroll(store, "http://127.0.0.1:9", "ENROL-" + TOKEN, allow_no_keyring=True)
        logging.getLogger("sync").warning("retrying with Authorization: Bearer %s for %s", TOKEN, MOBILE)
        logging.getLogger("httpx").debug("headers {'authorization': 'Bearer %s'} password=%s", TOKEN, PASSWORD)
        backup.make_backup(data_dir, "manual")
    finally:
        store.close()
    text = _all_text(data_dir)
    assert case["id"] in text                        # case ids identify what happened
    assert "backup made" in text
    _assert_clean(text)


def test_unexpected_exceptions_write_a_redacted_report(log_setup):
    data_dir, path = log_setup
    seen = []
    logs.install_excepthooks(data_dir, on_crash=lambda report, exc: seen.append((report, exc)))

    def worker():
        token, phone = TOKEN, MOBILE     # locals that a careless message might quote
        raise RuntimeError(f"push failed for case {CASE_ID}: Bearer {token} contact {phone} "
                           f"password={PASSWORD} landline {LANDLINE}")

    t = threading.Thread(target=worker, name="sync-worker")
    t.start()
    t.join()
    try:
        {}["missing"]
    except KeyError:
        sys.excepthook(*sys.exc_info())

    assert len(seen) == 2
    reports = sorted((data_dir / "crash-reports").glob("crash-*.txt"))
    assert len(reports) == 2 and {r for r, _ in seen} == set(reports)
    first = reports[0].read_text(encoding="utf-8")
    assert "RuntimeError" in first and CASE_ID in first and "sync-worker" in first
    assert "Traceback" in first
    _assert_clean(_all_text(data_dir))
    assert "unexpected RuntimeError" in path.read_text(encoding="utf-8")


def test_user_errors_are_not_crashes(log_setup):
    data_dir, _ = log_setup
    from models.errors import ValidationError

    shown, crashed = [], []
    logs.install_excepthooks(data_dir, on_crash=lambda r, e: crashed.append(e), user_error=shown.append)
    try:
        raise ValidationError("统一社会信用代码校验位不正确。", "Bad USCC check digit.")
    except ValidationError:
        sys.excepthook(*sys.exc_info())
    assert len(shown) == 1 and not crashed
    assert not (data_dir / "crash-reports").exists()


@pytest.mark.gui
def test_ui_bug_path_and_crash_dialog_keep_logs_clean(log_setup, qtbot, quiet_dialogs):
    data_dir, path = log_setup
    from ui import errors
    from ui.crash_dialog import install_crash_handling

    try:
        raise ValueError(f"could not parse reply for {CASE_ID} from {MOBILE} token {TOKEN}")
    except ValueError as exc:
        errors.show_exception(exc)

    notifier = install_crash_handling(data_dir)

    def worker():
        raise RuntimeError(f"receipt printer said Bearer {TOKEN} for {LANDLINE}")

    t = threading.Thread(target=worker, name="print-worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(notifier.shown) == 1, timeout=3000)
    report, text = notifier.shown[0]
    assert report.exists() and report.parent == data_dir / "crash-reports"
    assert str(report) in text and "drafts" in text
    _assert_clean(_all_text(data_dir))
    _assert_clean(text)
    assert CASE_ID in path.read_text(encoding="utf-8")


def test_logs_rotate(log_setup):
    data_dir, path = log_setup
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_qysq_log", False))
    assert handler.maxBytes == logs.MAX_BYTES and handler.backupCount == logs.BACKUP_COUNT
    logging.getLogger("t").info("before rollover %s", MOBILE)
    handler.doRollover()
    logging.getLogger("t").info("after rollover")
    assert (path.parent / (path.name + ".1")).exists()
    _assert_clean(_all_text(data_dir))


def test_command_line_logs_to_the_data_dir_without_personal_data(tmp_path, shared_petitions):
    import json
    import os
    import subprocess

    data_dir = tmp_path / "data"
    record = dict(shared_petitions[0], phone=MOBILE, content=shared_petitions[0]["content"] + f" 联系电话{LANDLINE}")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "main.py", "intake", "--data-dir", str(data_dir)],
                         input=json.dumps(record, ensure_ascii=False) + "\n", capture_output=True,
                         text=True, cwd=repo, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    case_id = json.loads(run.stdout)["case_id"]
    run = subprocess.run([sys.executable, "main.py", "backup", "--data-dir", str(data_dir)],
                         capture_output=True, text=True, cwd=repo, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    log = (data_dir / "logs" / "cli.log").read_text(encoding="utf-8")
    assert "backup made" in log
    _assert_clean(_all_text(data_dir))
    assert case_id                   # stored; nothing about the petitioner in the log
