"""Log files and crash reports, with nothing secret or personal in them.

- :func:`setup_logging` — rotating files ``<data_dir>/logs/intake.log`` (2 MB × 5),
  every record passed through :class:`RedactingFilter` on the handler, so records of
  every logger (ours, sync's, httpx's) are scrubbed before they reach the disk.
- :func:`redact` — masks bearer tokens, ``token=``/``password=``-style values (also
  密码/口令 and JSON keys), long hex or base64 strings (secrets, hashes), mainland mobile
  numbers ``1[3-9]\\d{9}`` (with optional +86 and separators) and landlines
  (``0xxx-xxxxxxx``).  Case ids (UUIDs), receipt numbers (``SA01-20261204-0007``) and
  USCCs stay readable: they are what identifies a case in a log.
- :func:`install_excepthooks` — ``sys.excepthook`` and ``threading.excepthook``: a bug
  writes a redacted report to ``<data_dir>/crash-reports/crash-<time>.txt``, is logged,
  and ``on_crash(report_path, exc)`` is called (the GUI shows ui/crash_dialog.py).
  User errors (models.errors.is_user_error) go to the ``user_error`` handler instead.

Qt-free.
"""
from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import os
import platform
import re
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable

LOG_DIR = "logs"
LOG_FILE = "intake.log"
CRASH_DIR = "crash-reports"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

MASK = "***"
_secrets: set[str] = set()
_secrets_lock = threading.Lock()

_PATTERNS: list[tuple[re.Pattern, str]] = [
    # Authorization: Bearer xxx / Basic xxx
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1\2" + MASK),
    # key=value, key: value, "key": "value" for secret-ish keys (English and Chinese)
    (re.compile(r"""(?ix)
        (["']?\b(?:password|passwd|pwd|pass|secret|token|access_token|refresh_token|api[_-]?key|
                   authorization|credential|enrol(?:l)?(?:ment)?[_ ]?code|cookie|signature)\b["']?
         \s*[:=]\s*["']?)
        ([^\s"',;&}]+)"""), r"\1" + MASK),
    (re.compile(r"((?:密码|口令|令牌|登记码)\s*[:：=为是]?\s*)(\S+)"), r"\1" + MASK),
    # long hex runs (hashes, keys); UUIDs have at most 12 hex digits in a run
    (re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])"), MASK),
    # long base64url-ish runs with upper case, lower case and digits (random secrets, JWT
    # parts); case ids (lower-case UUIDs) lack upper case, paths have '/': both are kept
    (re.compile(r"(?<![A-Za-z0-9+_-])(?=[A-Za-z0-9+_-]*\d)(?=[A-Za-z0-9+_-]*[a-z])(?=[A-Za-z0-9+_-]*[A-Z])"
                r"[A-Za-z0-9+_-]{20,}={0,2}"), MASK),
    # mainland mobile numbers, optionally +86 / 86 and spaced or dashed 3-4-4
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"), MASK),
    # landlines: area code 0xx(x) then 7-8 digits, optional extension; also (0571)1234567
    (re.compile(r"(?<![\d-])(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?:[- ]?(?:转|ext\.?|-)\s*\d{1,5})?(?!\d)"), MASK),
]


def register_secret(value: str | None) -> None:
    """A value that must never reach a log file verbatim (a token this process holds)."""
    if value and len(value) >= 6:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Put on a handler: scrubs the message, its arguments and any traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logged as it is
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None and not getattr(record, "_redacted_exc", False):
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record._redacted_exc = True
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def log_dir(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / LOG_DIR


def setup_logging(data_dir: str | os.PathLike, *, level: int = logging.INFO,
                  filename: str = LOG_FILE) -> Path:
    """Rotating, redacted log file for this data directory (idempotent; a new data
    directory moves the file).  Returns the log file's path."""
    path = log_dir(data_dir) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_qysq_log", False):
            if Path(h.baseFilename) == path.resolve():
                _redact_other_handlers(root)
                return path
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                                   encoding="utf-8", delay=False)
    handler._qysq_log = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_FILTER)
    root.addHandler(handler)
    root.setLevel(level)
    _redact_other_handlers(root)
    return path


