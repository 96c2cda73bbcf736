#!/usr/bin/env python3
"""A synthetic store of N cases (default 1,000,000) for the window's benchmarks.

    .venv/bin/python bench/generate_store.py /tmp/bench-1m [--cases 1000000]

SYNTHETIC: case rows and their full-text rows are bulk-inserted directly (big
transactions, synchronous=OFF while generating), not registered through events — there
is no event history, so a case's timeline is empty.  Everything the list, search,
colours and counts read is real: the schema, the indexes, the FTS5 index with one token
per CJK character, deadlines from the store's own calendar, receipt numbers per window
per day (and receipt_seq, so new registrations continue the sequence).  Texts are the
labelled petitions of ../shared/data with a few words varied.  Received times run over
about three years up to now; old cases are mostly closed, recent ones open, so there
are red and yellow cases.  A clerk ``bench`` / ``bench-pass`` (admin) is created.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PETITIONS = ROOT.parent / "shared" / "data" / "petitions-train.jsonl"
BATCH = 50_000
PLACES = ["城关镇", "工业园", "开发区", "河口乡", "柳湾乡", "东关村", "南岗村", "西街", "北山"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=40_000)
    parser.add_argument("--days", type=int, default=1100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from models import protocol as p
    from models import uscc as uscc_mod
    from models.calendar import BEIJING, iso, now
    from models.search import fts_text
    from models.store import CASE_COLUMNS, Store
    from models.users import Users

    started = time.perf_counter()
    data_dir = Path(args.data_dir)
    store = Store.open(data_dir)
    if store.count_cases():
        print(f"{data_dir} already holds cases; use an empty directory", file=sys.stderr)
        return 2
    users = Users(store.backend)
    if users.needs_first_admin():
        users.create("bench", "压测管理员", "bench-pass", "admin")
    with store.backend.transaction():
        store.backend.set_setting("first_run_done", True)
    county, window = store.county, store.window_code
    depts = list(county.departments)
    petitions = [json.loads(line) for line in PETITIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(args.seed)
    db_path = store.backend.path
    store.close()

    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("PRAGMA foreign_keys = OFF")

    # enterprises with valid credit codes
    stamp = iso(now())
    enterprises = []
    for i in range(args.enterprises):
        code = uscc_mod.make(f"91653224{rng.randrange(10**8, 10**9):09d}"[:17])
        base = petitions[i % len(petitions)]["enterprise"]["name"]
        name = f"{rng.choice(PLACES)}{base}" if i >= len(petitions) else base
        contact = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        enterprises.append((code, name, contact, f"13{rng.randrange(10**8, 10**9)}"))
    conn.execute("BEGIN")
    conn.executemany("INSERT OR IGNORE INTO enterprises(uscc, name, contact, phone, updated_at) VALUES (?,?,?,?,?)",
                     [(c, n, k, ph, stamp) for c, n, k, ph in enterprises])
    conn.execute("COMMIT")

    # deadlines per (day, grade) from the store's calendar, computed once
    reopened = Store.open(data_dir)
    deadline_cache: dict[tuple, tuple] = {}

    def deadline(day: dt.date, grade: str):
        key = (day, grade)
        if key not in deadline_cache:
            start = dt.datetime.combine(day, dt.time(10, 0), BEIJING)
            d = reopened.deadline(start, grade)
            deadline_cache[key] = (iso(d.due_at), iso(d.warn_at), int(d.provisional))
        return deadline_cache[key]

    today = now().date()
    first_day = today - dt.timedelta(days=args.days - 1)
    per_day = args.cases / args.days
    cols = ",".join(CASE_COLUMNS)
    marks = ",".join("?" * len(CASE_COLUMNS))
    insert_case = f"INSERT INTO cases({cols}) VALUES ({marks})"
    seq_by_day: dict[str, int] = {}
    rows, fts_rows = [], []
    now_iso = iso(now())
    made = 0
    conn.execute("BEGIN")
    for n in range(args.cases):
        day = first_day + dt.timedelta(days=int(n / per_day))
        age = (today - day).days
        ymd = day.strftime("%Y%m%d")
        seq = seq_by_day.get(ymd, 0) + 1
        seq_by_day[ymd] = seq
        minute = int((n % per_day) / per_day * 540)
        received = dt.datetime.combine(day, dt.time(8, 30), BEIJING) + dt.timedelta(minutes=minute)
        pet = petitions[rng.randrange(len(petitions))]
        code, ent_name, contact, phone = enterprises[rng.randrange(len(enterprises))]
        grade = rng.choice(p.GRADES)
        due, warn, prov = deadline(day, grade)
        if age > 20:
            status = rng.choices([p.CLOSED, p.WITHDRAWN_S, p.REJECTED_S, p.REPLIED_S], [90, 3, 2, 5])[0]
        elif age > 5:
            status = rng.choices([p.CLOSED, p.REPLIED_S, p.IN_PROGRESS, p.ASSIGNED_S], [50, 20, 15, 15])[0]
        else:
            status = rng.choices([p.ASSIGNED_S, p.IN_PROGRESS, p.REPLIED_S], [60, 30, 10])[0]
        title = pet["title"] if rng.random() < 0.7 else f"{rng.choice(PLACES)}{pet['title']}"
        content = pet["content"]
        lead = pet.get("dept") or rng.choice(depts)
        rec_iso = iso(received)
        closed_at = due if status == p.CLOSED else None
        row = {
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "receipt_no": f"{window}-{ymd}-{seq:04d}",
            "window_code": window, "uscc": code, "enterprise_name": ent_name, "contact": contact, "phone": phone,
            "channel": rng.choices(p.CHANNELS, [60, 20, 10, 3, 5, 2])[0], "title": title, "content": content,
            "category": "", "lead_dept": lead, "co_depts": "[]", "route_source": "auto", "grade": grade,
            "received_at": rec_iso, "received_day": day.isoformat(), "period_start": rec_iso,
            "due_at": due, "warn_at": warn, "deadline_provisional": prov, "extension_days": 0,
            "first_owner": "bench", "status": status, "rework_count": 0,
            "rating": rng.choice(p.RATINGS[:3]) if status == p.CLOSED else None, "rating_comment": None,
            "assigned_at": rec_iso, "replied_at": closed_at, "notified_at": None, "closed_at": closed_at,
            "reason": "synthetic" if status in (p.WITHDRAWN_S, p.REJECTED_S) else None, "flagged": 0,
            "awaiting_media": 0, "version": 2, "created_at": rec_iso, "updated_at": rec_iso,
        }
        rows.append([row[c] for c in CASE_COLUMNS])
        fts_rows.append((n + 1, fts_text(title, content, ent_name, contact)))
        if len(rows) >= BATCH:
            conn.executemany(insert_case, rows)
            conn.executemany("INSERT INTO cases_fts(rowid, body) VALUES (?, ?)", fts_rows)
            made += len(rows)
            rows, fts_rows = [], []
            print(f"\r{made:,} cases, {time.perf_counter() - started:.0f} s", end="", file=sys.stderr, flush=True)
    if rows:
        conn.executemany(insert_case, rows)
        conn.executemany("INSERT INTO cases_fts(rowid, body) VALUES (?, ?)", fts_rows)
        made += len(rows)
    conn.executemany("INSERT INTO receipt_seq(window_code, day, last) VALUES (?,?,?) "
                     "ON CONFLICT(window_code, day) DO UPDATE SET last = max(last, excluded.last)",
                     [(window, d, last) for d, last in seq_by_day.items()])
    conn.execute("COMMIT")
    print(file=sys.stderr)
    conn.execute("INSERT INTO cases_fts(cases_fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    reopened.close()
    size = db_path.stat().st_size / 2**20
    elapsed = time.perf_counter() - started
    print(json.dumps({"data_dir": str(data_dir), "cases": made, "enterprises": len(enterprises),
                      "db_mib": round(size, 1), "seconds": round(elapsed, 1), "now": now_iso}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
