"""Event ingestion shared by window pushes and department actions: idempotency, the
per-device hash chain, state validation with ``models.projection.apply`` and monotonic
``server_seq`` — all under the county's row lock so that a county's events commit in
``server_seq`` order (a puller never skips a sequence number that commits later)."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
from psycopg.types.json import Jsonb

from models import protocol as p
from models.calendar import WorkCalendar, YearSchedule, bundled_schedules, iso
from models.county import CountyConfig
from models.errors import TransitionError, UserError
from models.projection import apply

from .errors import ApiError

SERVER_DEVICE_PREFIX = "server:"
log = logging.getLogger("server")


def server_device_id(county: str) -> str:
    return f"{SERVER_DEVICE_PREFIX}{county}"


# -- county rules (cached per config version) ------------------------------------------------
@dataclass
class CountyRules:
    code: str
    version: int
    config: dict
    county: CountyConfig
    calendar: WorkCalendar
    holidays: list[dict]
    _config_body: tuple[bytes, str] | None = field(default=None, repr=False)

    def deadline_fn(self, start_iso: str, grade: str, extension_days: int) -> tuple[str, str, bool]:
        """Exactly models.store.Store.deadline_fn, on this county's rules."""
        days = self.county.grade_days[grade] + extension_days
        d = self.calendar.deadline(dt.datetime.fromisoformat(start_iso), days,
                                   warn_days=self.county.warning_days)
        return iso(d.due_at), iso(d.warn_at), d.provisional

    def config_body(self) -> tuple[bytes, str]:
        """The GET /config body and its ETag."""
        if self._config_body is None:
            body = p.canonical_json({"county": self.config, "holidays": self.holidays,
                                     "version": self.version}).encode("utf-8")
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            self._config_body = (body, etag)
        return self._config_body


_rules_cache: dict[tuple[str, str, int], CountyRules] = {}
_rules_lock = threading.Lock()


def load_rules(conn: psycopg.Connection, county: str, *, lock: bool = False) -> CountyRules:
    row = conn.execute("SELECT code, config, config_version FROM counties WHERE code = %s"
                       + (" FOR UPDATE" if lock else ""), (county,)).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "找不到该县。", f"No county {county}.")
    dbname = conn.info.dbname
    key = (dbname, county, row["config_version"])
    with _rules_lock:
        cached = _rules_cache.get(key)
    if cached is not None:
        return cached
    loaded = {r["year"]: r["schedule"] for r in conn.execute(
        "SELECT year, schedule FROM holiday_schedules WHERE county = %s", (county,))}
    schedules = {s.year: s for s in bundled_schedules()}
    for year, data in loaded.items():
        schedules[year] = YearSchedule.from_json(data)
    cfg = CountyConfig.from_json(row["config"])
    cal = WorkCalendar.from_schedules(schedules.values(), cfg.office_close)
    rules = CountyRules(county, row["config_version"], row["config"], cfg, cal,
                        [schedules[y].to_json() for y in sorted(schedules)])
    with _rules_lock:
        for k in [k for k in _rules_cache if k[:2] == key[:2]]:
            del _rules_cache[k]
        _rules_cache[key] = rules
    return rules


