"""End to end against the real county server (uvicorn on loopback, PostgreSQL): windows
offline for days, then sync, department replies, evaluation and rework, configuration
and holiday schedules arriving without restart, rejected events kept with their reason,
attachments resumed, revoked tokens, and the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from faultproxy import Fault, FaultProxy
from models import protocol as p
from models.calendar import BEIJING, now
from sync import client as sc
from sync_harness import (Dept, all_server_events, check_server_chains, check_server_log, check_window,  # noqa: F401
                          memory_keyring, petition, received_for_colour, snapshot, windows)

pytestmark = pytest.mark.pg
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def proxy(live_server):
    px = FaultProxy("127.0.0.1", live_server.port).start()
    yield px
    px.stop()


def test_two_offline_windows_sync_get_replies_and_agree(live_server, windows, proxy, shared_petitions):
    county = live_server.setup_county(windows=["HT01", "HT-LYX02"], depts=["D01", "D07"])
    a, b = windows("county"), windows("township")
    # both enrol through the proxy (the township's only line), then the line goes down
    assert a.enroll(proxy.url, county.enrolment_codes["HT01"])["window_code"] == "HT01"
    assert b.enroll(proxy.url, county.enrolment_codes["HT-LYX02"])["token_stored_in"] == "keyring"
    proxy.offline = True

    cases_a = [a.register(petition(shared_petitions, i, lead_dept="D01", grade="general")) for i in range(4)]
    cases_b = [b.register(petition(shared_petitions, 10 + i, lead_dept="D07", grade="general")) for i in range(5)]
    yellow = b.register(petition(shared_petitions, 20, lead_dept="D07", grade="general",
                                 received_at=received_for_colour(b.store, "yellow").isoformat()))
    assert all(c["receipt_no"].startswith("HT01-") for c in cases_a)
    assert all(c["receipt_no"].startswith("HT-LYX02-") for c in cases_b)

    offline = b.sync()
    assert not offline.ok and not offline.online and offline.events_pending == 12
    assert "网络" in offline.errors[0] or "连接" in offline.errors[0]

    proxy.offline = False
    ra, rb = a.sync_until_clean(), b.sync_until_clean()
    assert ra.pushed == 8 and rb.pushed == 12 and not ra.rejected and not rb.rejected

    # the departments answer on the server
    d01 = Dept(live_server.base_url, county.dept_tokens["D01"])
    d07 = Dept(live_server.base_url, county.dept_tokens["D07"])
    try:
        assert {c["id"] for c in d01.cases()} == {c["id"] for c in cases_a}
        assert d01.reply(cases_a[0]["id"]).status_code == 200
        assert d01.accept(cases_a[1]["id"]).status_code == 200
        assert d07.reply(cases_b[0]["id"]).status_code == 200
        assert d07.reply(cases_b[0]["id"]).status_code == 409  # already answered
        server_state = {c["id"]: c for c in d01.cases() + d07.cases()}
    finally:
        d01.close()
        d07.close()

    a.sync_until_clean()
    b.sync_until_clean()
    for w in (a, b):
        s = w.store
        assert s.get_case(cases_a[0]["id"])["status"] == p.REPLIED_S
        assert s.get_case(cases_b[0]["id"])["status"] == p.REPLIED_S
        assert s.get_case(cases_a[1]["id"])["status"] == p.IN_PROGRESS
        assert s.colour(s.get_case(cases_a[0]["id"])) is None  # answered: no colour
        assert s.colour(s.get_case(cases_a[2]["id"])) == "green"
        assert s.colour(s.get_case(yellow["id"])) == "yellow"
        assert len(s.replies_of(cases_b[0]["id"])) == 1
        assert s.replies_of(cases_b[0]["id"])[0]["dept_code"] == "D07"
    assert snapshot(a.store) == snapshot(b.store)
    for cid, st in server_state.items():
        assert a.store.get_case(cid)["status"] == st["status"]

    # the enterprise is not satisfied, at the other window: rework with a new deadline
    before = b.store.get_case(cases_a[0]["id"])
    b.store.evaluate(cases_a[0]["id"], "不满意", "只给了政策条文", clerk="王芳")
    b.sync_until_clean()
    a.sync_until_clean()
    after = a.store.get_case(cases_a[0]["id"])
    assert after["status"] == p.REOPENED_S and after["rework_count"] == 1 and after["rating"] == "不满意"
    assert after["period_start"] >= before["received_at"] and after["due_at"] >= before["due_at"]
    assert a.store.colour(after) in ("green", "yellow")
    assert snapshot(a.store) == snapshot(b.store)

    events = all_server_events(live_server.base_url, a.token())
    check_server_log(events)
    check_window(a.store, events)
    check_window(b.store, events)
    check_server_chains(live_server.database_url, a, b)
    # the tokens live in the keyring only: not in the database, its WAL, or any file
    for w in (a, b):
        w.store.backend.checkpoint()
        token = w.token().encode()
        assert all(token not in f.read_bytes() for f in w.data_dir.rglob("*") if f.is_file())


def test_configuration_and_holidays_arrive_without_restart(live_server, windows, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w = windows("w")
    w.enroll(live_server.base_url, county.enrolment_codes["W01"])
    cfg = dict(w.store.county.to_json())
    cfg["grade_days"] = dict(cfg["grade_days"], complex=40)      # reaches into next year
    cfg["supervision_phone"] = "0736-7000000"
    live_server.put_config(county.code, cfg)
    case = w.register(petition(shared_petitions, 3, lead_dept="D01", grade="complex"))
    first = w.sync()
    assert first.ok and first.config_updated
    assert w.store.county.supervision_phone == "0736-7000000"
    case = w.store.get_case(case["id"])
    next_year = now().astimezone(BEIJING).year + 1
    if not w.store.calendar.has_schedule(next_year):
        assert case["deadline_provisional"]
    # the State Council publishes next year's schedule; the server distributes it
    sched = {"year": next_year, "source": "国务院办公厅通知（测试）",
             "holidays": {f"{next_year}-01-01": "元旦", f"{next_year}-01-02": "元旦"},
             "workdays": {f"{next_year}-01-04": "元旦调休"}}
    live_server.put_holidays(county.code, sched)
    second = w.sync()
    assert second.ok and second.config_updated and second.recomputed_deadlines >= 1
    assert w.store.calendar.has_schedule(next_year)
    again = w.store.get_case(case["id"])
    assert not again["deadline_provisional"]
    idle = w.sync()
    assert idle.ok and not idle.config_updated and idle.pushed == idle.pulled == 0  # ETag: 304


def test_a_refused_event_is_kept_with_the_servers_reason(live_server, windows, shared_petitions):
    county = live_server.setup_county(windows=["W01", "W02"], depts=["D01"])
    a, b = windows("a"), windows("b")
    a.enroll(live_server.base_url, county.enrolment_codes["W01"])
    b.enroll(live_server.base_url, county.enrolment_codes["W02"])
    case = a.register(petition(shared_petitions, 5, lead_dept="D01"))
    a.sync_until_clean()
    b.sync_until_clean()
    # both act on it offline: a rejects it, b withdraws it
    a.store.reject(case["id"], "不属于受理范围", clerk="李娜")
    b.store.withdraw(case["id"], "企业撤回", clerk="王芳")
    assert a.sync().ok
    res = b.sync()
    assert res.ok and len(res.rejected) == 1 and res.rejected[0]["type"] == p.WITHDRAWN
    kept = b.store.rejected_events()
    assert len(kept) == 1 and "不予受理" in kept[0]["push_error"]
    assert b.store.get_case(case["id"])["status"] == p.REJECTED_S   # the server's truth
    b.store.add_note(case["id"], "已电话告知企业", clerk="王芳")      # the chain goes on
    assert b.sync_until_clean().pushed == 1
    a.sync_until_clean()
    events = all_server_events(live_server.base_url, a.token())
    check_server_log(events)
    check_window(a.store, events)
    check_window(b.store, events)
    assert snapshot(a.store) == snapshot(b.store)


def test_attachments_upload_resumes_and_cases_await_media(live_server, windows, proxy, shared_petitions, tmp_path):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w = windows("w")
    w.enroll(proxy.url, county.enrolment_codes["W01"])
    case = w.register(petition(shared_petitions, 7, lead_dept="D01"))
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(os.urandom(int(2.5 * 1024 * 1024)))
    w.store.add_attachment(case["id"], photo, clerk="李娜")
    puts = {"n": 0}

    def policy(method, path):
        if method == "PUT":
            puts["n"] += 1
            if puts["n"] == 2:
                return Fault(drop_after_bytes=0)   # the second part is stored, its answer lost
            if puts["n"] == 3:
                return Fault(drop_before=True)
        return Fault()

    proxy.policy = policy
    first = w.sync()
    assert not first.ok and first.media_pending == 1 and first.events_pending == 0
    assert w.store.get_case(case["id"])["awaiting_media"] is True
    done = w.sync_until_clean()
    assert done.media_uploaded == 1 and done.media_pending == 0
    assert w.store.get_case(case["id"])["awaiting_media"] is False
    sha = w.store.attachments_of(case["id"])[0]["sha256"]
    with live_server.client(w.token()) as c:
        r = c.get(f"/blobs/{sha}")
    assert r.status_code == 200 and r.content == photo.read_bytes()


def test_another_windows_attachment_arrives_whole_even_over_a_broken_line(live_server, windows, proxy,
                                                                          shared_petitions, tmp_path):
    county = live_server.setup_county(windows=["W01", "W02"], depts=["D01"])
    a, b = windows("a"), windows("b")
    a.enroll(live_server.base_url, county.enrolment_codes["W01"])
    b.enroll(proxy.url, county.enrolment_codes["W02"])
    case = a.register(petition(shared_petitions, 8, lead_dept="D01"))
    scan = tmp_path / "营业执照扫描件.png"
    scan.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    a.store.add_attachment(case["id"], scan, clerk="李娜")
    assert a.sync_until_clean().media_pending == 0
    gets = {"n": 0}

    def policy(method, path):
        if method == "GET" and "/blobs/" in path:
            gets["n"] += 1
            if gets["n"] == 1:
                return Fault(drop_after_bytes=1024 * 1024)   # the line breaks mid-file
        return Fault()

    proxy.policy = policy
    first = b.sync()
    listed = b.store.attachments_of(case["id"])
    assert len(listed) == 1 and listed[0]["filename"] == scan.name
    assert not first.ok and listed[0]["present"] == 0          # known, file not here yet
    assert not b.store.attachment_path(listed[0]["sha256"]).exists()
    done = b.sync_until_clean()
    assert done.ok and b.store.missing_attachment_files() == []
    assert b.store.attachments_of(case["id"])[0]["present"] == 1
    assert b.store.attachment_path(listed[0]["sha256"]).read_bytes() == scan.read_bytes()
    assert gets["n"] >= 2


def test_a_revoked_window_is_told_in_words(live_server, windows, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w = windows("w")
    w.enroll(live_server.base_url, county.enrolment_codes["W01"])
    w.register(petition(shared_petitions, 1, lead_dept="D01"))
    live_server.revoke(w.store.device_id)
    res = w.sync()
    assert not res.ok and res.error_code == "auth" and "吊销" in res.errors[0]
    assert res.events_pending == 2   # nothing lost


def test_an_enrolment_code_works_once_and_standalone_cases_are_kept(live_server, windows, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    w, other = windows("w"), windows("other")
    before = w.register(petition(shared_petitions, 2, lead_dept="D01"))   # standalone, first run
    assert before["receipt_no"].startswith("SA")
    w.enroll(live_server.base_url, county.enrolment_codes["W01"])
    with pytest.raises(sc.SyncError) as info:
        other.enroll(live_server.base_url, county.enrolment_codes["W01"])
    assert "登记失败" in info.value.zh
    assert other.store.backend.get_setting("mode") == "standalone"
    w.sync_until_clean()
    assert w.store.get_case(before["id"])["receipt_no"] == before["receipt_no"]
    events = all_server_events(live_server.base_url, w.token())
    assert {e["case_id"] for e in events} == {before["id"]}
    after = w.register(petition(shared_petitions, 3, lead_dept="D01"))
    assert after["receipt_no"].startswith("W01-")


def _cli(args, data_dir, env, stdin=""):
    proc = subprocess.run([sys.executable, "main.py", *args, "--data-dir", str(data_dir)], cwd=REPO,
                          input=stdin.encode(), capture_output=True, env=env, timeout=120)
    out = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    return proc.returncode, out, proc.stderr.decode()


def test_cli_enroll_and_sync_keep_the_token_out_of_files_and_logs(live_server, tmp_path, shared_petitions):
    county = live_server.setup_county(windows=["W01"], depts=["D01"])
    data = tmp_path / "data"
    vault = tmp_path / "os-credential-store" / "vault.json"   # stands for the OS keyring
    vault.parent.mkdir()
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHON_KEYRING_BACKEND="sync_keyrings.FileKeyring",
               SYNC_TEST_KEYRING_FILE=str(vault),
               PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(REPO)]))
    recs = "\n".join(json.dumps(petition(shared_petitions, i, lead_dept="D01", clerk="李娜"), ensure_ascii=False)
                     for i in range(3)) + "\n"
    code, out, err = _cli(["intake"], data, env, recs)
    assert code == 0, err
    code, out, err = _cli(["enroll", "--server", live_server.base_url, "--code",
                           county.enrolment_codes["W01"]], data, env)
    assert code == 0, err
    assert out[0]["window_code"] == "W01" and out[0]["token_stored_in"] == "keyring" and "token" not in out[0]
    token = json.loads(vault.read_text())
    token = next(iter(token.values()))
    assert token.startswith("dev_")
    code, out, err = _cli(["sync"], data, env)
    assert code == 0, err
    assert out[0]["ok"] and out[0]["pushed"] == 6 and out[0]["events_pending"] == 0
    code, out, err = _cli(["sync-status"], data, env)
    assert out[0]["enrolled"] and out[0]["events_waiting"] == 0 and out[0]["rejected"] == []
    # no secret anywhere in the data directory (database, WAL, logs), nor a phone number in the logs
    phones = [r["enterprise"]["phone"] for r in shared_petitions[:3]]
    assert (data / "logs" / "sync.log").exists()
    for f in data.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert token.encode() not in blob, f
            if "logs" in f.parts:
                assert not any(ph.encode() in blob for ph in phones), f
    # a machine without a keyring: sync says so and exits non-zero; the token can be typed in
    env_nokr = dict(env, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    code, out, err = _cli(["sync"], data, env_nokr)
    assert code == 2 and "凭据库" in err
    code, out, err = _cli(["sync", "--token-stdin"], data, env_nokr, token + "\n")
    assert code == 0, err
    for f in data.rglob("*"):
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f
