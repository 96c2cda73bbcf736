"""The case store: pragmas, migrations, events and their projection, atomicity, bad input."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from models import protocol as p
from models.backend import DB_FILENAME, Backend
from models.calendar import BEIJING
from models.errors import NewerDatabaseError, TransitionError, ValidationError
from models.migrations import SCHEMA_VERSION
from models.projection import fold
from models.store import Store

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def petition(base: dict, **changes) -> dict:
    rec = json.loads(json.dumps(base))
    rec.update(changes)
    return rec


def test_pragmas_and_schema_version(store):
    conn = store.backend.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert store.backend.schema_version == SCHEMA_VERSION


def test_a_newer_database_is_refused_and_not_touched(data_dir):
    Store.open(data_dir).close()
    path = data_dir / DB_FILENAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for extra in ("-wal", "-shm"):
        if os.path.exists(str(path) + extra):
            os.remove(str(path) + extra)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(NewerDatabaseError) as err:
        Store.open(data_dir)
    assert "较新版本" in err.value.zh
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_registration_stores_events_and_projection_together(store, shared_petitions):
    case = store.register(shared_petitions[1], clerk="王芳")
    events = store.events_of(case["id"])
    assert [e["type"] for e in events] == [p.CASE_REGISTERED, p.ASSIGNED]
    assert all(e["push_state"] == "pending" and e["payload"]["actor"] == "王芳" for e in events)
    assert store.verify_local_chain() == []
    rebuilt = fold(events, store.deadline_fn)
    stored = store.get_case(case["id"])
    for key in ("receipt_no", "lead_dept", "co_depts", "grade", "due_at", "status", "version", "first_owner"):
        assert rebuilt[key] == stored[key], key
    assert stored["first_owner"] == "王芳"
    assert stored["status"] == p.ASSIGNED_S


def test_hash_chain_detects_tampering(store, shared_petitions):
    store.register(shared_petitions[0], clerk="c")
    store.register(shared_petitions[1], clerk="c")
    store.backend.execute("UPDATE events SET payload = replace(payload, '刘桂芳', '刘桂花') WHERE seq = 1")
    problems = store.verify_local_chain()
    assert problems and "hash does not match" in problems[0]


def test_receipt_numbers_per_window_per_day(store, shared_petitions):
    clock = dt.datetime(2026, 12, 4, 16, 0, tzinfo=BEIJING)
    nos = [store.register(petition(r, received_at=f"2026-12-04T0{9 + i % 1}:{10 + i}:00"), clerk="c",
                          clock=clock)["receipt_no"] for i, r in enumerate(shared_petitions[:3])]
    w = store.window_code
    assert re.fullmatch(r"SA[0-9A-F]{4}", w)
    assert nos == [f"{w}-20261204-0001", f"{w}-20261204-0002", f"{w}-20261204-0003"]
    # a paper receipt from yesterday's outage takes yesterday's date and sequence
    back = store.register(petition(shared_petitions[3], received_at="2026-12-03T10:05:00+08:00"),
                          clerk="c", clock=clock)
    assert back["receipt_no"] == f"{w}-20261203-0001"
    assert back["due_at"] == "2026-12-08T18:00:00+08:00"  # general: Dec 4, 7, 8 (the morning's deadline)


def test_two_standalone_installations_never_share_receipt_numbers(tmp_path, shared_petitions):
    a, b = Store.open(tmp_path / "a"), Store.open(tmp_path / "b")
    assert a.window_code != b.window_code
    assert a.register(shared_petitions[0], clerk="c")["receipt_no"] != b.register(
        shared_petitions[0], clerk="c")["receipt_no"]
    a.close()
    b.close()


def test_text_survives_byte_for_byte(store, shared_petitions):
    tricky = {
        "title": "王䶮的诉求 😀 'quoted' \"double\"",
        "content": "Robert'); DROP TABLE cases;-- 𠀀 𪚥 \\n literal backslash\n第二行\t制表符 ＳＱＬ",
        "contact": "𠀀",
    }
    rec = petition(shared_petitions[0], **tricky)
    rec["enterprise"]["name"] = "䶮𠀀科技有限公司"
    case = store.register(rec, clerk="c")
    again = store.get_case(case["id"])
    for key, value in tricky.items():
        assert again[key] == value
        assert again[key].encode("utf-8") == value.encode("utf-8")
    assert again["enterprise_name"] == "䶮𠀀科技有限公司"
    assert store.count_cases() == 1


@pytest.mark.parametrize("change, field", [
    ({"enterprise": {"name": "无码公司"}}, "uscc"),
    ({"enterprise": {"name": "错码公司", "uscc": "91653224MA7E4M1T8C"}}, "uscc"),
    ({"content": ""}, "content"),
    ({"content": "   "}, "content"),
    ({"lead_dept": "D99"}, "lead_dept"),
    ({"grade": "urgent"}, "grade"),
    ({"received_at": "2026-13-01T10:00"}, "received_at"),
    ({"received_at": "2099-01-01T10:00"}, "received_at"),
    ({"received_at": "1999-12-31T10:00"}, "received_at"),
    ({"content": "长" * 5001}, "content"),
    ({"content": "bell\x07"}, "content"),
    ({"title": "carriage\rreturn"}, "title"),
    ({"title": 42}, "title"),
    ({"co_depts": "D02"}, "co_depts"),
    ({"channel": "微信"}, "channel"),
    ({"phone": "call me"}, "phone"),
])
def test_bad_input_is_refused_and_nothing_is_stored(store, shared_petitions, change, field):
    rec = petition(shared_petitions[0])
    if "enterprise" in change:
        rec["enterprise"] = change["enterprise"]
    else:
        rec.update(change)
    with pytest.raises(ValidationError) as err:
        store.register(rec, clerk="c")
    assert err.value.field == field
    assert err.value.zh and err.value.en
    assert store.count_cases() == 0
    assert store.backend.scalar("SELECT count(*) FROM events") == 0
    assert store.backend.scalar("SELECT count(*) FROM enterprises") == 0


def test_a_failure_inside_the_transaction_leaves_no_half_case(store, shared_petitions):
    # a real SQLite failure at the very end of the case's transaction
    store.backend.execute("CREATE TEMP TRIGGER fail_late BEFORE INSERT ON routing_pending "
                          "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(sqlite3.DatabaseError):
        store.register(shared_petitions[0], clerk="c")
    store.backend.execute("DROP TRIGGER fail_late")
    for table in ("cases", "events", "enterprises", "receipt_seq", "routing_pending", "cases_fts"):
        assert store.backend.scalar(f"SELECT count(*) FROM {table}") == 0, table
    # the next registration gets receipt number 0001: none was used up
    assert store.register(shared_petitions[0], clerk="c")["receipt_no"].endswith("-0001")


KILLER = r"""
import json, sys
from models.store import Store
store = Store.open(sys.argv[1])
rows = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
store.register(rows[0], clerk='c')
print('ready', flush=True)
i = 1
while True:
    store.register(rows[i % len(rows)], clerk='c')
    i += 1