# -- strings PostgreSQL can store -----------------------------------------------------------
def storable(value: Any) -> bool:
    """No NUL characters and no lone surrogates anywhere (text and jsonb refuse both)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(v) for v in value)
    return True


def storable_body(body: str, value: Any) -> bool:
    """storable() for a value whose canonical JSON is ``body``, fast in the usual case:
    canonical JSON escapes NUL as \\u0000 and keeps lone surrogates raw."""
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\\u0000" not in body or storable(value)


# -- bounds the reducer does not check (they would make deadline computation run away) -----
MAX_EXTENSION_DAYS = 366


def _bounded(env: dict) -> tuple[str, str] | None:
    """(zh, en) when a value would make deadline computation unreasonable; else None."""
    etype, payload = env["type"], env["payload"]
    if etype in (p.EXTENSION_DECIDED, p.EXTENSION_REQUESTED) and "days" in payload:
        days = payload["days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_EXTENSION_DAYS:
            return ("延期天数无效。", f"Extension days must be an integer 0..{MAX_EXTENSION_DAYS}.")
    for key in ("received_at", "period_start"):
        value = payload.get(key)
        if value is None:
            continue
        try:
            year = dt.datetime.fromisoformat(str(value)).year
        except ValueError:
            return (f"时间格式无效：{key}", f"{key} is not an ISO 8601 time.")
        if not 2000 <= year <= 2199:
            return (f"时间超出范围：{key}", f"{key} is out of range (2000-2199).")
    return None


# -- ingestion ------------------------------------------------------------------------------
class _Retry(Exception):
    """A concurrent writer in another county raced us on a unique key; redo the batch."""


def _result(event_id: str, status: str, *, seq: int | None = None, code: str | None = None,
            zh: str | None = None, en: str | None = None) -> dict:
    out: dict[str, Any] = {"event_id": event_id, "status": status}
    if seq is not None:
        out["server_seq"] = seq
    if code is not None:
        out.update(code=code, reason=zh, reason_en=en)
    return out


def ingest(conn: psycopg.Connection, county: str, device_id: str,
           events: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    """Store a batch of one device's events in the current transaction.

    Returns the per-event answers and the new state of every case touched."""
    rules = load_rules(conn, county, lock=True)          # the county lock: seq order = commit order
    dev = conn.execute("SELECT chain_head, county FROM devices WHERE device_id = %s FOR UPDATE",
                       (device_id,)).fetchone()
    if dev is None or dev["county"] != county:
        raise ApiError(403, "forbidden", "设备不属于该县。", "The device does not belong to this county.")
    head = dev["chain_head"]
    ids = list({e["event_id"] for e in events if isinstance(e.get("event_id"), str)})
    known: dict[str, tuple[str, str, dict]] = {}   # event_id -> (kind, body, info)
    for r in conn.execute("SELECT event_id, body, server_seq FROM events WHERE event_id = ANY(%s)", (ids,)):
        known[r["event_id"]] = ("accepted", r["body"], {"seq": r["server_seq"]})
    for r in conn.execute("SELECT event_id, body, code, reason, reason_en FROM rejected_events "
                          "WHERE event_id = ANY(%s)", (ids,)):
        known.setdefault(r["event_id"], ("rejected", r["body"], dict(r)))
    case_ids = list({e["case_id"] for e in events})
    cases: dict[str, dict | None] = {}
    case_county: dict[str, str] = {}
    for r in conn.execute("SELECT case_id, county, state FROM cases WHERE case_id = ANY(%s) FOR UPDATE",
                          (case_ids,)):
        case_county[r["case_id"]] = r["county"]
        cases[r["case_id"]] = r["state"]
    results: list[dict] = []
    accepted: list[tuple[int, dict, str]] = []      # (index in results, envelope, body)
    rejected_rows: list[tuple] = []
    faults: list[tuple] = []
    touched: set[str] = set()
    in_batch_dups: list[tuple[dict, dict]] = []
    for ev in events:
        env = {k: ev[k] for k in p.ENVELOPE_FIELDS}
        eid = env["event_id"]
        body = p.canonical_json(env)
        if not storable_body(body, env):
            results.append(_result(eid, "rejected", code="malformed",
                                   zh="事件含有无法保存的字符（空字符或不成对的代理项）。",
                                   en="The event contains characters that cannot be stored "
                                      "(NUL or lone surrogates)."))
            continue
        seen = known.get(eid)
        if seen is not None:
            kind, old_body, info = seen
            if old_body != body:
                results.append(_result(eid, "conflict", code="conflict",
                                       zh="同一事件编号已以不同内容提交过。",
                                       en="An event with this event_id and a different body exists."))
            elif kind == "accepted":
                results.append(_result(eid, "duplicate", seq=info["seq"]))
            elif kind == "pending":          # the same event twice in one batch
                orig = info["result"]
                copy = dict(orig, status="duplicate") if orig["status"] == "accepted" else dict(orig)
                in_batch_dups.append((copy, orig))
                results.append(copy)
            else:
                results.append(_result(eid, "rejected", code=info["code"], zh=info["reason"],
                                       en=info["reason_en"]))
            continue
        if env["device_id"] != device_id:
            results.append(_result(eid, "rejected", code="wrong_device",
                                   zh="事件不是由本设备产生的。",
                                   en=f"The event belongs to device {env['device_id']}, not to this token's device."))
            continue
        if p.event_hash(env) != env["hash"]:
            faults.append((county, device_id, eid, "bad_hash", "hash does not match the event body"))
            results.append(_result(eid, "rejected", code="bad_hash",
                                   zh="事件的哈希值与内容不符，可能被篡改。",
                                   en="The event's hash does not match its body."))
            continue
        if env["prev_hash"] != head:
            faults.append((county, device_id, eid, "chain_broken",
                           f"prev_hash {env['prev_hash']} != device head {head}"))
            results.append(_result(eid, "rejected", code="chain_broken",
                                   zh="事件链不连续：前一事件尚未送达或已被篡改。请按顺序重新提交。",
                                   en="prev_hash does not link to this device's last event on the "
                                      "server; push earlier events first, in chain order."))
            continue
        # the chain verifies: from here on the event is part of the device's record
        head = env["hash"]
        cid = env["case_id"]
        outcome: tuple[str, str, str] | None = None
        if cid in case_county and case_county[cid] != county:
            outcome = ("wrong_county", "该案件不属于本县。", "The case belongs to another county.")
        elif (bounds := _bounded(env)) is not None:
            outcome = ("malformed", *bounds)
        else:
            try:
                new_state = apply(cases.get(cid), env, rules.deadline_fn)
            except TransitionError as exc:
                outcome = ("bad_transition", exc.zh, exc.en)
            except UserError as exc:
                outcome = ("malformed", exc.zh, exc.en)
            except Exception as exc:  # KeyError, TypeError, ValueError… from a payload of the wrong shape
                if not isinstance(exc, (KeyError, TypeError, ValueError, AttributeError, OverflowError)):
                    log.warning("unexpected %s folding event %s", type(exc).__name__, eid, exc_info=True)
                outcome = ("malformed", "事件内容不完整或格式不正确。",
                           f"Malformed {env['type']} payload: {type(exc).__name__}: {exc}")
        if outcome is not None:
            code, zh, en = outcome
            rejected_rows.append((eid, county, cid, device_id, env["hash"], body, code, zh, en))
            res = _result(eid, "rejected", code=code, zh=zh, en=en)
            known[eid] = ("pending", body, {"result": res})
            results.append(res)
            continue
        cases[cid] = new_state
        case_county[cid] = county
        touched.add(cid)
        res = _result(eid, "accepted")
        known[eid] = ("pending", body, {"result": res})
        results.append(res)
        accepted.append((len(results) - 1, env, body))

    with conn.cursor() as cur:
        if accepted:
            seqs = sorted(r["s"] for r in cur.execute(
                "SELECT nextval('event_seq') AS s FROM generate_series(1, %s)", (len(accepted),)))
            rows = []
            for (idx, env, body), seq in zip(accepted, seqs):
                results[idx]["server_seq"] = seq
                rows.append((seq, env["event_id"], county, env["case_id"], device_id, env["type"],
                             env["hash"], body))
            try:
                with cur.copy("COPY events(server_seq, event_id, county, case_id, device_id, type, hash, body) "
                              "FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.UniqueViolation:   # the same event_id raced in from another county
                raise _Retry() from None
            for copy, orig in in_batch_dups:
                if "server_seq" in orig:
                    copy["server_seq"] = orig["server_seq"]
            last_seq = {env["case_id"]: seq for (_, env, _), seq in zip(accepted, seqs)}
            case_rows = [(cid, county, cases[cid]["lead_dept"], list(cases[cid]["co_depts"]),
                          cases[cid]["status"], Jsonb(cases[cid]), last_seq[cid]) for cid in touched]
            cur.executemany(
                "INSERT INTO cases(case_id, county, lead_dept, co_depts, status, state, last_seq) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (case_id) DO UPDATE SET "
                "lead_dept = excluded.lead_dept, co_depts = excluded.co_depts, status = excluded.status, "
                "state = excluded.state, last_seq = excluded.last_seq WHERE cases.county = excluded.county",
                case_rows)
            if cur.rowcount != len(case_rows):
                raise _Retry()
        if rejected_rows:
            cur.executemany("INSERT INTO rejected_events(event_id, county, case_id, device_id, hash, body, "
                            "code, reason, reason_en) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                            "ON CONFLICT (event_id) DO NOTHING", rejected_rows)
            if cur.rowcount != len(rejected_rows):
                raise _Retry()
        if faults:
            cur.executemany("INSERT INTO chain_faults(county, device_id, event_id, code, detail) "
                            "VALUES (%s,%s,%s,%s,%s)", faults)
        cur.execute("UPDATE devices SET chain_head = %s, last_seen_at = now() WHERE device_id = %s",
                    (head, device_id))
    return results, {cid: cases[cid] for cid in touched}


def transact(pool, fn: Callable[[psycopg.Connection], Any]) -> Any:
    """fn(conn) in one transaction, redone when a unique key raced with another county."""
    for attempt in range(3):
        try:
            with pool.connection() as conn:
                with conn.transaction():
                    return fn(conn)
        except _Retry:
            if attempt == 2:
                raise ApiError(503, "busy", "服务器繁忙，请稍后重试。", "Concurrent update; retry.",
                               headers={"Retry-After": "1"})
    raise AssertionError("unreachable")
