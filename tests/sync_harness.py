"""Helpers for the sync tests against a live county server: the administrator's and a
department's side over HTTP, windows as real stores in temp dirs, and the checks that
every test ends with (each case exactly once everywhere, chains verify, same state)."""
from __future__ import annotations

import collections
from pathlib import Path

import httpx
import pytest

from models import protocol as p
from models.store import Store


# fields of a case that every replica must agree on once synced
CONVERGED_FIELDS = ("receipt_no", "status", "lead_dept", "co_depts", "grade", "due_at", "warn_at",
                    "rating", "rework_count", "title", "content", "contact", "phone", "flagged",
                    "extension_days", "reason", "version", "replied_at", "closed_at")


class Dept:
    def __init__(self, base_url: str, token: str):
        self.http = httpx.Client(base_url=base_url.rstrip("/") + p.API_PREFIX, timeout=30, trust_env=False,
                                 headers={"Authorization": f"Bearer {token}"})

    def close(self):
        self.http.close()

    def cases(self, status: str = "all") -> list[dict]:
        r = self.http.get("/dept/cases", params={"status": status})
        assert r.status_code == 200, r.text
        return [c["case"] for c in r.json()["cases"]]

    def accept(self, case_id: str) -> httpx.Response:
        return self.http.post(f"/dept/cases/{case_id}/accept")

    def reply(self, case_id: str, text: str = "已现场核实") -> httpx.Response:
        return self.http.post(f"/dept/cases/{case_id}/reply", json={
            "analysis": f"经核查：{text}。", "measures": "已安排专人上门办理。", "policy_basis": "《优化营商环境条例》"})

    def extension(self, case_id: str, days: int = 2) -> httpx.Response:
        return self.http.post(f"/dept/cases/{case_id}/extension", json={"days": days, "reason": "需要现场勘察"})


def all_server_events(base_url: str, token: str, page: int = 5000) -> list[dict]:
    """Every event the server holds for the token's county, in server_seq order."""
    out, since = [], 0
    with httpx.Client(base_url=base_url.rstrip("/") + p.API_PREFIX, timeout=60, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        while True:
            r = c.get("/events", params={"since": since, "limit": page})
            assert r.status_code == 200, r.text
            body = r.json()
            out += body["events"]
            since = body["next"]
            if not body["more"]:
                return out


def check_server_log(events: list[dict]) -> dict[str, list[dict]]:
    """Each event once, each case registered once, every device's chain verifies.
    Returns the events grouped by case."""
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids)), "an event is on the server twice"
    seqs = [e["server_seq"] for e in events]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    regs = collections.Counter(e["case_id"] for e in events if e["type"] == p.CASE_REGISTERED)
    assert all(n == 1 for n in regs.values()), "a case is registered twice on the server"
    receipts = collections.Counter(e["payload"]["receipt_no"] for e in events if e["type"] == p.CASE_REGISTERED)
    assert all(n == 1 for n in receipts.values()), "a receipt number is used twice"
    by_case: dict[str, list[dict]] = collections.defaultdict(list)
    for e in events:
        assert p.event_hash(e) == e["hash"]
        by_case[e["case_id"]].append(e)
    return by_case


def check_window(store: Store, server_events: list[dict]) -> None:
    """The window has every server event once, nothing waiting, its own chain verifies,
    and each case once."""
    assert store.pending_count() == 0
    assert store.verify_local_chain() == []
    rows = store.backend.query("SELECT event_id, server_seq FROM events WHERE push_state IS NULL "
                               "OR push_state != 'rejected'")
    mine = {r["event_id"]: r["server_seq"] for r in rows}
    theirs = {e["event_id"]: e["server_seq"] for e in server_events}
    assert mine == theirs, (len(mine), len(theirs), set(mine) ^ set(theirs))
    cases = {e["case_id"] for e in server_events if e["type"] == p.CASE_REGISTERED}
    assert store.backend.scalar("SELECT count(*) FROM cases") == len(cases)
    assert {r[0] for r in store.backend.query("SELECT id FROM cases")} == cases
    # every projection is exactly the fold of its events in the server's order, however
    # it was reached (local edits, pages folded forward, rebuilds)
    before = snapshot(store)
    with store.backend.transaction():
        for cid in cases:
            store._rebuild_case(cid)
    assert snapshot(store) == before