"""


def test_kill_9_mid_save_never_leaves_half_a_case(tmp_path, shared_petitions):
    """Scenario 5: power cut as the clerk presses save."""
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in shared_petitions[:20]), encoding="utf-8")
    data = tmp_path / "d"
    Store.open(data).close()
    for delay in (0.05, 0.13, 0.27, 0.41):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(data), str(src)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = Store.open(data)
    n = store.count_cases()
    assert n > 0
    b = store.backend
    assert b.scalar("SELECT count(*) FROM events WHERE type = 'case_registered'") == n
    assert b.scalar("SELECT count(*) FROM events WHERE type = 'assigned'") == n
    assert b.scalar("SELECT count(*) FROM cases c WHERE NOT EXISTS "
                    "(SELECT 1 FROM events e WHERE e.case_id = c.id)") == 0
    assert b.scalar("SELECT count(DISTINCT receipt_no) FROM cases") == n
    assert b.scalar("SELECT sum(last) FROM receipt_seq") == n
    assert store.verify_local_chain() == []
    assert b.integrity_problems() == []
    store.close()


def test_low_rating_reopens_as_rework_with_new_deadline(store, shared_petitions):
    earlier = (dt.datetime.now(BEIJING) - dt.timedelta(hours=3)).isoformat()
    case = store.register(petition(shared_petitions[0], grade="general", received_at=earlier), clerk="c")
    store.record_reply(case["id"], dept_code=case["lead_dept"], analysis="经核查…", measures="已协调…",
                       policy_basis="《条例》第十条", actor="dept")
    with pytest.raises(ValidationError):
        store.evaluate(case["id"], "还行", clerk="c")
    reopened = store.evaluate(case["id"], "不满意", "答复没有实际措施", clerk="c")
    assert reopened["status"] == p.REOPENED_S and reopened["rework_count"] == 1
    assert reopened["period_start"] > case["received_at"]
    assert reopened["due_at"] >= case["due_at"]
    with pytest.raises(TransitionError):
        store.evaluate(case["id"], "满意", clerk="c")  # nothing to rate before the next reply
    store.record_reply(case["id"], dept_code=case["lead_dept"], analysis="再次核查", measures="已解决",
                       policy_basis="同上", actor="dept")
    closed = store.evaluate(case["id"], "满意", clerk="c")
    assert closed["status"] == p.CLOSED and closed["rework_count"] == 1
    assert store.verify_local_chain() == []


def test_withdraw_and_reject_need_a_reason(store, shared_petitions):
    a = store.register(shared_petitions[0], clerk="c")
    with pytest.raises(ValidationError):
        store.withdraw(a["id"], "  ", clerk="c")
    assert store.withdraw(a["id"], "企业已自行解决", clerk="c")["status"] == p.WITHDRAWN_S
    b = store.register(shared_petitions[1], clerk="c")
    assert store.reject(b["id"], "属司法程序事项", clerk="c")["status"] == p.REJECTED_S
    with pytest.raises(TransitionError):
        store.withdraw(b["id"], "again", clerk="c")


def test_corrections_are_events_and_search_follows_them(store, shared_petitions):
    from models.search import CaseFilter

    case = store.register(shared_petitions[0], clerk="c")
    store.correct_field(case["id"], "title", "冷库用地咨询", clerk="c", base_version=case["version"])
    assert store.list_cases(CaseFilter(text="冷库"))[0]["id"] == case["id"]
    assert store.list_cases(CaseFilter(text="延续")) == [] or all(
        "延续" in c["content"] for c in store.list_cases(CaseFilter(text="延续")))
    stale = store.correct_field(case["id"], "contact", "李四", clerk="c", base_version=1)
    assert stale["flagged"] is True  # the case had moved on: kept, and flagged for a clerk
    assert [e["type"] for e in store.events_of(case["id"])][-2:] == [p.FIELD_CORRECTED] * 2


def test_search_finds_one_and_two_character_queries(store, shared_petitions):
    from models.search import CaseFilter

    for r in shared_petitions[:40]:
        store.register(r, clerk="c")
    for query in ("电", "电费", "许可证", "变压器"):
        expected = {r["title"] for r in shared_petitions[:40]
                    if query in r["title"] or query in r["content"] or query in r["enterprise"]["name"]
                    or query in r["enterprise"]["contact"]}
        found = {c["title"] for c in store.list_cases(CaseFilter(text=query), limit=1000)}
        assert found == expected, query


def test_enterprise_profile_keeps_the_legal_data_when_an_employee_walks_in(store, shared_petitions):
    first = petition(shared_petitions[0])
    store.register(first, clerk="c")
    walk_in = petition(shared_petitions[0], contact="小张", phone="13900001111")
    walk_in["enterprise"]["contact"] = "刘桂芳"
    case = store.register(walk_in, clerk="c")
    assert case["contact"] == "小张" and case["phone"] == "13900001111"
    profile = store.enterprise(first["enterprise"]["uscc"])
    assert profile["contact"] == "刘桂芳" and len(profile["petitions"]) == 2


def test_a_clerks_correction_trains_the_router(store, shared_petitions):
    case = store.register(shared_petitions[0], clerk="c")
    before = store.backend.scalar("SELECT n FROM routing_docs WHERE dept_code = 'D16'") or 0
    store.reroute(case["id"], "D16", clerk="c", reason="误分")
    assert store.router.docs["D16"] == before + 1                 # learned at once
    assert store.backend.scalar("SELECT count(*) FROM routing_pending") == 3  # confirm, unlearn, correct
    store.flush_routing()
    assert store.backend.scalar("SELECT n FROM routing_docs WHERE dept_code = 'D16'") == before + 1
    assert store.get_case(case["id"])["lead_dept"] == "D16"
    # a fresh store on the same file loads what was learned
    again = Store.open(store.data_dir)
    assert again.router.docs["D16"] == before + 1
    again.close()


def test_a_rolled_back_registration_teaches_the_router_nothing(store, shared_petitions):
    store.route("预热", "预热")
    before = dict(store.router.docs)
    store.backend.execute("CREATE TEMP TRIGGER fail_late BEFORE INSERT ON routing_pending "
                          "BEGIN SELECT RAISE(ABORT, 'power cut'); END")
    with pytest.raises(sqlite3.DatabaseError):
        store.register(shared_petitions[0], clerk="c")
    store.backend.execute("DROP TRIGGER fail_late")
    assert dict(store.router.docs) == before


def test_imported_history_keeps_its_own_dispatch_time(store, shared_petitions):
    hist = petition(shared_petitions[5], id="H-1", received_at="2026-11-02T09:30:00+08:00")
    case = store.import_record(hist, clerk="import")
    assert case["assigned_at"] == "2026-11-02T09:30:00+08:00"      # not the moment of the import
    told = petition(shared_petitions[6], id="H-2", received_at="2026-11-02T09:30:00",
                    assigned_at="2026-11-03T15:00:00")
    assert store.import_record(told, clerk="import")["assigned_at"] == "2026-11-03T15:00:00+08:00"
    with pytest.raises(ValidationError) as err:
        store.import_record(petition(shared_petitions[7], id="H-3", received_at="2026-11-02T09:30:00",
                                     assigned_at="2026-11-01T15:00:00"), clerk="import")
    assert err.value.field == "assigned_at"
    # a case registered at the window is dispatched when it is registered
    fresh = store.register(shared_petitions[8], clerk="c")
    assert fresh["assigned_at"] >= fresh["received_at"]
