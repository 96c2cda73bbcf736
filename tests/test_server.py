"""County server (server/) against real PostgreSQL: unit-level API checks with FastAPI's
TestClient on the ASGI app, end-to-end ones against uvicorn on loopback."""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import secrets
import uuid

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from models import protocol as p

pytestmark = pytest.mark.pg

API = p.API_PREFIX


# -- helpers --------------------------------------------------------------------------------
class Chain:
    """A device's hash chain, crafted by hand."""

    def __init__(self, device_id: str | None = None):
        self.device_id = device_id or str(uuid.uuid4())
        self.head = p.GENESIS_HASH

    def make(self, case_id: str, etype: str, payload: dict, *, created_at: str | None = None,
             advance: bool = True) -> dict:
        ev = {"event_id": str(uuid.uuid4()), "case_id": case_id, "device_id": self.device_id,
              "type": etype, "payload": payload,
              "created_at": created_at or "2026-01-05T10:00:00+08:00", "prev_hash": self.head}
        ev["hash"] = p.event_hash(ev)
        if advance:
            self.head = ev["hash"]
        return ev

    def register(self, *, window: str = "W01", n: int = 1, lead: str = "D01", co=("D02",),
                 grade: str = "general") -> tuple[str, list[dict]]:
        case_id = str(uuid.uuid4())
        payload = {
            "receipt_no": f"{window}-20260105-{n:04d}", "window_code": window,
            "enterprise": {"uscc": "91653224MA7E4M1T8B", "name": "鑫禾餐饮管理有限公司"},
            "contact": "刘桂芳", "phone": "18279439800", "channel": "窗口",
            "title": "食品经营许可证到期延续", "content": "门店负责人住院，能否委托员工代办延续？",
            "category": "", "lead_dept": lead, "co_depts": list(co), "route_source": "auto",
            "grade": grade, "received_at": "2026-01-05T10:00:00+08:00",
            "due_at": "2026-01-08T18:00:00+08:00", "warn_at": "2026-01-07T18:00:00+08:00",
            "deadline_provisional": False, "first_owner": "张三", "actor": "张三"}
        reg = self.make(case_id, p.CASE_REGISTERED, payload)
        asg = self.make(case_id, p.ASSIGNED, {"lead_dept": lead, "co_depts": list(co), "actor": "张三"})
        return case_id, [reg, asg]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class County:
    def __init__(self, api: TestClient, admin: str, code: str | None = None):
        self.api, self.admin = api, bearer(admin)
        self.code = code or "T" + secrets.token_hex(4).upper()
        r = api.post(f"{API}/admin/counties", json={"code": self.code, "name": f"测试县{self.code}"},
                     headers=self.admin)
        assert r.status_code == 201, r.text

    def window_code(self, window: str = "W01") -> str:
        r = self.api.post(f"{API}/admin/counties/{self.code}/windows", json={"window_code": window},
                          headers=self.admin)
        assert r.status_code == 201, r.text
        return r.json()["enrolment_code"]

    def enrol(self, window: str = "W01", chain: Chain | None = None) -> tuple[Chain, dict]:
        chain = chain or Chain()
        r = self.api.post(f"{API}/enrol", json={"code": self.window_code(window), "device_id": chain.device_id,
                                                "device_name": window})
        assert r.status_code == 200, r.text
        return chain, bearer(r.json()["token"])

    def dept_user(self, dept: str = "D01", username: str | None = None) -> dict:
        r = self.api.post(f"{API}/admin/counties/{self.code}/departments/{dept}/users",
                          json={"username": username or f"u{secrets.token_hex(3)}"}, headers=self.admin)
        assert r.status_code == 201, r.text
        return bearer(r.json()["token"])


@pytest.fixture(scope="module")
def api(server_app):
    return TestClient(server_app, raise_server_exceptions=False)


@pytest.fixture
def county(api, server_admin_token):
    return County(api, server_admin_token)


def push(api, headers, events) -> httpx.Response:
    return api.post(f"{API}/events", json={"events": events}, headers=headers)