def snapshot(store: Store) -> dict[str, dict]:
    out = {}
    for r in store.backend.query("SELECT * FROM cases"):
        row = dict(r)
        out[row["id"]] = {k: row[k] for k in CONVERGED_FIELDS}
    return out


def device_chains_verify(server_events: list[dict]) -> None:
    """Accepted events of each device, in order, link up (rejected ones in between are
    absent from the log, so only the hash of each event is checked across gaps)."""
    for e in server_events:
        assert p.event_hash(e) == e["hash"]


# -- windows ----------------------------------------------------------------------------------
class Window:
    """One installation: a real store in its own data dir, enrolled with the county server."""

    def __init__(self, data_dir: Path, name: str):
        self.data_dir = data_dir
        self.name = name
        self.store = Store.open(data_dir)

    def enroll(self, server_url: str, code: str) -> dict:
        from sync import client as sc

        return sc.enroll(self.store, server_url, code)

    def sync(self, **kw):
        from sync import client as sc

        return sc.sync_once(self.store, **kw)

    def sync_until_clean(self, rounds: int = 40, **kw):
        """Rounds until one goes through with nothing left to send (bounded)."""
        last = None
        for _ in range(rounds):
            last = self.sync(**kw)
            if last.ok and last.events_pending == 0 and last.media_pending == 0:
                return last
        raise AssertionError(f"{self.name} did not finish syncing: {last.as_dict() if last else None}")

    def register(self, record: dict, **extra) -> dict:
        return self.store.register(dict(record, clerk=extra.pop("clerk", "李娜"), **extra))

    def reopen(self) -> None:
        self.store.close()
        self.store = Store.open(self.data_dir)

    def close(self) -> None:
        self.store.close()

    def token(self) -> str:
        from sync import credentials

        return credentials.require_token(self.store.device_id)


def petition(shared: list[dict], i: int, **over) -> dict:
    rec = dict(shared[i % len(shared)])
    rec.pop("id", None)
    rec.pop("dept", None)
    rec.update(over)
    return rec


def received_for_colour(store: Store, colour: str, grade: str = "general"):
    """A back-entered receipt time that makes a case of this grade show ``colour`` now."""
    import datetime as dt

    from models.calendar import BEIJING, now

    t = now().astimezone(BEIJING).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    for hours in range(0, 24 * 40, 3):
        start = t - dt.timedelta(hours=hours)
        d = store.deadline(start, grade)
        n = now()
        if colour == "yellow" and d.warn_at <= n < d.due_at:
            return start
        if colour == "red" and d.due_at <= n:
            return start
        if colour == "green" and n < d.warn_at:
            return start
    raise AssertionError(f"no receipt time gives {colour}")


@pytest.fixture
def memory_keyring():
    import keyring

    from sync_keyrings import MemoryKeyring

    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def windows(tmp_path, memory_keyring):
    made: list[Window] = []

    def make(name: str) -> Window:
        w = Window(tmp_path / name, name)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def check_server_chains(database_url: str, *windows: "Window") -> None:
    """The server recorded no chain fault for these windows, and its head of each
    window's chain is the window's own head: every event arrived once, in order."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        for w in windows:
            dev = w.store.device_id
            faults = conn.execute("SELECT count(*) FROM chain_faults WHERE device_id = %s", (dev,)).fetchone()[0]
            assert faults == 0, f"{w.name}: {faults} chain faults on the server"
            head = conn.execute("SELECT chain_head FROM devices WHERE device_id = %s", (dev,)).fetchone()[0]
            assert head == w.store.backend.get_setting("chain_head"), w.name
