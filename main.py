"""企业诉求受理 — entry point.

``python main.py`` opens the window; subcommands serve scripting, imports and tests.
Every subcommand takes ``--data-dir``, writes JSON to stdout and messages to stderr.

Exit codes: 0 everything done; 1 some records were refused (each reported, the rest
stored); 2 the command could not run at all (bad arguments, store refused, server
unreachable); 3 an internal error (a bug: traceback in the log).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

EXIT_OK, EXIT_PARTIAL, EXIT_FAILED, EXIT_BUG = 0, 1, 2, 3


def emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def open_store(args):
    # integrity check at start (CorruptStoreError names the newest good backup), a backup
    # before every migration and the daily backup: models/backup.py
    from models.backup import open_store as open_with_care

    return open_with_care(args.data_dir)


def error_entry(line: int, exc) -> dict:
    return {"line": line, "ok": False, "error": exc.as_dict()}


# -- subcommands -------------------------------------------------------------------------
def cmd_intake(args) -> int:
    from models.importer import read_json_lines

    store = open_store(args)
    printer = _receipt_printer(store, args.print) if args.print else None

    def register(item: dict) -> dict:
        case = store.register(item, clerk=args.clerk)
        out = _case_summary(case)
        if printer:
            out["receipt_pdf"] = str(printer(case))
        return out

    failures = _each_record(read_json_lines(sys.stdin), register)
    return EXIT_PARTIAL if failures else EXIT_OK


def _each_record(items, handle: Callable[[dict], dict]) -> int:
    """Feed each record to ``handle`` and print one JSON answer per line; a bad record is
    reported (stdout and stderr) and the rest go on. Returns how many were refused."""
    from models.errors import ValidationError

    failures = 0
    for number, item in items:
        try:
            if isinstance(item, ValidationError):
                raise item
            answer = handle(item)
        except ValidationError as exc:
            failures += 1
            emit(error_entry(number, exc))
            say(f"第{number}行：{exc.zh}")
            continue
        emit({"line": number, "ok": True, **answer})
    return failures


def _case_summary(case: dict) -> dict:
    keys = ("case_id", "receipt_no", "lead_dept", "co_depts", "grade", "received_at", "due_at",
            "deadline_provisional", "routing")
    out = {"case_id": case["id"]}
    out.update({k: case[k] for k in keys[1:] if k in case})
    out["deadline_provisional"] = bool(case["deadline_provisional"])
    if case.get("provisional_reason"):
        out["provisional_reason"] = case["provisional_reason"]
    return out


def _receipt_printer(store, directory: str) -> Callable[[dict], Path]:
    from printing import receipts

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)

    def write(case: dict) -> Path:
        return receipts.write_receipt_for_store(store, case, target)

    return write


def cmd_import(args) -> int:
    from models.importer import read_file

    store = open_store(args)
    counts = {"stored": 0, "skipped": 0}

    def import_one(item: dict) -> dict:
        case = store.import_record(item, clerk=args.clerk)
        if case is None:
            counts["skipped"] += 1
            return {"skipped": "already imported"}
        counts["stored"] += 1
        return _case_summary(case)

    failures = _each_record(read_file(args.file, args.format), import_one)
    say(f"导入完成：新增 {counts['stored']} 件，跳过重复 {counts['skipped']} 件，失败 {failures} 行。")
    return EXIT_PARTIAL if failures else EXIT_OK


def cmd_route(args) -> int:
    from models.errors import ValidationError
    from models.importer import read_json_lines
    from models.intake import check_text

    store = open_store(args)

    def route(item) -> dict:
        if not isinstance(item, dict):
            raise ValidationError("每条记录应为一个 JSON 对象。", "Each record must be a JSON object.")
        title = check_text(item.get("title"), "title", limit=store.county.title_limit)
        content = check_text(item.get("content"), "content", multiline=True, limit=store.county.content_limit)
        if not (title.strip() or content.strip()):
            raise ValidationError("缺少标题和内容。", "Both title and content are missing.", field="content")
        ranked = store.route(title, content, limit=args.limit)
        lead = ranked[0].dept
        return {"lead_dept": lead, "co_depts": store.router.suggest_co_depts(ranked, lead),
                "suggestions": [s.as_dict() for s in ranked]}

    failures = _each_record(read_json_lines(sys.stdin), route)
    return EXIT_PARTIAL if failures else EXIT_OK


def cmd_calendar(args) -> int:
    store = open_store(args)
    if args.load:
        data = json.loads(Path(args.load).read_text(encoding="utf-8"))
        changed = store.load_holiday_schedule(data, source=f"file:{Path(args.load).name}")
        emit({"ok": True, "year": data.get("year"), "recomputed_cases": changed})
    else:
        years = sorted(store.calendar.schedules)
        emit({"ok": True, "years": years, "missing": store.missing_schedule_years()})
    return EXIT_OK


# -- data care and the bundle's self-test (models/backup.py, docs/windows-build.md) --------
def cmd_backup(args) -> int:
    from models import backup

    folder = backup.resolve_data_dir(args.data_dir)
    if args.list:
        emit({"ok": True, "backups": [b.as_dict() for b in backup.list_backups(folder)]})
        return EXIT_OK
    store = open_store(args)  # checks the file first: never back up a damaged database
    try:
        path = backup.make_backup(folder, "manual", keep=args.keep)
    finally:
        store.close()
    emit({"ok": True, "backup": str(path), "kept": [str(b.path) for b in backup.list_backups(folder)]})
    say(f"已备份：{path}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from models import backup

    folder = backup.resolve_data_dir(args.data_dir)
    source = Path(args.file)
    if not source.is_absolute() and not source.exists():
        source = backup.backup_dir(folder) / source
    db = backup.restore(folder, source)
    from models.store import Store

    store = Store.open(folder, before_migrate=backup.before_migrate_hook(folder))
    try:
        cases = store.backend.scalar("SELECT count(*) FROM cases")
    finally:
        store.close()
    emit({"ok": True, "restored_from": str(source), "database": str(db),
          "replaced_file": str(db.with_name(db.name + ".before-restore")), "cases": cases})
    say(f"已从备份恢复：{source.name}（{cases} 件诉求）")
    return EXIT_OK


def cmd_selftest(args) -> int:
    """Checks what the frozen bundle needs at run time; JSON report, exit 0 only when every
    required check passes (keyring and next year's holiday schedule are warnings)."""
    import tempfile
    import time

    checks: dict[str, dict] = {}
    tmp = None
    folder = args.data_dir
    if not folder:
        tmp = tempfile.TemporaryDirectory(prefix="qysq-selftest-")
        folder = tmp.name

    def run(name: str, required: bool, fn) -> None:
        started = time.perf_counter()
        try:
            detail = fn() or {}
            ok = detail.pop("_ok", True)
            checks[name] = {"ok": bool(ok), "required": required, **detail}
        except Exception as exc:  # noqa: BLE001 - a check that fails is reported, not raised
            checks[name] = {"ok": False, "required": required, "error": f"{type(exc).__name__}: {exc}"}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)

    state: dict = {}

    def store_check():
        from models import backup

        state["store"] = store = backup.open_store(folder, daily_backup=False)
        problems = store.backend.integrity_problems(quick=True)
        return {"_ok": not problems, "data_dir": str(store.data_dir),
                "schema_version": store.backend.schema_version, "problems": problems}

    def receipt_check():
        from printing import font_status, render_receipt, samples

        store = state["store"]
        county = store.county.to_json()
        pdf = render_receipt(samples.case(), county, paper="a4", clerk_name=samples.CLERK)
        out = Path(folder) / "selftest-receipt.pdf"
        out.write_bytes(pdf)
        status = font_status()
        embedded = b"/FontFile2" in pdf
        return {"_ok": pdf.startswith(b"%PDF") and embedded and status.self_contained,
                "bytes": len(pdf), "embedded_font": embedded, "font": status.main_font,
                "font_path": status.main_path, "pdf": str(out), "warning": status.warning}

    def calendar_check():
        from models.calendar import bundled_schedules, now

        store = state["store"]
        bundled = sorted(s.year for s in bundled_schedules())
        loaded = sorted(store.calendar.schedules)
        next_year = now().year + 1
        # a day of a year without a schedule: the computed statutory holidays (python-holidays)
        import datetime as dt

        from models.calendar import BEIJING

        far = max(loaded + [next_year]) + 2   # surely without a schedule
        probe = store.deadline(dt.datetime(far, 9, 30, 10, 0, tzinfo=BEIJING), "simple")
        # one working day from 30 September: after the National Day holidays (1-3 October)
        # only when the statutory holidays were computed
        return {"_ok": bool(bundled) and set(bundled) <= set(loaded) and probe.provisional
                and probe.due_at.date() >= dt.date(far, 10, 4),
                "computed_fallback_due": probe.due_at.isoformat(), "bundled_years": bundled,
                "loaded_years": loaded,
                "next_year": {"year": next_year,
                              "status": "loaded" if next_year in loaded else "provisional"},
                "missing": store.missing_schedule_years()}

    def raster_check():
        # what print preview and printing do (ui/printing_qt.py): PDFium raster, Pillow to grey
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(Path(folder) / "selftest-receipt.pdf"))
        try:
            grey = doc[0].render(scale=0.5, grayscale=True).to_pil().convert("L")
        finally:
            doc.close()
        return {"_ok": grey.width > 100 and grey.height > 100, "pages_rendered": 1,
                "size": [grey.width, grey.height]}

    def routing_check():
        store = state["store"]
        ranked = store.route("厂区变压器频繁跳闸影响生产", "近一个月来厂区专用变压器频繁跳闸，停电导致停产")
        top = ranked[0] if ranked else None
        return {"_ok": top is not None and bool(top.dept), "lead_dept": top.dept if top else None,
                "suggestions": len(ranked)}

    def keyring_check():
        from sync import credentials

        usable = credentials.keyring_usable()
        return {"backend": credentials.backend_name(), "usable": usable,
                "warning": None if usable else "no usable keyring: enrolment keeps the token in memory only"}

    def qt_check():
        import os

        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui.qt import QApplication, QLibraryInfo, QTranslator

        app = QApplication.instance() or QApplication([sys.argv[0]])
        translations = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
        tr = QTranslator()
        qtbase = tr.load("qtbase_zh_CN", translations)
        return {"_ok": qtbase, "platform": app.platformName(), "translations": translations,
                "qtbase_zh_CN": qtbase}

    run("store", True, store_check)
    if "store" in state:
        run("receipt", True, receipt_check)
        if checks["receipt"]["ok"]:
            run("raster", True, raster_check)
        run("calendar", True, calendar_check)
        run("routing", True, routing_check)
    run("keyring", False, keyring_check)
    if not args.no_qt:
        run("qt", True, qt_check)
    if "store" in state:
        state["store"].close()
    ok = all(c["ok"] for c in checks.values() if c["required"]) and "store" in state
    warnings = [f"{k}: {c.get('warning') or c.get('error')}" for k, c in checks.items()
                if not c["required"] and (not c["ok"] or c.get("warning"))]
    nxt = checks.get("calendar", {}).get("next_year", {})
    if nxt.get("status") == "provisional":
        warnings.append(f"calendar: no holiday schedule for {nxt.get('year')} yet (deadlines provisional)")
    emit({"ok": ok, "frozen": bool(getattr(sys, "frozen", False)), "checks": checks, "warnings": warnings})
    for name, c in checks.items():
        say(f"{'通过' if c['ok'] else ('失败' if c['required'] else '警告')}  {name}")
    if tmp is not None:
        tmp.cleanup()
    return EXIT_OK if ok else EXIT_FAILED


