"""Sync figures on loopback with PostgreSQL (DESIGN.md section 5; issue 5).

    .venv/bin/python bench/bench_sync.py [--push 10000] [--pull 100000] [--idle 50]

Starts the real county server (``python -m server`` under uvicorn, ``server.testing``)
on a throwaway PostgreSQL database and prints:

- push: N events from a window's outbox with the sync client (events/s);
- raw:  the same number of events, framed the same way (batches of 500, JSON), POSTed
        in a bare httpx loop to the same server by a second window: the ceiling the
        client is compared with (ratio = client / raw; target >= 0.5). Each window's
        events are fresh, so the server does the full work (chain, state, insert) for both;
- pull: M events into a fresh window with the sync client (time, events/s);
- idle: the median of a round with nothing to do (target <= 50 ms).

Generating events: cases are registered with ``Store.register``; the bulk of the events
are notes written by the same code path as ``Store.add_note`` (``_append_local`` +
``_apply_and_project``), many per SQLite transaction instead of one per transaction, so
that setting up 100,000 events takes seconds rather than minutes. The M events for the
pull are pushed to the server by a third window with the sync client.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import keyring  # noqa: E402
import keyring.backend  # noqa: E402

from models import protocol as p  # noqa: E402
from models.store import Store  # noqa: E402
from server.db import migrate  # noqa: E402
from server.testing import LiveServer, temp_database  # noqa: E402
from sync import client as sc  # noqa: E402
from sync import credentials  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "petitions-train.jsonl"


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.d = {}

    def get_password(self, s, u):
        return self.d.get((s, u))

    def set_password(self, s, u, pw):
        self.d[(s, u)] = pw

    def delete_password(self, s, u):
        self.d.pop((s, u), None)


def fill(store: Store, n_events: int, records: list[dict], cases: int = 100) -> None:
    """``cases`` registered cases (2 events each), then notes up to ``n_events``."""
    cases = min(cases, n_events // 2)
    states = {}
    for i in range(cases):
        rec = dict(records[i % len(records)], lead_dept="D01", clerk="bench")
        rec.pop("id", None)
        c = store.register(rec)
        states[c["id"]] = store.get_case(c["id"])
    ids = list(states)
    left = n_events - 2 * cases
    chunk = 5000
    done = 0
    while done < left:
        with store.backend.transaction():
            for i in range(done, min(left, done + chunk)):
                cid = ids[i % len(ids)]
                ev = store._append_local(cid, p.NOTE_ADDED, {"text": f"回访记录 {i}"}, "bench")
                states[cid] = store._apply_and_project(ev, _raw(states[cid]))
        done += chunk


def _raw(case: dict) -> dict:
    return case


def window(root: Path, name: str, srv: LiveServer, code: str) -> Store:
    s = Store.open(root / name)
    sc.enroll(s, srv.base_url, code)
    return s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--push", type=int, default=10_000)
    ap.add_argument("--pull", type=int, default=100_000)
    ap.add_argument("--idle", type=int, default=50)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--page", type=int, default=5000)
    args = ap.parse_args()
    keyring.set_keyring(_MemoryKeyring())
    records = [json.loads(line) for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()]
    root = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        with temp_database(prefix="intake_bench_") as url:
            migrate(url)
            with LiveServer(url) as srv:
                county = srv.setup_county(windows=["W01", "W02", "W03", "W04"], depts=["D01"])
                codes = county.enrolment_codes
                a = window(root, "a", srv, codes["W01"])
                b = window(root, "b", srv, codes["W02"])
                t = time.perf_counter()
                fill(a, args.push, records)
                fill(b, args.push, records)
                print(f"setup: 2 x {args.push:,} events generated in {time.perf_counter() - t:.1f} s", flush=True)

                # -- push with the client ------------------------------------------------------
                client = sc.client_for(a)
                res = sc.SyncResult()
                t = time.perf_counter()
                sc._push(a, client, res, args.batch)
                push_s = time.perf_counter() - t
                assert res.pushed == args.push and a.pending_count() == 0, res
                push_rate = args.push / push_s

                # -- the same volume, framed the same way, in a bare POST loop ------------------
                bodies = []
                events = b.outbox(limit=args.push + 1)
                for i in range(0, len(events), args.batch):
                    bodies.append(json.dumps({"events": events[i:i + args.batch]}, ensure_ascii=False,
                                             separators=(",", ":")).encode("utf-8"))
                token_b = credentials.require_token(b.device_id)
                raw_bytes = sum(map(len, bodies))
                with httpx.Client(base_url=srv.api, headers={"Authorization": f"Bearer {token_b}",
                                                              "Content-Type": "application/json"},
                                  timeout=120, trust_env=False) as h:
                    t = time.perf_counter()
                    for body in bodies:
                        r = h.post("/events", content=body)
                        assert r.status_code == 200, r.text
                    raw_s = time.perf_counter() - t
                raw_rate = args.push / raw_s
                print(f"push: {args.push:,} events in {push_s:.2f} s = {push_rate:,.0f} events/s "
                      f"(batches of {args.batch})")
                print(f"raw POST loop: {args.push:,} events ({raw_bytes / 1e6:.1f} MB) in {raw_s:.2f} s = "
                      f"{raw_rate:,.0f} events/s")
                print(f"push / raw ratio: {push_rate / raw_rate:.2f} (target >= 0.5)", flush=True)

                # -- pull: a third window fills the server, a fresh one pulls it all -------------
                c = window(root, "c", srv, codes["W03"])
                already = 2 * args.push
                extra = max(0, args.pull - already)
                t = time.perf_counter()
                fill(c, extra, records, cases=500)
                c_client = sc.client_for(c)
                sc._push(c, c_client, sc.SyncResult(), args.batch)
                print(f"setup: {extra:,} more events generated and pushed in {time.perf_counter() - t:.1f} s",
                      flush=True)
                d = window(root, "d", srv, codes["W04"])
                d_client = sc.client_for(d)
                res = sc.SyncResult()
                t = time.perf_counter()
                sc._pull(d, d_client, res, args.page)
                pull_s = time.perf_counter() - t
                print(f"pull: {res.pulled:,} events into a fresh window in {pull_s:.2f} s = "
                      f"{res.pulled / pull_s:,.0f} events/s (pages of {args.page}); "
                      f"{d.backend.scalar('SELECT count(*) FROM cases'):,} cases", flush=True)

                # -- idle rounds ------------------------------------------------------------------
                sc.sync_once(d, client=d_client)
                times = []
                for _ in range(args.idle):
                    t = time.perf_counter()
                    r = sc.sync_once(d, client=d_client)
                    times.append(time.perf_counter() - t)
                    assert r.ok and r.pushed == r.pulled == 0, r
                print(f"idle round: median {statistics.median(times) * 1000:.1f} ms, "
                      f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.1f} ms over {args.idle} rounds "
                      f"(config 304 + one empty pull page; target <= 50 ms)")
                for s in (a, b, c, d):
                    s.close()
                for cl in (client, c_client, d_client):
                    cl.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