def results(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["results"]


# -- migrations -----------------------------------------------------------------------------
def test_migrations_are_recorded_and_idempotent(pg_database_url):
    from server.db import migrate, migration_files

    assert migrate(pg_database_url) == []          # already applied by the fixture
    with psycopg.connect(pg_database_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in migration_files()]


# -- enrolment ------------------------------------------------------------------------------
def test_enrolment_code_works_once_and_adopts_device_id(api, county):
    code = county.window_code("W01")
    dev = str(uuid.uuid4())
    r = api.post(f"{API}/enrol", json={"code": code.lower().replace("-", " "), "device_id": dev})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["device_id"] == dev and body["window_code"] == "W01" and body["county_code"] == county.code
    assert body["token"].startswith("dev_")
    again = api.post(f"{API}/enrol", json={"code": code, "device_id": str(uuid.uuid4())})
    assert again.status_code == 400 and again.json()["code"] == "bad_code"
    # a second device on the same window is refused until the first is revoked
    other = api.post(f"{API}/enrol", json={"code": county.window_code("W01"), "device_id": str(uuid.uuid4())})
    assert other.status_code == 409 and other.json()["code"] == "window_in_use"
    # the same device may re-enrol (a new token; the old one stops working)
    re = api.post(f"{API}/enrol", json={"code": county.window_code("W01"), "device_id": dev})
    assert re.status_code == 200
    assert api.get(f"{API}/events", headers=bearer(body["token"])).status_code == 401
    assert api.get(f"{API}/events", headers=bearer(re.json()["token"])).status_code == 200


def test_enrolment_code_expires(api, county, pg_database_url):
    code = county.window_code("W02")
    with psycopg.connect(pg_database_url) as conn:
        conn.execute("UPDATE enrolment_codes SET expires_at = now() - interval '1 minute' WHERE county = %s",
                     (county.code,))
    r = api.post(f"{API}/enrol", json={"code": code, "device_id": str(uuid.uuid4())})
    assert r.status_code == 400 and r.json()["code"] == "bad_code"


def test_enrolment_code_is_stored_hashed(api, county, pg_database_url):
    code = county.window_code("W03")
    _, headers = county.enrol("W04")
    token = headers["Authorization"].split()[1]
    with psycopg.connect(pg_database_url) as conn:
        dump = " ".join(str(r) for r in conn.execute("SELECT * FROM enrolment_codes")) + \
            " ".join(str(r) for r in conn.execute("SELECT * FROM tokens"))
    assert code not in dump and code.replace("-", "") not in dump and token not in dump


# -- push -----------------------------------------------------------------------------------
def test_push_is_idempotent_and_same_id_other_body_is_409(api, county):
    chain, h = county.enrol()
    case_id, evs = chain.register()
    first = results(push(api, h, evs))
    assert [r["status"] for r in first] == ["accepted", "accepted"]
    assert first[0]["server_seq"] < first[1]["server_seq"]
    again = results(push(api, h, evs))
    assert [(r["status"], r["server_seq"]) for r in again] == [("duplicate", r["server_seq"]) for r in first]
    forged = dict(evs[1], payload=dict(evs[1]["payload"], lead_dept="D09"))
    forged["hash"] = p.event_hash(forged)
    r = push(api, h, [forged])
    assert r.status_code == 409
    assert r.json()["results"][0]["status"] == "conflict"
    # mixed with a good event: 200, that one answered conflict
    note = chain.make(case_id, p.NOTE_ADDED, {"text": "补充材料", "actor": "张三"})
    mixed = results(push(api, h, [forged, note]))
    assert [r["status"] for r in mixed] == ["conflict", "accepted"]
    # an event twice in one batch: accepted then duplicate with the same seq
    note2 = chain.make(case_id, p.NOTE_ADDED, {"text": "再补充", "actor": "张三"})
    twice = results(push(api, h, [note2, note2]))
    assert [r["status"] for r in twice] == ["accepted", "duplicate"]
    assert twice[0]["server_seq"] == twice[1]["server_seq"]


def test_chain_verification_rejects_forged_and_broken_chains(api, county, server_admin_token):
    chain, h = county.enrol()
    case_id, evs = chain.register()
    assert [r["status"] for r in results(push(api, h, evs))] == ["accepted", "accepted"]
    head = chain.head
    # body altered after hashing
    tampered = chain.make(case_id, p.NOTE_ADDED, {"text": "原文", "actor": "张三"}, advance=False)
    tampered["payload"]["text"] = "篡改"
    r = results(push(api, h, [tampered]))[0]
    assert r["status"] == "rejected" and r["code"] == "bad_hash"
    # rehashed but linked to something else (a removed event)
    skipped = chain.make(case_id, p.NOTE_ADDED, {"text": "被删掉的", "actor": "张三"})
    after = chain.make(case_id, p.NOTE_ADDED, {"text": "之后", "actor": "张三"})
    r = results(push(api, h, [after]))[0]
    assert r["status"] == "rejected" and r["code"] == "chain_broken" and r["reason"]
    # a genesis restart (forked chain) is broken too
    fork = Chain(chain.device_id)
    r = results(push(api, h, [fork.make(case_id, p.NOTE_ADDED, {"text": "分叉"})]))[0]
    assert r["code"] == "chain_broken"
    # events of another device under this token
    stranger = Chain()
    r = results(push(api, h, [stranger.make(case_id, p.NOTE_ADDED, {"text": "x"})]))[0]
    assert r["code"] == "wrong_device"
    # the head did not move: the genuine continuation is accepted
    devs = api.get(f"{API}/admin/counties/{county.code}/devices", headers=bearer(server_admin_token)).json()
    assert {d["device_id"]: d["chain_head"] for d in devs}[chain.device_id] == head
    assert [r["status"] for r in results(push(api, h, [skipped, after]))] == ["accepted", "accepted"]
    faults = api.get(f"{API}/admin/counties/{county.code}/chain-faults", headers=bearer(server_admin_token)).json()
    assert {f["code"] for f in faults} == {"bad_hash", "chain_broken"}


def test_state_validation_rejects_impossible_transition_with_reason(api, county):
    chain, h = county.enrol()
    case_id, evs = chain.register()
    results(push(api, h, evs))
    bad = chain.make(case_id, p.EVALUATED, {"rating": "满意", "actor": "张三"})     # not replied yet
    nxt = chain.make(case_id, p.NOTE_ADDED, {"text": "仍可备注", "actor": "张三"})
    unknown_case = chain.make(str(uuid.uuid4()), p.NOTE_ADDED, {"text": "无此案", "actor": "张三"})
    broken = chain.make(case_id, p.REJECTED, {"reason": "  ", "actor": "张三"})
    malformed = chain.make(str(uuid.uuid4()), p.CASE_REGISTERED, {"title": "缺字段"})
    res = results(push(api, h, [bad, nxt, unknown_case, broken, malformed]))
    assert [r["status"] for r in res] == ["rejected", "accepted", "rejected", "rejected", "rejected"]
    assert res[0]["code"] == "bad_transition" and "不能执行" in res[0]["reason"] and res[0]["reason_en"]
    assert res[2]["code"] == "bad_transition" and res[3]["reason"] == "必须填写原因。"
    assert res[4]["code"] == "malformed"
    # the chain runs through rejected events; asking again gives the same answer
    assert results(push(api, h, [bad]))[0] == res[0]
    later = chain.make(case_id, p.NOTE_ADDED, {"text": "之后", "actor": "张三"})
    assert results(push(api, h, [later]))[0]["status"] == "accepted"


def test_values_that_would_make_deadlines_run_away_are_rejected(api, county):
    chain, h = county.enrol()
    case_id, evs = chain.register()
    results(push(api, h, evs))
    huge = chain.make(case_id, p.EXTENSION_DECIDED, {"approved": True, "days": 10**9})
    res = results(push(api, h, [huge]))[0]
    assert res["status"] == "rejected" and res["code"] == "malformed"
    _, reg = Chain().register()
    reg_payload = dict(reg[0]["payload"], received_at="9999-12-31T10:00:00+08:00")
    far_case = chain.make(str(uuid.uuid4()), p.CASE_REGISTERED, reg_payload)
    assert results(push(api, h, [far_case]))[0]["code"] == "malformed"
    ok = chain.make(case_id, p.EXTENSION_DECIDED, {"approved": True, "days": 2})
    assert results(push(api, h, [ok]))[0]["status"] == "accepted"


def test_batch_limits_and_malformed_bodies_are_4xx_json(api, county):
    chain, h = county.enrol()
    case_id, evs = chain.register()
    too_many = [evs[0]] * 501
    r = push(api, h, too_many)
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    r = api.post(f"{API}/events", content=b"{not json", headers=dict(h, **{"Content-Type": "application/json"}))
    assert r.status_code == 422 and "message" in r.json()
    r = api.post(f"{API}/events", json={"events": [dict(evs[0], payload="text")]}, headers=h)
    assert r.status_code == 422
    r = api.post(f"{API}/events", json={"events": [dict(evs[0], event_id=12)]}, headers=h)
    assert r.status_code == 422
    big = b'{"events": [' + b'"' + b"x" * (5 * 1024 * 1024 + 10) + b'"]}'
    r = api.post(f"{API}/events", content=big, headers=dict(h, **{"Content-Type": "application/json"}))
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    nul = chain.make(case_id, p.NOTE_ADDED, {"text": "a\x00b"}, advance=False)
    assert results(push(api, h, [nul]))[0]["code"] == "malformed"
    assert api.get(f"{API}/nowhere").status_code == 404
    assert api.get(f"{API}/nowhere").json()["code"] == "not_found"
    assert api.get(f"{API}/events?since=-1", headers=h).status_code == 422
    assert api.get(f"{API}/events?limit=abc", headers=h).status_code == 422


# -- pull -----------------------------------------------------------------------------------
def test_pull_orders_by_server_seq_with_cursor(api, county):
    a, ha = county.enrol("W01")
    b, hb = county.enrol("W02")
    seqs = []
    for i in range(3):
        _, evs = a.register(n=i + 1)
        seqs += [r["server_seq"] for r in results(push(api, ha, evs))]
        _, evs = b.register(window="W02", n=i + 1)
        seqs += [r["server_seq"] for r in results(push(api, hb, evs))]
    got, since, pages = [], 0, 0
    while True:
        page = api.get(f"{API}/events", params={"since": since, "limit": 5}, headers=hb).json()
        pages += 1
        got += page["events"]
        assert page["next"] >= since
        since = page["next"]
        if not page["more"]:
            break
    assert pages == 3
    assert [e["server_seq"] for e in got] == sorted(seqs)
    for e in got:   # envelopes verify as they were pushed
        assert p.event_hash({k: e[k] for k in p.ENVELOPE_FIELDS}) == e["hash"]
    assert p.verify_chain([e for e in got if e["device_id"] == a.device_id]) == []
    empty = api.get(f"{API}/events", params={"since": since}, headers=ha).json()
    assert empty == {"events": [], "next": since, "more": False}


# -- isolation ------------------------------------------------------------------------------
def test_county_isolation(api, server_admin_token):
    A, B = County(api, server_admin_token), County(api, server_admin_token)
    ca, ha = A.enrol()
    cb, hb = B.enrol()
    case_b, evs = cb.register()
    results(push(api, hb, evs))
    # A sees nothing of B
    assert api.get(f"{API}/events", headers=ha).json()["events"] == []
    assert len(api.get(f"{API}/events", headers=hb).json()["events"]) == 2
    # A cannot write B's case, nor register a case under B's case id
    r = results(push(api, ha, [ca.make(case_b, p.NOTE_ADDED, {"text": "越权"})]))[0]
    assert r["status"] == "rejected" and r["code"] == "wrong_county"
    _, reg = Chain().register()     # a payload only; ca's chain is untouched
    hijack = ca.make(case_b, p.CASE_REGISTERED, reg[0]["payload"])
    assert results(push(api, ha, [hijack]))[0]["code"] == "wrong_county"
    # A's window cannot push B's device's events either
    assert results(push(api, ha, [cb.make(case_b, p.NOTE_ADDED, {"text": "x"}, advance=False)]))[0]["code"] == "wrong_device"
    # departments of A cannot see or act on B's case
    da = A.dept_user("D01")
    assert api.get(f"{API}/dept/cases", headers=da).json()["cases"] == []
    r = api.post(f"{API}/dept/cases/{case_b}/accept", headers=da)
    assert r.status_code == 404
    # blobs are per county
    data = b"county B only"
    sha = hashlib.sha256(data).hexdigest()
    assert api.put(f"{API}/blobs/{sha}", content=data, headers=hb).status_code == 200
    assert api.head(f"{API}/blobs/{sha}", headers=ha).status_code == 404
    assert api.get(f"{API}/blobs/{sha}", headers=ha).status_code == 404
    assert api.get(f"{API}/blobs/{sha}", headers=hb).content == data
    # configuration is the token's county's
    assert api.get(f"{API}/config", headers=ha).json()["county"]["county_code"] == A.code
    # B's case is unchanged
    assert [e["type"] for e in api.get(f"{API}/events", headers=hb).json()["events"]] == ["case_registered", "assigned"]


# -- tokens ---------------------------------------------------------------------------------
def test_forged_expired_and_revoked_tokens_are_refused(api, county, pg_database_url, server_admin_token):
    chain, h = county.enrol()
    assert api.get(f"{API}/events", headers=h).status_code == 200
    for bad in ({}, bearer("dev_" + secrets.token_urlsafe(32)), {"Authorization": "Basic abc"},
                bearer(server_admin_token)):
        r = api.get(f"{API}/events", headers=bad)
        assert r.status_code == 401, (bad, r.text)
        assert r.json()["code"] in ("missing_token", "bad_token")
    # a device token is no admin token, a department token no device token
    assert api.post(f"{API}/admin/counties", json={"code": "XX", "name": "x"}, headers=h).status_code == 401
    dept = county.dept_user()
    assert api.get(f"{API}/events", headers=dept).status_code == 403
    assert api.get(f"{API}/dept/cases", headers=h).status_code == 403
    # expired
    with psycopg.connect(pg_database_url) as conn:
        conn.execute("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE device_id = %s",
                     (chain.device_id,))
    r = api.get(f"{API}/events", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "expired"
    # revoked: refused, and it cannot enrol again
    chain2, h2 = county.enrol("W02")
    r = api.post(f"{API}/admin/devices/{chain2.device_id}/revoke", headers=bearer(server_admin_token))
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = push(api, h2, [])
    assert r.status_code == 401 and r.json()["code"] == "revoked"
    r = api.post(f"{API}/enrol", json={"code": county.window_code("W02"), "device_id": chain2.device_id})
    assert r.status_code == 403
    # a new device can take over the revoked device's window
    _, h3 = county.enrol("W02")
    assert api.get(f"{API}/events", headers=h3).status_code == 200
    assert api.post(f"{API}/admin/devices/{uuid.uuid4()}/revoke", headers=bearer(server_admin_token)).status_code == 404
    # a department user can be revoked too
    r = api.post(f"{API}/admin/counties/{county.code}/departments/D01/users", json={"username": "gone"},
                 headers=bearer(server_admin_token))
    dh = bearer(r.json()["token"])
    assert api.get(f"{API}/dept/cases", headers=dh).status_code == 200
    r = api.post(f"{API}/admin/counties/{county.code}/users/gone/revoke", headers=bearer(server_admin_token))
    assert r.status_code == 200 and r.json()["revoked_tokens"] == 1
    r = api.get(f"{API}/dept/cases", headers=dh)
    assert r.status_code == 401 and r.json()["code"] == "revoked"
    assert api.post(f"{API}/admin/counties/{county.code}/users/nobody/revoke",
                    headers=bearer(server_admin_token)).status_code == 404


# -- blobs ----------------------------------------------------------------------------------
def test_blob_resumable_upload_and_hash_check(api, county):
    _, h = county.enrol()
    data = secrets.token_bytes(300_000)
    sha = hashlib.sha256(data).hexdigest()
    url = f"{API}/blobs/{sha}"
    assert api.head(url, headers=h).status_code == 404
    total = len(data)
    r = api.put(url, content=data[:100_000], headers=dict(h, **{"Content-Range": f"bytes 0-99999/{total}"}))
    assert r.status_code == 200 and r.json() == {"sha256": sha, "complete": False, "offset": 100_000, "size": total}
    head = api.head(url, headers=h)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "100000"
    assert head.headers["X-Blob-Complete"] == "false"
    # a gap is refused with the offset to resume from
    r = api.put(url, content=data[200_000:], headers=dict(h, **{"Content-Range": f"bytes 200000-{total - 1}/{total}"}))
    assert r.status_code == 409 and r.headers["Upload-Offset"] == "100000"
    # a resent overlapping part is fine: only the new tail is kept
    r = api.put(url, content=data[50_000:200_000], headers=dict(h, **{"Content-Range": f"bytes 50000-199999/{total}"}))
    assert r.json()["offset"] == 200_000
    assert api.get(url, headers=h).status_code == 404          # not complete yet
    r = api.put(url, content=data[200_000:], headers=dict(h, **{"Content-Range": f"bytes 200000-{total - 1}/{total}"}))
    assert r.status_code == 200 and r.json()["complete"] is True
    head = api.head(url, headers=h)
    assert head.headers["X-Blob-Complete"] == "true" and head.headers["Content-Length"] == str(total)
    got = api.get(url, headers=h)
    assert got.status_code == 200 and got.content == data
    # PUT again: idempotent
    assert api.put(url, content=data, headers=h).json()["complete"] is True
    # content that does not match its hash is refused and discarded
    wrong = hashlib.sha256(b"something else").hexdigest()
    r = api.put(f"{API}/blobs/{wrong}", content=b"not that", headers=h)
    assert r.status_code == 400 and r.json()["code"] == "hash_mismatch"
    assert api.head(f"{API}/blobs/{wrong}", headers=h).status_code == 404
    r = api.put(url.replace(sha, wrong), content=b"abc", headers=dict(h, **{"Content-Range": "bytes 0-9/3"}))
    assert r.status_code == 400 and r.json()["code"] == "bad_range"
    assert api.put(f"{API}/blobs/NOTAHASH", content=b"x", headers=h).status_code == 422


# -- configuration --------------------------------------------------------------------------
def test_config_etag_and_304(api, county, server_admin_token):
    _, h = county.enrol()
    r = api.get(f"{API}/config", headers=h)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    body = r.json()
    assert body["county"]["county_code"] == county.code and body["version"] == 1
    assert {d["code"] for d in body["county"]["departments"]} >= {"D01", "D02"}
    assert any(s["year"] == 2026 for s in body["holidays"])
    r = api.get(f"{API}/config", headers=dict(h, **{"If-None-Match": etag}))
    assert r.status_code == 304 and r.headers["ETag"] == etag and r.content == b""
    # a department user reads the same configuration
    assert api.get(f"{API}/config", headers=county.dept_user()).headers["ETag"] == etag
    sched = {"year": 2031, "source": "国务院办公厅通知", "holidays": {"2031-01-01": "元旦"},
             "workdays": {"2031-01-04": "元旦调休"}}
    r = api.put(f"{API}/admin/counties/{county.code}/holidays/2031", json=sched, headers=bearer(server_admin_token))
    assert r.status_code == 200 and r.json()["version"] == 2
    r = api.get(f"{API}/config", headers=dict(h, **{"If-None-Match": etag}))
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert {"year": 2031, "source": "国务院办公厅通知", "holidays": {"2031-01-01": "元旦"},
            "workdays": {"2031-01-04": "元旦调休"}} in r.json()["holidays"]
    etag2 = r.headers["ETag"]
    cfg = r.json()["county"]
    cfg["grade_days"] = {"simple": 1, "general": 2, "complex": 4}
    cfg["office_hours"] = {"open": "10:00", "close": "19:30"}
    r = api.put(f"{API}/admin/counties/{county.code}/config", json=cfg, headers=bearer(server_admin_token))
    assert r.status_code == 200 and r.json()["version"] == 3
    r = api.get(f"{API}/config", headers=dict(h, **{"If-None-Match": etag2}))
    assert r.status_code == 200 and r.json()["county"]["office_hours"]["close"] == "19:30"
    # invalid configuration and schedules are refused clearly
    bad = dict(cfg, grade_days={"simple": 0})
    r = api.put(f"{API}/admin/counties/{county.code}/config", json=bad, headers=bearer(server_admin_token))
    assert r.status_code == 400 and r.json()["code"] == "invalid_config"
    r = api.put(f"{API}/admin/counties/{county.code}/holidays/2031", headers=bearer(server_admin_token),
                json={"year": 2031, "holidays": {"2032-01-01": "x"}})
    assert r.status_code == 400
    r = api.put(f"{API}/admin/counties/{county.code}/holidays/2030", json=sched, headers=bearer(server_admin_token))
    assert r.status_code == 400


def test_server_deadlines_follow_county_rules(api, county, server_admin_token):
    """The server folds cases with the county's grade periods, office hours and schedules,
    exactly like models.store.Store.deadline_fn."""
    from models.calendar import WorkCalendar, bundled_schedules

    chain, h = county.enrol()
    case_id, evs = chain.register(grade="general")
    results(push(api, h, evs))
    dept = county.dept_user("D01")
    case = api.get(f"{API}/dept/cases", headers=dept).json()["cases"][0]["case"]
    cal = WorkCalendar.from_schedules(bundled_schedules(), "18:00")
    want = cal.deadline(dt.datetime.fromisoformat("2026-01-05T10:00:00+08:00"), 3, warn_days=1)
    assert case["due_at"] == want.due_at.isoformat(timespec="seconds")
    assert case["deadline_provisional"] == 0


# -- departments ----------------------------------------------------------------------------
def test_department_accept_reply_extension(api, county):
    chain, h = county.enrol()
    case_id, evs = chain.register(lead="D01", co=("D02",))
    results(push(api, h, evs))
    lead, co, other = county.dept_user("D01"), county.dept_user("D02"), county.dept_user("D03")
    listed = api.get(f"{API}/dept/cases", headers=lead).json()
    assert [(c["role"], c["case"]["id"]) for c in listed["cases"]] == [("lead", case_id)]
    assert [c["role"] for c in api.get(f"{API}/dept/cases", headers=co).json()["cases"]] == ["co"]
    assert api.get(f"{API}/dept/cases", headers=other).json()["cases"] == []
    assert api.get(f"{API}/dept/cases?status=bogus", headers=lead).status_code == 422
    # co-department may not act; unrelated department does not see it
    assert api.post(f"{API}/dept/cases/{case_id}/accept", headers=co).status_code == 403
    assert api.post(f"{API}/dept/cases/{case_id}/accept", headers=other).status_code == 404
    r = api.post(f"{API}/dept/cases/{case_id}/accept", headers=lead)
    assert r.status_code == 200 and r.json()["case"]["status"] == "in_progress"
    assert r.json()["event"]["device_id"] == f"server:{county.code}"
    r = api.post(f"{API}/dept/cases/{case_id}/accept", headers=lead)
    assert r.status_code == 409 and r.json()["code"] == "bad_transition"
    r = api.post(f"{API}/dept/cases/{case_id}/extension", json={"days": 2, "reason": "需现场核查"}, headers=lead)
    assert r.status_code == 200 and r.json()["event"]["type"] == "extension_requested"
    assert api.post(f"{API}/dept/cases/{case_id}/extension", json={"days": 0, "reason": "x"},
                    headers=lead).status_code == 422
    # a reply needs all three parts, none blank
    full = {"analysis": "经核查，许可证可委托办理。", "measures": "已安排专人上门指导。", "policy_basis": "《食品经营许可管理办法》"}
    for missing in full:
        part = {k: v for k, v in full.items() if k != missing}
        r = api.post(f"{API}/dept/cases/{case_id}/reply", json=part, headers=lead)
        assert r.status_code == 422 and missing in r.json()["message"]
        r = api.post(f"{API}/dept/cases/{case_id}/reply", json=dict(full, **{missing: "   "}), headers=lead)
        assert r.status_code == 422
    assert api.post(f"{API}/dept/cases/{case_id}/reply", json=dict(full, analysis=5), headers=lead).status_code == 422
    r = api.post(f"{API}/dept/cases/{case_id}/reply", json=full, headers=lead)
    assert r.status_code == 200
    assert r.json()["case"]["status"] == "replied"
    assert r.json()["event"]["payload"] == dict(full, dept_code="D01", actor=r.json()["event"]["payload"]["actor"])
    assert api.get(f"{API}/dept/cases", headers=lead).json()["cases"] == []
    assert len(api.get(f"{API}/dept/cases?status=all", headers=lead).json()["cases"]) == 1
    # the server device's events form a verified chain, pulled by the window
    events = api.get(f"{API}/events", headers=h).json()["events"]
    server_events = [e for e in events if e["device_id"] == f"server:{county.code}"]
    assert [e["type"] for e in server_events] == ["status_changed", "extension_requested", "replied"]
    assert p.verify_chain(server_events) == []


# -- concurrency ----------------------------------------------------------------------------
def test_concurrent_pushes_keep_seq_gapless_per_commit(api, county, server_app):
    """Several windows push at once: every event lands once, and a puller polling while
    they push never skips an event (server_seq commits in order within a county)."""
    devices = [county.enrol(f"W{i:02d}") for i in range(4)]
    batches = []
    for chain, h in devices:
        evs = []
        for n in range(15):
            evs += chain.register(window="W", n=n)[1]
        batches.append((h, [evs[i:i + 6] for i in range(0, len(evs), 6)]))

    def pusher(h, parts):
        c = TestClient(server_app)        # no `with`: its lifespan would close the shared pool
        out = []
        for part in parts:
            out += results(push(c, h, part))
        return out

    seen, cursor = [], 0
    watcher_h = devices[0][1]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(pusher, h, parts) for h, parts in batches]
        while not all(f.done() for f in futures):
            page = api.get(f"{API}/events", params={"since": cursor}, headers=watcher_h).json()
            seen += page["events"]
            cursor = page["next"]
        answers = [r for f in futures for r in f.result()]
    while True:
        page = api.get(f"{API}/events", params={"since": cursor}, headers=watcher_h).json()
        seen += page["events"]
        cursor = page["next"]
        if not page["more"]:
            break
    assert all(r["status"] == "accepted" for r in answers)
    assert sorted(e["event_id"] for e in seen) == sorted(r["event_id"] for r in answers)
    assert len(seen) == 4 * 30


# -- end to end over uvicorn ----------------------------------------------------------------
def test_end_to_end_two_windows_and_a_department_over_uvicorn(live_server, tmp_path, shared_petitions):
    from models.store import Store

    setup = live_server.setup_county(windows=["W01", "W02"], depts=["D01", "D02", "D03", "D04", "D05"])
    stores, clients = [], []
    for i, window in enumerate(["W01", "W02"]):
        st = Store.open(tmp_path / window)
        if i == 0:   # before enrolment (standalone receipts SA01-…): the chain starts at genesis
            st.register(shared_petitions[10], clerk="单机")
        enrol = live_server.enrol(setup.enrolment_codes[window], device_id=st.device_id)
        st.backend.set_setting("window_code", enrol["window_code"])
        st.reload_configuration()
        for pet in shared_petitions[i * 3:(i + 1) * 3]:           # offline, after enrolment
            st.register(pet, clerk=f"窗口{i}")
        stores.append(st)
        clients.append(live_server.client(enrol["token"]))

    def sync(st, c):
        out = st.outbox(500)
        if out:
            r = c.post("/events", json={"events": out})
            assert r.status_code == 200, r.text
            st.mark_pushed(r.json()["results"])
        while True:
            page = c.get("/events", params={"since": st.sync_cursor(), "limit": 4}).json()
            st.apply_pulled(page["events"], page["next"])
            if not page["more"]:
                break

    for st, c in zip(stores, clients):
        sync(st, c)
    for st, c in zip(stores, clients):
        sync(st, c)
        assert st.pending_count() == 0 and st.rejected_events() == []
    all_cases = {cid for st in stores for cid in
                 [r["id"] for r in st.backend.query("SELECT id FROM cases")]}
    assert len(all_cases) == 7
    # each lead department replies to its cases
    replied = 0
    for dept, token in setup.dept_tokens.items():
        with live_server.client(token) as dc:
            for item in dc.get("/dept/cases").json()["cases"]:
                if item["role"] != "lead":
                    continue
                cid = item["case"]["id"]
                assert dc.post(f"/dept/cases/{cid}/accept").status_code == 200
                r = dc.post(f"/dept/cases/{cid}/reply", json={"analysis": "分析", "measures": "措施", "policy_basis": "依据"})
                assert r.status_code == 200, r.text
                replied += 1
    assert replied >= 1
    for st, c in zip(stores, clients):
        sync(st, c)
    states = [{cid: st.get_case(cid)["status"] for cid in all_cases} for st in stores]
    assert states[0] == states[1]
    assert sum(1 for s in states[0].values() if s == "replied") == replied
    # chains verify from the pulled record
    with live_server.client(clients[0].headers["Authorization"].split()[1]) as c:
        events = c.get("/events", params={"limit": 5000}).json()["events"]
    by_device: dict[str, list] = {}
    for e in events:
        by_device.setdefault(e["device_id"], []).append(e)
    assert len(by_device) == 3 and all(p.verify_chain(evs) == [] for evs in by_device.values())
    for c in clients:
        c.close()
    for st in stores:
        st.close()


def test_live_server_restart_keeps_data(live_server_factory):
    srv = live_server_factory()
    setup = srv.setup_county()
    enrol = srv.enrol(setup.enrolment_codes["W01"])
    chain = Chain(enrol["device_id"])
    _, evs = chain.register()
    with srv.client(enrol["token"]) as c:
        assert [r["status"] for r in c.post("/events", json={"events": evs}).json()["results"]] == ["accepted"] * 2
    srv.restart(kill=True)
    with srv.client(enrol["token"]) as c:
        assert [r["status"] for r in c.post("/events", json={"events": evs}).json()["results"]] == ["duplicate"] * 2
        assert len(c.get("/events").json()["events"]) == 2


# -- house rules and start-up ---------------------------------------------------------------
def test_server_never_imports_ui_or_sync():
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "server"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("ui", "sync"), f"{path.name} imports {name}"


def test_newer_database_schema_is_refused(pg_admin_url):
    from server.db import migrate
    from server.testing import temp_database

    with temp_database(pg_admin_url) as url:
        migrate(url)
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO schema_migrations(version, name) VALUES (999, '999_future.sql')")
        with pytest.raises(RuntimeError, match="newer"):
            migrate(url)


def test_starts_from_environment_variables(pg_admin_url, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from server.testing import REPO, free_port, temp_database

    with temp_database(pg_admin_url) as url:
        port = free_port()
        env = dict(os.environ, INTAKE_DATABASE_URL=url, INTAKE_ADMIN_TOKEN="env-admin",
                   INTAKE_LISTEN=f"127.0.0.1:{port}", PYTHONPATH=str(REPO))
        log = open(tmp_path / "server.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "server"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            r = httpx.post(f"http://127.0.0.1:{port}{API}/admin/counties", json={"code": "ENV", "name": "环境县"},
                           headers=bearer("env-admin"))
            assert r.status_code == 201, r.text
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()
        no_db = subprocess.run([sys.executable, "-m", "server"], cwd=REPO, capture_output=True, text=True,
                               env={k: v for k, v in env.items() if k != "INTAKE_DATABASE_URL"})
        assert no_db.returncode == 2 and "INTAKE_DATABASE_URL" in no_db.stderr