def cmd_gui(args) -> int:
    from ui.app import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="企业诉求受理 — county intake window")
    parser.add_argument("--data-dir", help="data directory (default: the user data directory)")
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(dest="command")

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help="data directory")
        p.set_defaults(func=func)
        return p

    p = add("intake", cmd_intake, "register petitions, one JSON object per line on stdin")
    p.add_argument("--clerk", default=None, help="clerk recorded as first-contact owner")
    p.add_argument("--print", metavar="DIR", help="write each receipt PDF into DIR")
    p = add("import", cmd_import, "import history from other channels (jsonl, csv, xlsx)")
    p.add_argument("file")
    p.add_argument("--format", choices=["jsonl", "csv", "xlsx"])
    p.add_argument("--clerk", default="import")
    p = add("route", cmd_route, "suggest departments for JSON lines on stdin; stores nothing")
    p.add_argument("--limit", type=int, default=5)
    p = add("calendar", cmd_calendar, "show or load holiday schedules")
    p.add_argument("--load", metavar="FILE", help="a year's schedule as JSON")
    p = add("backup", cmd_backup, "make a verified backup of the database now (or --list them)")
    p.add_argument("--list", action="store_true", help="list the backups, newest first")
    p.add_argument("--keep", type=int, default=None, help="backups to keep (default: setting backup_keep, 14)")
    p = add("restore", cmd_restore, "replace the database with a backup (the old file is kept)")
    p.add_argument("file", help="backup file (a path, or a name in <data dir>/backups)")
    p = add("selftest", cmd_selftest, "check store, receipt PDF, calendar, routing, keyring, Qt")
    p.add_argument("--no-qt", action="store_true", help="skip the Qt check")
    for extra in _EXTRA_COMMANDS:
        extra(add)
    return parser


