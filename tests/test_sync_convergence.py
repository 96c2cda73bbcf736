"""Convergence: random interleavings of offline edits on two windows, department actions
on the county server and syncs, in any order, end with the same state on both windows
and on the server, each case once, chains verifying (hypothesis, real server)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models.errors import UserError
from sync_harness import (Dept, Window, all_server_events, check_server_chains, check_server_log, check_window,
                          petition, snapshot)
from sync_keyrings import MemoryKeyring

pytestmark = pytest.mark.pg

DEPTS = ("D01", "D02")
ACTIONS = ("note", "withdraw", "reject", "evaluate_good", "evaluate_bad", "correct", "regrade", "reroute",
           "start", "extension_yes", "notify")

op = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 1), st.sampled_from(DEPTS)),
    st.tuples(st.just("act"), st.integers(0, 1), st.integers(0, 30), st.sampled_from(ACTIONS)),
    st.tuples(st.just("dept"), st.integers(0, 30), st.sampled_from(("accept", "reply", "reply", "extension"))),
    st.tuples(st.just("sync"), st.integers(0, 1)),
)


def _act(store, case: dict, action: str) -> None:
    cid, clerk = case["id"], "李娜"
    if action == "note":
        store.add_note(cid, "电话回访，企业表示知悉", clerk=clerk)
    elif action == "withdraw":
        store.withdraw(cid, "企业自行解决，申请撤回", clerk=clerk)
    elif action == "reject":
        store.reject(cid, "不属于本中心受理范围", clerk=clerk)
    elif action == "evaluate_good":
        store.evaluate(cid, "满意", clerk=clerk)
    elif action == "evaluate_bad":
        store.evaluate(cid, "非常不满意", "问题没有解决", clerk=clerk)
    elif action == "correct":
        store.correct_field(cid, "contact", "王芳", clerk=clerk, base_version=case["version"])
    elif action == "regrade":
        store.regrade(cid, "complex" if case["grade"] != "complex" else "simple", clerk=clerk)
    elif action == "reroute":
        store.reroute(cid, DEPTS[1] if case["lead_dept"] == DEPTS[0] else DEPTS[0], clerk=clerk, reason="改派")
    elif action == "start":
        store.start_handling(cid, actor=clerk)
    elif action == "extension_yes":
        store.decide_extension(cid, True, 2, clerk=clerk)
    elif action == "notify":
        store.record_notified(cid, "电话", clerk=clerk)


@pytest.fixture(scope="module")
def kr():
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@settings(max_examples=18, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=6, max_size=20))
def test_any_interleaving_converges(live_server, kr, shared_petitions, ops):
    county = live_server.setup_county(windows=["W01", "W02"], depts=list(DEPTS))
    root = Path(tempfile.mkdtemp(prefix="conv-"))
    wins = [Window(root / "a", "a"), Window(root / "b", "b")]
    depts = {d: Dept(live_server.base_url, county.dept_tokens[d]) for d in DEPTS}
    try:
        wins[0].enroll(live_server.base_url, county.enrolment_codes["W01"])
        wins[1].enroll(live_server.base_url, county.enrolment_codes["W02"])
        # a shared starting point: four cases known everywhere, then anything goes
        n = 0
        for w in wins:
            for d in DEPTS:
                w.register(petition(shared_petitions, n, lead_dept=d))
                n += 1
        for w in (wins[0], wins[1], wins[0]):
            w.sync_until_clean()
        for step in ops:
            kind = step[0]
            if kind == "register":
                wins[step[1]].register(petition(shared_petitions, n, lead_dept=step[2]))
                n += 1
            elif kind == "act":
                store = wins[step[1]].store
                cases = sorted(store.list_cases(limit=1000), key=lambda c: c["id"])
                if cases:
                    try:
                        _act(store, cases[step[2] % len(cases)], step[3])
                    except UserError:
                        pass  # the form would not offer it in this status
            elif kind == "dept":
                known = sorted({c["id"]: c for d in depts.values() for c in d.cases("all")}.values(),
                               key=lambda c: c["id"])
                if known:
                    case = known[step[1] % len(known)]
                    d = depts[case["lead_dept"]]
                    r = {"accept": d.accept, "reply": d.reply, "extension": d.extension}[step[2]](case["id"])
                    assert r.status_code in (200, 409), r.text
            else:
                res = wins[step[1]].sync()
                assert res.ok, res.errors
        for w in (wins[0], wins[1], wins[0]):
            w.sync_until_clean()
        events = all_server_events(live_server.base_url, wins[0].token())
        check_server_log(events)
        for w in wins:
            check_window(w.store, events)
        check_server_chains(live_server.database_url, *wins)
        a, b = snapshot(wins[0].store), snapshot(wins[1].store)
        assert a == b
        refused = sum(len(w.store.rejected_events()) for w in wins)
        event(f"refused events={min(refused, 2)}+")
        event("statuses: " + ",".join(sorted({c['status'] for c in a.values()})))
        server = {c["id"]: c for d in depts.values() for c in d.cases("all")}
        assert set(server) == set(a)
        for cid, s in server.items():
            for key in ("status", "lead_dept", "rating", "rework_count", "version", "due_at", "grade", "contact",
                        "extension_days", "flagged"):
                assert a[cid][key] == s[key] or (key == "flagged" and bool(a[cid][key]) == bool(s[key])), \
                    (cid, key, a[cid][key], s[key])
    finally:
        for d in depts.values():
            d.close()
        for w in wins:
            w.close()
        shutil.rmtree(root, ignore_errors=True)
