"""Faults between the window and the county server: a client killed with SIGKILL at random
instants mid-push and mid-pull, the server killed and restarted mid-batch, connections
dropped mid-response, slowed, answered 500/503, deliveries duplicated and replayed out
of order. After recovery every case exists exactly once on the server and on every
window, nothing is waiting, and the hash chains verify. Bounded in time, no timed
assertions."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from faultproxy import Fault, FaultProxy, random_policy
from models.store import Store
from sync import client as sc
from sync.worker import Backoff, SyncWorker
from sync_harness import (Dept, all_server_events, check_server_chains, check_server_log, check_window,  # noqa: F401
                          memory_keyring, petition, snapshot, windows)

pytestmark = pytest.mark.pg
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def proxy(live_server):
    px = FaultProxy("127.0.0.1", live_server.port).start()
    yield px
    px.stop()


def _register_many(w, shared, n, dept="D01", start=0):
    return [w.register(petition(shared, start + i, lead_dept=dept)) for i in range(n)]


def _final_checks(live_server, token, *wins):
    events = all_server_events(live_server.base_url, token)
    by_case = check_server_log(events)
    for w in wins:
        check_window(w.store, events)
        assert w.store.backend.integrity_problems() == []
    snaps = [snapshot(w.store) for w in wins]
    assert all(s == snaps[0] for s in snaps[1:])
    check_server_chains(live_server.database_url, *wins)
    return events, by_case


def test_random_network_faults_end_in_one_consistent_state(live_server, windows, proxy, shared_petitions):
    county = live_server.setup_county(windows=["W01", "W02"], depts=["D01", "D02"])
    a, b = windows("a"), windows("b")
    a.enroll(live_server.base_url, county.enrolment_codes["W01"])
    b.enroll(live_server.base_url, county.enrolment_codes["W02"])
    # from here on their line is the faulty one
    for w in (a, b):
        w.store.backend.set_setting(sc.S_SERVER, proxy.url)
    proxy.policy = random_policy(random.Random(20261204), rate=0.45)
    cases = _register_many(a, shared_petitions, 20, "D01") + _register_many(b, shared_petitions, 20, "D02", 20)
    dept = {"D01": Dept(live_server.base_url, county.dept_tokens["D01"]),
            "D02": Dept(live_server.base_url, county.dept_tokens["D02"])}
    rng = random.Random(5)
    try:
        for round_no in range(60):
            for w in (a, b):
                w.sync(push_batch=6, pull_limit=9)
            if round_no % 3 == 1:   # departments act on whatever has reached the server
                for d in dept.values():
                    for c in d.cases("open")[:2]:
                        (d.reply if rng.random() < 0.5 else d.accept)(c["id"])
            if round_no % 4 == 2:   # and the windows keep working
                c = rng.choice(cases)
                w = rng.choice((a, b))
                if w.store.get_case(c["id"]) is not None:   # pulled there already
                    w.store.add_note(c["id"], f"第{round_no}轮回访", clerk="李娜")
            if round_no >= 12 and a.store.pending_count() == 0 and b.store.pending_count() == 0:
                break
    finally:
        for d in dept.values():
            d.close()
    # the line heals; late copies of old requests still arrive
    proxy.policy = lambda m, p: Fault()
    proxy.flush_replays()
    for w in (a, b, a):
        w.sync_until_clean()
    events, by_case = _final_checks(live_server, a.token(), a, b)
    assert set(by_case) == {c["id"] for c in cases}
    kinds = proxy.kinds()
    assert {"status", "drop_before", "drop_after_bytes", "status_after_forward", "duplicate",
            "replay_later", "trickle"} <= kinds, kinds


def test_503_and_500_then_recovery(live_server, windows, proxy, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w = windows("w")
    w.enroll(proxy.url, county.enrolment_codes["W01"])
    _register_many(w, shared_petitions, 3)
    answers = iter([503, 500, 503])
    proxy.policy = lambda m, p: Fault(status=next(answers, None))
    r1 = w.sync()
    assert not r1.ok and r1.online is False or "故障" in r1.errors[0]
    assert any("HTTP 503" in e or "HTTP 500" in e for e in r1.errors)
    assert r1.events_pending == 6
    done = w.sync_until_clean()
    assert done.ok
    _final_checks(live_server, w.token(), w)


def test_every_delivery_duplicated_and_replayed_late(live_server, windows, proxy, shared_petitions):
    county = live_server.setup_county(windows=["W01", "W02"], depts=["D01"])
    a, b = windows("a"), windows("b")
    a.enroll(proxy.url, county.enrolment_codes["W01"])
    b.enroll(live_server.base_url, county.enrolment_codes["W02"])
    proxy.policy = lambda m, p: Fault(duplicate=True, replay_later=m == "POST")
    _register_many(a, shared_petitions, 12)
    a.sync_until_clean(push_batch=4, pull_limit=5)
    b.sync_until_clean()
    _register_many(a, shared_petitions, 4, start=30)
    a.sync_until_clean(push_batch=4)
    proxy.flush_replays()
    assert proxy.replayed >= 4  # old batches arrived after newer ones
    for w in (a, b, a):
        w.sync_until_clean()
    # a page applied twice changes nothing
    events = all_server_events(live_server.base_url, a.token())
    before = snapshot(a.store)
    assert a.store.apply_pulled([dict(e) for e in events[:10]], a.store.sync_cursor()) == set()
    assert snapshot(a.store) == before
    _final_checks(live_server, a.token(), a, b)


def test_server_killed_and_restarted_mid_batch(live_server_factory, windows, shared_petitions):
    srv = live_server_factory()
    county = srv.setup_county(windows=["W01", "W02"], depts=["D01"])
    a, b = windows("a"), windows("b")
    a.enroll(srv.base_url, county.enrolment_codes["W01"])
    b.enroll(srv.base_url, county.enrolment_codes["W02"])
    _register_many(a, shared_petitions, 150)          # 300 events
    outcome: dict = {}

    def pusher():
        deadline = time.monotonic() + 90
        rounds = 0
        while time.monotonic() < deadline:
            r = a.sync(push_batch=20, pull_limit=50)
            rounds += 1
            if r.ok and r.events_pending == 0:
                outcome["done"] = rounds
                return
            time.sleep(0.05)
        outcome["gave_up"] = rounds

    t = threading.Thread(target=pusher)
    t.start()
    rng = random.Random(11)
    kills = 0
    while t.is_alive() and kills < 4:
        time.sleep(rng.uniform(0.05, 0.4))
        srv.restart(kill=True)       # SIGKILL: transactions in flight are rolled back
        kills += 1
    t.join(120)
    assert "done" in outcome, outcome
    b.sync_until_clean()
    a.sync_until_clean()
    _final_checks(srv, a.token(), a, b)


# -- SIGKILL of the client ------------------------------------------------------------------------
def _cli_sync(data_dir: Path, token: str, batch: int, page: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.Popen([sys.executable, "main.py", "sync", "--token-stdin", "--batch", str(batch),
                             "--page", str(page), "--data-dir", str(data_dir)], cwd=REPO, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_at_random(data_dir, token, rng, batch, page, iterations, done, proxy) -> int:
    """Start a sync subprocess, let it make a random number of requests through the proxy,
    then SIGKILL it a random instant later: the kill lands mid-push or mid-pull."""
    kills = 0
    progress = []
    for _ in range(iterations):
        if done():
            break
        seen0 = len(proxy.seen)
        k = rng.randint(2, 16)
        proc = _cli_sync(data_dir, token, batch, page)
        proc.stdin.write((token + "\n").encode())
        proc.stdin.close()
        limit = time.monotonic() + 60
        while proc.poll() is None and len(proxy.seen) < seen0 + k and time.monotonic() < limit:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.06))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(30)
        progress.append(_check_after_kill(data_dir))
    print("after each kill (pending, cursor):", progress)
    return kills


def _check_after_kill(data_dir: Path) -> tuple[int, int]:
    s = Store.open(data_dir)
    try:
        assert s.backend.integrity_problems() == []
        assert s.verify_local_chain() == []
        counts = dict(s.backend.query("SELECT coalesce(push_state, 'remote'), count(*) FROM events GROUP BY 1"))
        assert set(counts) <= {"pending", "sent", "rejected", "remote"}
        assert counts.get("rejected", 0) == 0
        # the stored cursor never runs ahead of the events stored with it
        top = s.backend.scalar("SELECT max(server_seq) FROM events") or 0
        assert s.sync_cursor() <= max(top, 0) or s.sync_cursor() == 0
        return s.pending_count(), s.sync_cursor()
    finally:
        s.close()


def test_client_killed_mid_push_and_mid_pull(live_server, windows, shared_petitions):
    county = live_server.setup_county(windows=["W01", "W02"], depts=["D01"])
    a, b = windows("a"), windows("b")
    a.enroll(live_server.base_url, county.enrolment_codes["W01"])
    b.enroll(live_server.base_url, county.enrolment_codes["W02"])
    token = a.token()
    px = FaultProxy("127.0.0.1", live_server.port, policy=lambda m, p: Fault(delay=0.01, trickle=0.003)).start()
    try:
        a.store.backend.set_setting(sc.S_SERVER, px.url)   # a slow line: rounds take seconds
        _register_many(a, shared_petitions, 120)           # 240 events to push
        a.close()
        rng = random.Random(1204)

        def pushed_all():
            s = Store.open(a.data_dir)
            try:
                return s.pending_count() == 0
            finally:
                s.close()

        kills_push = _kill_at_random(a.data_dir, token, rng, batch=4, page=7, iterations=16, done=pushed_all, proxy=px)
        # meanwhile another window has been busy: a must pull all of it
        _register_many(b, shared_petitions, 150, start=40)
        b.sync_until_clean()
        seq_b = all_server_events(live_server.base_url, token)[-1]["server_seq"]

        def pulled_all():
            s = Store.open(a.data_dir)
            try:
                return s.pending_count() == 0 and s.sync_cursor() >= seq_b
            finally:
                s.close()

        kills_pull = _kill_at_random(a.data_dir, token, rng, batch=4, page=7, iterations=8, done=pulled_all, proxy=px)
    finally:
        px.stop()
    assert kills_push >= 1 and kills_pull >= 1
    a.reopen()
    a.store.backend.set_setting(sc.S_SERVER, live_server.base_url)
    a.sync_until_clean()
    b.sync_until_clean()
    events, by_case = _final_checks(live_server, token, a, b)
    assert len(by_case) == 270


# -- the worker through a line that comes and goes -----------------------------------------------
def test_worker_goes_offline_backs_off_and_catches_up_on_reconnect(live_server, windows, proxy, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w = windows("w")
    w.enroll(proxy.url, county.enrolment_codes["W01"])
    proxy.offline = True
    statuses = []
    cond = threading.Condition()

    def on_status(s):
        with cond:
            statuses.append(s)
            cond.notify_all()

    def wait_for(pred, timeout=60):
        with cond:
            return cond.wait_for(lambda: any(pred(s) for s in statuses[-3:]), timeout)

    worker = SyncWorker(w.store, interval=3600, on_status=on_status, change_delay=0.05,
                        backoff=Backoff(base=0.05, cap=0.3, rng=random.Random(1)))
    worker.start()
    try:
        _register_many(w, shared_petitions, 3)
        assert wait_for(lambda s: s.online is False and s.events_waiting == 6 and s.last_error
                        and not s.syncing)
        # the worker keeps retrying: take a status between two rounds
        offline = [s for s in statuses if s.online is False and not s.syncing][-1]
        assert "离线" in offline.summary_zh() and "待上传 6 条" in offline.summary_zh()
        proxy.offline = False
        worker.network_changed(True)
        assert wait_for(lambda s: s.online and s.events_waiting == 0 and not s.syncing)
        last = statuses[-1]
        assert last.last_success is not None and last.last_error is None
        # a reply at the county reaches the window when the clerk asks
        d = Dept(live_server.base_url, county.dept_tokens["D01"])
        try:
            cid = d.cases()[0]["id"]
            assert d.reply(cid).status_code == 200
        finally:
            d.close()
        worker.sync_now()
        with cond:
            assert cond.wait_for(lambda: w.store.get_case(cid)["status"] == "replied", 60)
    finally:
        worker.stop()
    _final_checks(live_server, w.token(), w)