# Subcommands contributed by other parts (sync, printing, export, selftest): each entry
# is a function given ``add`` that registers its parser.
_EXTRA_COMMANDS: list[Callable] = []


def _load_extra_commands() -> None:
    import importlib

    for module in ("sync.cli", "ui.cli_commands", "printing.cli", "printing.report_cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        if mod.register_commands not in _EXTRA_COMMANDS:
            _EXTRA_COMMANDS.append(mod.register_commands)


def _wants_subcommand(argv: list[str]) -> bool:
    """False for the plain GUI start (``main.py [--data-dir D]``): the subcommands of
    sync, printing and ui are then not imported (0.3 s of a 2 s start)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--data-dir":
            skip = True
        elif token in ("-h", "--help") or not token.startswith("-"):
            return True
    return False


def _console_streams() -> None:
    """The windowed executable (PyInstaller on Windows) has no stdout/stderr: give it sinks."""
    import os

    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def _cli_logging(args) -> None:
    """Subcommands log to <data dir>/logs/cli.log (rotating, redacted: models/logs.py)."""
    if args.func in (cmd_gui, cmd_selftest) and not (args.func is cmd_selftest and args.data_dir):
        return  # the window sets up its own log; selftest in a temp dir leaves no trace
    try:
        from models.backup import resolve_data_dir
        from models.logs import setup_logging

        setup_logging(resolve_data_dir(args.data_dir), filename="cli.log")
        import logging

        root = logging.getLogger()
        if not any(getattr(h, "_qysq_stderr", False) for h in root.handlers):
            # warnings still reach stderr as before (logging's last resort did that)
            echo = logging.StreamHandler()
            echo.setLevel(logging.WARNING)
            echo._qysq_stderr = True  # type: ignore[attr-defined]
            root.addHandler(echo)
            setup_logging(resolve_data_dir(args.data_dir), filename="cli.log")  # redacts it too
    except OSError:
        pass  # an unwritable data dir is reported by the command itself


def _crash_report(args, exc: BaseException) -> str | None:
    try:
        from models.backup import resolve_data_dir
        from models.logs import write_crash_report

        folder = resolve_data_dir(args.data_dir)
        if not folder.exists():
            return None
        return str(write_crash_report(folder, type(exc), exc, exc.__traceback__))
    except Exception:  # noqa: BLE001 - the report is a courtesy; the traceback is on stderr
        return None


def main(argv: list[str] | None = None) -> int:
    _console_streams()
    if _wants_subcommand(sys.argv[1:] if argv is None else argv):
        _load_extra_commands()
    args = build_parser().parse_args(argv)
    if not hasattr(args, "data_dir"):
        args.data_dir = None
    _cli_logging(args)
    from models.errors import UserError

    try:
        return args.func(args)
    except UserError as exc:
        say(exc.zh + (f" ({exc.en})" if exc.en != exc.zh else ""))
        emit({"ok": False, "error": exc.as_dict()})
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so, keep the traceback
        import traceback

        traceback.print_exc()
        import logging

        logging.getLogger("main").error("bug in %s", getattr(args, "command", None) or "gui", exc_info=exc)
        error = {"code": "bug", "message": f"程序内部错误：{type(exc).__name__}"}
        report = _crash_report(args, exc)
        if report:
            error["report"] = report
            say(f"错误报告已保存：{report}")
        emit({"ok": False, "error": error})
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
