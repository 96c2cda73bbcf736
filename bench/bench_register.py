"""Registering one case on a store of 100,000 cases, against a bare sqlite3 baseline.

    .venv/bin/python bench/bench_register.py [--cases 100000] [--runs 200]

The store is filled by registering the 180 shared example petitions through the real
path, then replicating their rows with SQL (cases, events, FTS rows, receipt sequence)
up to the requested size: synthetic bulk, same schema and indexes. Then each timed run
is one ``Store.register`` (validate, route, deadline, events, projection, FTS, router
learning, COMMIT with synchronous=FULL). The baseline is a bare sqlite3 INSERT of the
same case row plus COMMIT into a table of the same columns, with the same pragmas, in
a file of the same size class, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.backend import connect  # noqa: E402
from models.search import fts_text  # noqa: E402
from models.store import CASE_COLUMNS, Store  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "petitions-train.jsonl"


def fill(store: Store, rows: list[dict], target: int) -> None:
    for r in rows:
        store.register(r, clerk="bench")
    b = store.backend
    have = store.count_cases()
    round_no = 0
    while have < target:
        round_no += 1
        batch = min(have, target - have)
        with b.transaction():
            b.execute(f"""
                INSERT INTO cases({','.join(CASE_COLUMNS)})
                SELECT {','.join(
                    "lower(hex(randomblob(16)))" if c == "id" else
                    f"receipt_no || '-R{round_no}'" if c == "receipt_no" else c for c in CASE_COLUMNS)}
                FROM cases ORDER BY rowid LIMIT ?""", (batch,))
            first_new = b.scalar("SELECT max(rowid) FROM cases") - batch + 1
            b.conn.executemany("INSERT INTO cases_fts(rowid, body) VALUES (?, ?)", [
                (r[0], fts_text(r[1], r[2], r[3], r[4])) for r in b.query(
                    "SELECT rowid, title, content, enterprise_name, contact FROM cases WHERE rowid >= ?",
                    (first_new,))])
            b.execute("""
                INSERT INTO events(event_id, case_id, device_id, type, payload, created_at, prev_hash, hash,
                                   origin, push_state)
                SELECT lower(hex(randomblob(16))), case_id, device_id, type, payload, created_at, prev_hash,
                       hash, 'remote', NULL FROM events ORDER BY seq LIMIT ?""", (batch * 2,))
        have = store.count_cases()


def bench_store(n_cases: int, runs: int, rows: list[dict]) -> tuple[list[float], Path]:
    data = Path(tempfile.mkdtemp(prefix="bench-register-"))
    store = Store.open(data)
    t0 = time.perf_counter()
    fill(store, rows, n_cases)
    print(f"store filled: {store.count_cases():,} cases in {time.perf_counter() - t0:.1f} s", flush=True)
    store.route("预热", "预热")  # the router is built once per process, not per case
    full, window = [], []
    for i in range(runs):
        rec = rows[i % len(rows)]
        t = time.perf_counter()
        store.register(rec, clerk="bench")
        full.append(time.perf_counter() - t)
        # at the window the suggestions were computed while the clerk typed
        shown = store.route(rec["title"], rec["content"])
        t = time.perf_counter()
        store.register(rec, clerk="bench", suggestions=shown)
        window.append(time.perf_counter() - t)
    store.close()
    return full, window, data


def bench_bare(runs: int, rows: list[dict], data: Path) -> list[float]:
    path = data / "bare.sqlite3"
    conn = connect(path)
    cols = [c for c in CASE_COLUMNS]
    conn.execute(f"CREATE TABLE cases ({', '.join(c + (' TEXT PRIMARY KEY' if c == 'id' else '') for c in cols)})")
    src = Store.open(data)
    sample = src.list_cases(limit=len(rows))
    src.close()
    times = []
    for i in range(runs):
        case = dict(sample[i % len(sample)])
        case["id"] = f"bare-{i}"
        case["co_depts"] = json.dumps(case["co_depts"], ensure_ascii=False)
        values = [case[c] for c in cols]
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"INSERT INTO cases VALUES ({','.join('?' * len(cols))})", values)
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t)
    conn.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    rows = [json.loads(line) for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()]
    full, window, data = bench_store(args.cases, args.runs, rows)
    bare = bench_bare(args.runs, rows, data)
    bare_med = statistics.median(bare)
    print(f"bare sqlite3 INSERT + COMMIT, same pragmas: median {bare_med * 1000:.2f} ms ({args.runs} runs)")
    for label, times in (("register incl. routing (CLI path)", full),
                         ("register, suggestions already shown (window path)", window)):
        med = statistics.median(times)
        p95 = sorted(times)[int(0.95 * len(times)) - 1]
        print(f"{label} on {args.cases:,} cases: median {med * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
              f"ratio to bare {med / bare_med:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