def _redact_other_handlers(root: logging.Logger) -> None:
    """Any file handler someone else put on the root logger is scrubbed too (and our
    stderr echo of the command line)."""
    for h in root.handlers:
        if (isinstance(h, logging.FileHandler) or getattr(h, "_qysq_stderr", False)) and _FILTER not in h.filters:
            h.addFilter(_FILTER)


# -- crash reports ------------------------------------------------------------------------
def crash_dir(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / CRASH_DIR


def write_crash_report(data_dir: str | os.PathLike, exc_type, exc, tb, *, thread: str | None = None) -> Path:
    """A redacted text report: when, versions, thread, traceback.  Returns its path."""
    folder = crash_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.txt"
    try:
        from importlib.metadata import version

        app_version = version("qiye-suqiu")
    except Exception:  # noqa: BLE001 - frozen bundles may lack metadata
        app_version = "unknown"
    lines = [
        "企业诉求受理 — crash report",
        f"time: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"version: {app_version}",
        f"python: {sys.version.split()[0]}  frozen: {bool(getattr(sys, 'frozen', False))}",
        f"platform: {platform.platform()}",
        f"thread: {thread or threading.current_thread().name}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)),
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(redact("\n".join(lines)), encoding="utf-8")
    os.replace(tmp, path)
    return path


CrashCallback = Callable[[Path, BaseException], None]
_installed: dict = {}


def install_excepthooks(data_dir: str | os.PathLike, *, on_crash: CrashCallback | None = None,
                        user_error: Callable[[BaseException], None] | None = None) -> None:
    """Route unexpected exceptions (main thread and other threads) to a crash report.

    ``on_crash(report, exc)`` is called after the report is written (from the thread that
    failed: a GUI must hop to its main thread).  ``user_error(exc)``, when given, gets
    the exceptions that are the user's environment, not a bug (no report for those)."""
    from .errors import is_user_error

    log = logging.getLogger("crash")
    previous_sys = _installed.get("sys_prev", sys.excepthook)
    previous_thread = _installed.get("thread_prev", threading.excepthook)

    def handle(exc_type, exc, tb, thread_name=None) -> None:
        if exc_type is None or issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            return previous_sys(exc_type, exc, tb)
        if user_error is not None and exc is not None and is_user_error(exc):
            try:
                user_error(exc)
                return
            except Exception:  # noqa: BLE001 - fall through to a report
                pass
        try:
            report = write_crash_report(data_dir, exc_type, exc, tb, thread=thread_name)
        except Exception:  # noqa: BLE001 - the disk may be the problem
            report = None
        log.error("unexpected %s; report %s", exc_type.__name__, report.name if report else "not written",
                  exc_info=(exc_type, exc, tb))
        if on_crash is not None and report is not None:
            try:
                on_crash(report, exc)
                return
            except Exception:  # noqa: BLE001
                log.exception("crash callback failed")
        if on_crash is None:
            sys.stderr.write(f"内部错误，报告已保存：{report}\n" if report else "内部错误。\n")

    def sys_hook(exc_type, exc, tb) -> None:
        handle(exc_type, exc, tb)

    def thread_hook(args) -> None:
        if args.exc_type is SystemExit:
            return
        handle(args.exc_type, args.exc_value, args.exc_traceback,
               thread_name=args.thread.name if args.thread else None)

    _installed.setdefault("sys_prev", sys.excepthook)
    _installed.setdefault("thread_prev", threading.excepthook)
    sys.excepthook = sys_hook
    threading.excepthook = thread_hook


def uninstall_excepthooks() -> None:
    if "sys_prev" in _installed:
        sys.excepthook = _installed.pop("sys_prev")
    if "thread_prev" in _installed:
        threading.excepthook = _installed.pop("thread_prev")
