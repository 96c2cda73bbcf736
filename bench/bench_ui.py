#!/usr/bin/env python3
"""Figures for the window on a big store (see bench/generate_store.py).

    .venv/bin/python bench/generate_store.py /tmp/bench-1m          # once, ~3 min
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui.py /tmp/bench-1m

Prints, with units:
- start-up to a shown, usable main window (``main.py`` in a fresh process, signed in
  non-interactively, exits when shown), and an empty QMainWindow started the same way;
- the case list's first page (from asking to rows in the model), paging on;
- search: time to the first page of results, p50/p95 over 1–2 character Chinese,
  words, phrases, a credit code, a receipt number; and when the total count arrives;
- filters (department, colour, channel, date range);
- routing suggestions while typing (first one includes loading the segmenter);
- resident memory (now and peak);
- the longest block of the UI thread, measured by a 5 ms heartbeat timer during all of
  the above (after the window is shown), and the time to build the window itself.
Numbers only; no pass/fail (targets: start ≤ 1.5 s, page ≤ 100 ms, search p95 ≤ 100 ms,
RSS ≤ 300 MB, UI block ≤ 100 ms).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EMPTY_WINDOW = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "from PySide6.QtCore import QTimer\n"
    "app = QApplication(sys.argv[:1]); w = QMainWindow(); w.show()\n"
    "QTimer.singleShot(0, lambda: (print('shown', flush=True), app.quit()))\n"
    "app.exec()\n"
)


def time_to_shown(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT, text=True)
    for line in proc.stdout:
        if line.strip() == "shown":
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"{cmd} ended without showing a window")
    proc.wait(timeout=60)
    return elapsed


# The same start with the store's start-up integrity check and daily backup switched off
# (models/backup.py), to show what they cost on a big file.
WITHOUT_CHECK = (
    "import sys, runpy\n"
    "sys.path.insert(0, '.')\n"
    "import models.backup as b\n"
    "b.check_database = lambda *a, **k: None\n"
    "b.backup_if_due = lambda *a, **k: None\n"
    "sys.argv = ['main.py'] + sys.argv[1:]\n"
    "runpy.run_path('main.py', run_name='__main__')\n"
)


def cold_start(data_dir: str, runs: int) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QYSQ_SIGNIN="bench:bench-pass", QYSQ_EXIT_WHEN_SHOWN="1")
    app_cmd = [sys.executable, "main.py", "--data-dir", data_dir]
    first = time_to_shown(app_cmd, env)  # may include the daily backup (models/backup.py)
    app_times = [time_to_shown(app_cmd, env) for _ in range(runs)]
    bare = [time_to_shown([sys.executable, "-c", WITHOUT_CHECK, "--data-dir", data_dir], env) for _ in range(runs)]
    empty = [time_to_shown([sys.executable, "-c", EMPTY_WINDOW], env) for _ in range(runs)]
    return {"first_start_s": first, "app_median_s": statistics.median(app_times), "app_min_s": min(app_times),
            "without_check_median_s": statistics.median(bare),
            "empty_median_s": statistics.median(empty), "ratio": statistics.median(app_times) / statistics.median(empty),
            "ratio_without_check": statistics.median(bare) / statistics.median(empty)}


class Heartbeat:
    """A 5 ms timer on the UI thread; a late tick is a block of the UI thread."""

    def __init__(self, interval_ms: int = 5):
        from ui.qt import QTimer

        self.interval = interval_ms / 1000
        self.longest = 0.0
        self.where = ""
        self.label = ""
        self.blocks: list[tuple[float, str]] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last - self.interval
        self._last = now
        if gap > 0.05:
            self.blocks.append((gap, self.label))
        if gap > self.longest:
            self.longest, self.where = gap, self.label


def wait_for(signal, timeout_s: float = 30.0, trigger=None) -> float:
    """Seconds from ``trigger()`` until ``signal`` fires (event loop running)."""
    from PySide6.QtCore import QEventLoop

    from ui.qt import QTimer

    loop = QEventLoop()
    fired = []

    def done(*_args):
        if not fired:
            fired.append(time.perf_counter())
            loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    started = time.perf_counter()
    if trigger:
        trigger()
    if not fired:
        loop.exec()
    signal.disconnect(done)
    if not fired:
        raise TimeoutError("signal did not fire")
    return fired[0] - started


def pump(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop

    from ui.qt import QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def rss_mib() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    to_mib = lambda v: int(v.split()[0]) / 1024  # noqa: E731
    return to_mib(fields["VmRSS"]), to_mib(fields["VmHWM"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def in_process(data_dir: str) -> dict:
    from models.store import Store
    from models.users import Users
    from ui import errors
    from ui.app import build_main_window, make_application
    from ui.qt import Qt

    errors.SUPPRESS_DIALOGS = True
    make_application()
    store = Store.open(data_dir)
    user = Users(store.backend).authenticate("bench", "bench-pass")
    # the app loads the router while the sign-in dialog waits for the clerk (ui/app.py):
    # measured here as its own phase, with the heartbeat running
    import threading

    sign_in_beat = Heartbeat()
    sign_in_beat.label = "sign-in (router loading)"
    loaded = threading.Event()
    threading.Thread(target=lambda: (store.router, loaded.set()), daemon=True).start()
    router_started = time.perf_counter()
    while not loaded.is_set() and time.perf_counter() - router_started < 30:
        pump(0.05)
    sign_in_beat.timer.stop()
    router_s = time.perf_counter() - router_started
    started = time.perf_counter()
    window = build_main_window(store, user)
    window.show()
    build_s = time.perf_counter() - started
    beat = Heartbeat()
    out: dict = {"build_and_show_window_s": build_s, "router_load_s": router_s,
                 "sign_in_block_longest_ms": sign_in_beat.longest * 1000}
    beat.label = "idle after show"
    pump(1.5)

    cases = window.cases
    model = cases.model
    beat.label = "case list first page"
    first_view = wait_for(model.page_loaded, trigger=lambda: window.show_view(1))
    reloads = [wait_for(model.page_loaded, trigger=model.reload) for _ in range(10)]
    out["first_page_ms"] = {"first_view": first_view * 1000, "median": statistics.median(reloads) * 1000,
                            "max": max(reloads) * 1000}
    wait_for(model.count_changed, timeout_s=60) if model.total is None else None
    beat.label = "scrolling (fetchMore)"
    pages = []
    for _ in range(5):
        pages.append(wait_for(model.page_loaded, trigger=model.fetchMore))
    out["next_page_ms_median"] = statistics.median(pages) * 1000

    sample = model.case_at(0)
    queries = ["电", "税", "许可", "跳闸", "变压器", "食品经营", "营业执照 延续", "停电 影响生产", "不存在的字眼",
               sample["uscc"], sample["receipt_no"], sample["enterprise_name"][:4]]
    timings, counts, per_query = [], [], {}
    for q in queries:
        for _ in range(3):
            beat.label = f"search {q!r}"
            cases.search_edit.setText(q)
            took = wait_for(model.page_loaded, trigger=cases.apply_filter)
            timings.append(took)
            per_query.setdefault(q, []).append(took * 1000)
            if model.total is None:
                counts.append(wait_for(model.count_changed, timeout_s=60) + took)
            else:
                counts.append(took)
    out["search_first_page_ms"] = {"p50": pct(timings, 0.5) * 1000, "p95": pct(timings, 0.95) * 1000,
                                   "max": max(timings) * 1000}
    out["search_count_ms"] = {"p50": pct(counts, 0.5) * 1000, "p95": pct(counts, 0.95) * 1000,
                              "max": max(counts) * 1000}
    out["search_by_query_ms"] = {q: round(statistics.median(v), 1) for q, v in per_query.items()}
    cases.search_edit.setText("")

    filter_times = {}
    steps = [
        ("department", lambda: cases.dept_combo.setCurrentIndex(cases.dept_combo.findData("D07"))),
        ("+ colour red", lambda: cases.colour_combo.setCurrentIndex(cases.colour_combo.findData("red"))),
        ("colour yellow only", lambda: (cases.reset_filters(),
                                        cases.colour_combo.setCurrentIndex(cases.colour_combo.findData("yellow")))),
        ("channel 12345", lambda: (cases.reset_filters(),
                                   cases.channel_combo.setCurrentIndex(cases.channel_combo.findData("12345热线")))),
        ("date range (30 days)", lambda: (cases.reset_filters(), cases.date_check.setChecked(True))),
        ("search 电 + department", lambda: (cases.reset_filters(), cases.search_edit.setText("电"),
                                          cases.dept_combo.setCurrentIndex(cases.dept_combo.findData("D07")))),
    ]
    for name, step in steps:
        beat.label = f"filter {name}"
        filter_times[name] = wait_for(model.page_loaded, trigger=step) * 1000
        pump(0.2)
    out["filter_first_page_ms"] = filter_times
    for name in ("sort by deadline", "sort by received"):
        beat.label = name
        column = 6 if "deadline" in name else 1
        cases.reset_filters()
        pump(0.3)
        out.setdefault("sort_first_page_ms", {})[name] = wait_for(
            model.page_loaded, trigger=lambda: cases.table.sortByColumn(column, Qt.DescendingOrder)) * 1000

    window.show_view(0)
    intake = window.intake
    beat.label = "routing while typing"
    route_times = []
    for text in ("我公司变压器经常跳闸，影响生产", "申请办理食品经营许可证延续", "增值税留抵退税迟迟未到账"):
        intake.content_edit.setPlainText(text)
        route_times.append(wait_for(intake.suggestion_list.model().rowsInserted, timeout_s=30) * 1000)
    out["routing_suggestions_ms"] = {"first_incl_segmenter_load": route_times[0], "later": route_times[1:]}
    intake.clear_form()
    intake.discard_draft()
    beat.label = "idle"
    pump(1.0)
    rss, peak = rss_mib()
    out["rss_mib"] = rss
    out["rss_peak_mib"] = peak
    out["ui_block_longest_ms"] = beat.longest * 1000
    out["ui_block_longest_during"] = beat.where
    out["ui_blocks_over_50ms"] = [(round(g * 1000), w) for g, w in sorted(beat.blocks, reverse=True)[:8]]
    window.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-start", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from models.store import Store
    probe = Store.open(args.data_dir)
    n = probe.count_cases()
    probe.close()
    result = {"cases": n}
    if not args.skip_start:
        result["start"] = cold_start(args.data_dir, args.runs)
    result["window"] = in_process(args.data_dir)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    s, w = result.get("start"), result["window"]
    print(f"store: {n:,} cases")
    if s:
        print(f"start to shown main window: median {s['app_median_s'] * 1000:.0f} ms, min {s['app_min_s'] * 1000:.0f} ms "
              f"(first start {s['first_start_s'] * 1000:.0f} ms); empty QMainWindow {s['empty_median_s'] * 1000:.0f} ms; "
              f"ratio {s['ratio']:.2f}x")
        print(f"  same without the start-up integrity check and daily backup (models/backup.py): median "
              f"{s['without_check_median_s'] * 1000:.0f} ms, ratio {s['ratio_without_check']:.2f}x")
    print(f"build + show main window in process: {w['build_and_show_window_s'] * 1000:.0f} ms")
    fp = w["first_page_ms"]
    print(f"case list first page: first view {fp['first_view']:.1f} ms, reload median {fp['median']:.1f} ms, "
          f"max {fp['max']:.1f} ms; next page (scroll) median {w['next_page_ms_median']:.1f} ms")
    sp, sc = w["search_first_page_ms"], w["search_count_ms"]
    print(f"search first page: p50 {sp['p50']:.1f} ms, p95 {sp['p95']:.1f} ms, max {sp['max']:.1f} ms "
          f"({len(w['search_by_query_ms'])} queries x3)")
    print(f"search total count (background): p50 {sc['p50']:.1f} ms, p95 {sc['p95']:.1f} ms, max {sc['max']:.1f} ms")
    print("  per query (median ms): " + ", ".join(f"{q} {v}" for q, v in w["search_by_query_ms"].items()))
    print("filters, first page: " + ", ".join(f"{k} {v:.1f} ms" for k, v in w["filter_first_page_ms"].items()))
    print("sorting, first page: " + ", ".join(f"{k} {v:.1f} ms" for k, v in w["sort_first_page_ms"].items()))
    r = w["routing_suggestions_ms"]
    print(f"routing suggestions after typing: first {r['first_incl_segmenter_load']:.0f} ms, "
          f"then " + ", ".join(f"{x:.0f} ms" for x in r["later"]) + " (incl. 350 ms debounce)")
    print(f"resident memory: {w['rss_mib']:.0f} MiB (peak {w['rss_peak_mib']:.0f} MiB)")
    print(f"router load during sign-in (app loads it while the clerk signs in): {w['router_load_s'] * 1000:.0f} ms, "
          f"longest UI-thread block meanwhile {w['sign_in_block_longest_ms']:.0f} ms")
    print(f"longest UI-thread block: {w['ui_block_longest_ms']:.0f} ms during {w['ui_block_longest_during']}")
    if w["ui_blocks_over_50ms"]:
        print("  blocks over 50 ms: " + ", ".join(f"{g} ms ({where})" for g, where in w["ui_blocks_over_50ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
