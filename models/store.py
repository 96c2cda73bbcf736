"""The case store: one object that holds the SQLite file, the county's rules and the
router, and performs every change as events plus their projection in one transaction.

Like Anki's ``Collection``: the GUI and the sync worker are handed a ``Store`` and never
touch SQL themselves; listeners registered with ``on_change`` hear what changed.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import mimetypes
import os
import shutil
import sqlite3
import threading
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

import uuid6

from . import protocol as p
from .backend import DB_FILENAME, Backend
from .calendar import BEIJING, Deadline, WorkCalendar, YearSchedule, bundled_schedules, iso, now
from .county import CountyConfig, demo_county
from .errors import TransitionError, ValidationError
from .intake import IntakeRequest, check_text, parse_record, resolve_dept, resolve_grade
from .projection import apply as apply_event
from .routing import Router, Suggestion
from .search import CaseFilter, colour_of, fts_text

ROUTING_FLUSH_EVERY = 500
# Before enrolment a window numbers its receipts under "SA" + four hex digits of its own
# device id, so two standalone installations of one county never print the same number.
STANDALONE_PREFIX = "SA"
CASE_COLUMNS = (
    "id", "receipt_no", "window_code", "uscc", "enterprise_name", "contact", "phone", "channel",
    "title", "content", "category", "lead_dept", "co_depts", "route_source", "grade",
    "received_at", "received_day", "period_start", "due_at", "warn_at", "deadline_provisional",
    "extension_days", "first_owner", "status", "rework_count", "rating", "rating_comment",
    "assigned_at", "replied_at", "notified_at", "closed_at", "reason", "flagged", "awaiting_media",
    "version", "created_at", "updated_at",
)
ChangeListener = Callable[[str, dict], None]


def default_data_dir() -> Path:
    """The user data directory, or where it was moved to (pointer file, models/backup.py)."""
    import platformdirs

    from .backup import pointed_data_dir

    return pointed_data_dir() or Path(platformdirs.user_data_dir("qiye-suqiu", "county-intake"))


class Store:
    def __init__(self, data_dir: str | os.PathLike, *, before_migrate=None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.backend = Backend(self.data_dir / DB_FILENAME, before_migrate=before_migrate)
        self._listeners: list[ChangeListener] = []
        self._close_callbacks: list[Callable[[], None]] = []
        self._router: Router | None = None
        self._router_lock = threading.Lock()
        self._first_run_setup()
        self.reload_configuration()

    @classmethod
    def open(cls, data_dir: str | os.PathLike | None = None, **kw) -> "Store":
        return cls(data_dir or default_data_dir(), **kw)

    def close(self) -> None:
        try:
            self.flush_routing()
        except sqlite3.Error:
            pass  # the queue stays and is folded at the next start
        try:  # fold the WAL back into the file, so that a copy of the file is complete
            self.backend.checkpoint()
        except sqlite3.Error:
            pass
        self.backend.close()
        for callback in self._close_callbacks:
            callback()
        self._close_callbacks.clear()

    def add_close_callback(self, callback: Callable[[], None]) -> None:
        """Run after the store is closed cleanly (the session marker uses it)."""
        self._close_callbacks.append(callback)

    # -- set-up ---------------------------------------------------------------------------
    def _first_run_setup(self) -> None:
        b = self.backend
        bundled_years = {s.year for s in bundled_schedules()}
        known = {r[0] for r in b.query("SELECT year FROM calendar_years")}
        if (b.get_setting("device_id") is not None and b.get_setting("county") is not None
                and bundled_years <= known):
            return  # the usual start: nothing to write, so no write lock taken
        with b.transaction():
            if b.get_setting("device_id") is None:
                device_id = str(uuid.uuid4())
                b.set_setting("device_id", device_id)
                b.set_setting("window_code", STANDALONE_PREFIX + device_id[:4].upper())
                b.set_setting("mode", "standalone")
                b.set_setting("chain_head", p.GENESIS_HASH)
            if b.get_setting("county") is None:
                self._write_county(demo_county())
            known = {r[0] for r in b.query("SELECT year FROM calendar_years")}
            for sched in bundled_schedules():
                if sched.year not in known:
                    self._write_schedule(sched, "bundled")

    def reload_configuration(self) -> None:
        b = self.backend
        self.county = CountyConfig.from_json(b.get_setting("county"))
        self.device_id: str = b.get_setting("device_id")
        self.window_code: str = b.get_setting("window_code")
        self.calendar = self._load_calendar()
        with self._router_lock:
            self._router = None

    def _load_calendar(self) -> WorkCalendar:
        years: dict[int, dict] = defaultdict(lambda: {"holidays": {}, "workdays": {}})
        for row in self.backend.query("SELECT day, year, kind, name FROM calendar_days"):
            years[row["year"]]["holidays" if row["kind"] == "holiday" else "workdays"][row["day"]] = row["name"]
        for row in self.backend.query("SELECT year FROM calendar_years"):
            years[row["year"]]  # a loaded year may have no special days at all
        scheds = [YearSchedule(y, d["holidays"], d["workdays"]) for y, d in years.items()]
        return WorkCalendar.from_schedules(scheds, self.county.office_close)

    def _write_county(self, county: CountyConfig) -> None:
        b = self.backend
        b.set_setting("county", county.to_json())
        for i, d in enumerate(county.departments.values()):
            b.execute("INSERT INTO departments(code, name, short, duties, active, sort) VALUES (?,?,?,?,1,?) "
                      "ON CONFLICT(code) DO UPDATE SET name=excluded.name, short=excluded.short, "
                      "duties=excluded.duties, active=1, sort=excluded.sort",
                      (d.code, d.name, d.short, d.duties, i))
            b.execute("DELETE FROM routing_rules WHERE dept_code = ?", (d.code,))
            b.conn.executemany("INSERT INTO routing_rules(dept_code, keyword) VALUES (?, ?)",
                               [(d.code, k) for k in dict.fromkeys(d.keywords)])
        codes = list(county.departments)
        b.execute(f"UPDATE departments SET active = 0 WHERE code NOT IN ({','.join('?' * len(codes))})", codes)

    def _write_schedule(self, sched: YearSchedule, source: str) -> None:
        b = self.backend
        b.execute("DELETE FROM calendar_days WHERE year = ?", (sched.year,))
        rows = [(d, sched.year, "holiday", n) for d, n in sched.holidays.items()]
        rows += [(d, sched.year, "workday", n) for d, n in sched.workdays.items()]
        b.conn.executemany("INSERT INTO calendar_days(day, year, kind, name) VALUES (?,?,?,?)", rows)
        b.execute("INSERT INTO calendar_years(year, source, loaded_at) VALUES (?,?,?) "
                  "ON CONFLICT(year) DO UPDATE SET source=excluded.source, loaded_at=excluded.loaded_at",
                  (sched.year, sched.source or source, iso(now())))

    # -- configuration changes ------------------------------------------------------------
    def apply_county_config(self, county: CountyConfig) -> int:
        """New county configuration (from the server or an administrator); deadlines of
        open cases follow the new grade periods and office hours. Returns cases updated."""
        with self.backend.transaction():
            self._write_county(county)
            self.reload_configuration()
            changed = self._recompute_open_deadlines(only_provisional=False)
        self._notify("config", {"recomputed": changed})
        return changed

    def load_holiday_schedule(self, data: dict, source: str = "admin") -> int:
        """Load or replace one year's schedule; provisional deadlines are recomputed."""
        sched = YearSchedule.from_json(data)
        with self.backend.transaction():
            self._write_schedule(sched, source)
            self.calendar = self._load_calendar()
            changed = self._recompute_open_deadlines(only_provisional=True)
        self._notify("calendar", {"year": sched.year, "recomputed": changed})
        return changed

    def missing_schedule_years(self, today: dt.date | None = None) -> list[int]:
        today = today or now().date()
        return [y for y in (today.year, today.year + 1) if not self.calendar.has_schedule(y)]

    def _recompute_open_deadlines(self, only_provisional: bool) -> int:
        cond = "AND deadline_provisional = 1" if only_provisional else ""
        open_list = ",".join(f"'{s}'" for s in p.OPEN_STATUSES)
        rows = self.backend.query(
            f"SELECT id, period_start, grade, extension_days, due_at, warn_at, deadline_provisional "
            f"FROM cases WHERE status IN ({open_list}) {cond}")
        changed = 0
        for r in rows:
            due, warn, prov = self.deadline_fn(r["period_start"], r["grade"], r["extension_days"])
            if (due, warn, int(prov)) != (r["due_at"], r["warn_at"], r["deadline_provisional"]):
                self.backend.execute("UPDATE cases SET due_at=?, warn_at=?, deadline_provisional=? WHERE id=?",
                                     (due, warn, int(prov), r["id"]))
                changed += 1
        return changed

    # -- rules ----------------------------------------------------------------------------
    def deadline(self, start: dt.datetime, grade: str, extension_days: int = 0) -> Deadline:
        days = self.county.grade_days[grade] + extension_days
        return self.calendar.deadline(start, days, warn_days=self.county.warning_days)

    def deadline_fn(self, start_iso: str, grade: str, extension_days: int) -> tuple[str, str, bool]:
        d = self.deadline(dt.datetime.fromisoformat(start_iso), grade, extension_days)
        return iso(d.due_at), iso(d.warn_at), d.provisional

    @property
    def router(self) -> Router:
        with self._router_lock:
            if self._router is None:
                self.flush_routing()
                stats: dict[str, Counter] = defaultdict(Counter)
                for row in self.backend.query("SELECT dept_code, token, n FROM routing_stats"):
                    stats[row[0]][row[1]] = row[2]
                docs = {r[0]: r[1] for r in self.backend.query("SELECT dept_code, n FROM routing_docs")}
                self._router = Router(self.county, stats, docs)
            return self._router

    def route(self, title: str, content: str = "", limit: int = 5) -> list[Suggestion]:
        return self.router.rank(title, content, limit=limit)

    def _learn(self, title: str, content: str, dept: str, sign: int = 1) -> None:
        """A confirmed (+1) or withdrawn (-1) routing: the router learns at once; the
        counts reach routing_stats through routing_pending, written in the caller's
        transaction."""
        router = self.router
        tokens = router.tokens(f"{title}\n{content}")
        router.learn(tokens, dept, sign)
        cur = self.backend.execute("INSERT INTO routing_pending(dept_code, sign, tokens) VALUES (?, ?, ?)",
                                   (dept, sign, json.dumps(tokens, ensure_ascii=False)))
        if cur.lastrowid % ROUTING_FLUSH_EVERY == 0:
            self.flush_routing()

    @contextlib.contextmanager
    def _learning_transaction(self):
        """A transaction in which the router may learn: when it rolls back, the router is
        rebuilt from what was stored, so it never keeps a lesson the store lost."""
        try:
            with self.backend.transaction():
                yield
        except BaseException:
            with self._router_lock:
                self._router = None
            raise

    def flush_routing(self) -> int:
        """Fold the queued training signals into the per-department counts."""
        with self.backend.transaction():
            rows = self.backend.query("SELECT id, dept_code, sign, tokens FROM routing_pending ORDER BY id")
            if not rows:
                return 0
            counts: Counter = Counter()
            docs: Counter = Counter()
            for row in rows:
                for token in json.loads(row["tokens"]):
                    counts[(row["dept_code"], token)] += row["sign"]
                docs[row["dept_code"]] += row["sign"]
            self.backend.conn.executemany(
                "INSERT INTO routing_stats(dept_code, token, n) VALUES (?,?,?) "
                "ON CONFLICT(dept_code, token) DO UPDATE SET n = n + excluded.n",
                [(d, t, n) for (d, t), n in counts.items() if n])
            self.backend.execute("DELETE FROM routing_stats WHERE n <= 0")
            self.backend.conn.executemany(
                "INSERT INTO routing_docs(dept_code, n) VALUES (?, max(0, ?)) "
                "ON CONFLICT(dept_code) DO UPDATE SET n = max(0, n + excluded.n)",
                [(d, n) for d, n in docs.items() if n])
            self.backend.execute("DELETE FROM routing_pending WHERE id <= ?", (rows[-1]["id"],))
        return len(rows)

    # -- change notifications -------------------------------------------------------------
    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, what: str, detail: dict) -> None:
        for listener in list(self._listeners):
            listener(what, detail)

    # -- events ---------------------------------------------------------------------------
    def _append_local(self, case_id: str, etype: str, payload: dict, actor: str,
                      at: dt.datetime | None = None) -> dict:
        """Append one local event to the chain (caller holds the transaction)."""
        b = self.backend
        payload = dict(payload, actor=actor)
        event = {
            "event_id": str(uuid.uuid4()), "case_id": case_id, "device_id": self.device_id,
            "type": etype, "payload": payload, "created_at": iso(at or now()),
            "prev_hash": b.get_setting("chain_head", p.GENESIS_HASH),
        }
        event["hash"] = p.event_hash(event)
        b.execute("INSERT INTO events(event_id, case_id, device_id, type, payload, created_at, prev_hash, "
                  "hash, origin, push_state) VALUES (?,?,?,?,?,?,?,?, 'local', 'pending')",
                  (event["event_id"], case_id, self.device_id, etype, p.canonical_json(payload),
                   event["created_at"], event["prev_hash"], event["hash"]))
        b.set_setting("chain_head", event["hash"])
        return event

    def _write_projection(self, state: dict, old: dict | None) -> None:
        b = self.backend
        row = {k: state.get(k) for k in CASE_COLUMNS}
        row["co_depts"] = json.dumps(state["co_depts"], ensure_ascii=False)
        cols = ",".join(CASE_COLUMNS)
        marks = ",".join("?" * len(CASE_COLUMNS))
        updates = ",".join(f"{c}=excluded.{c}" for c in CASE_COLUMNS if c != "id")
        rowid = b.execute(f"INSERT INTO cases({cols}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates} "
                          "RETURNING rowid", [row[c] for c in CASE_COLUMNS]).fetchone()[0]
        new_text = fts_text(state["title"], state["content"], state["enterprise_name"], state["contact"])
        if old is not None:
            old_text = fts_text(old["title"], old["content"], old["enterprise_name"], old["contact"])
            if old_text == new_text:
                return
            b.execute("INSERT INTO cases_fts(cases_fts, rowid, body) VALUES('delete', ?, ?)", (rowid, old_text))
        b.execute("INSERT INTO cases_fts(rowid, body) VALUES (?, ?)", (rowid, new_text))

    def _apply_and_project(self, events: dict | list[dict], old: dict | None) -> dict:
        """Apply one or more events of one case, then write its row once."""
        state = old
        for event in events if isinstance(events, list) else [events]:
            state = apply_event(state, event, self.deadline_fn)
            self._apply_side_tables(event)
        self._write_projection(state, old)
        return state

    def _apply_side_tables(self, event: dict) -> None:
        pl = event["payload"]
        if event["type"] == p.REPLIED:
            self.backend.execute(
                "INSERT OR IGNORE INTO replies(event_id, case_id, dept_code, analysis, measures, policy_basis, "
                "replied_by, replied_at) VALUES (?,?,?,?,?,?,?,?)",
                (event["event_id"], event["case_id"], pl.get("dept_code", ""), pl.get("analysis", ""),
                 pl.get("measures", ""), pl.get("policy_basis", ""), pl.get("actor", ""),
                 pl.get("replied_at", event["created_at"])))
        elif event["type"] == p.ATTACHMENT_ADDED and event.get("origin") == "remote":
            # another window's file: on the server already, here once sync has fetched it
            present = int(self.attachment_path(pl["sha256"]).exists())
            self.backend.execute(
                "INSERT OR IGNORE INTO attachments(sha256, case_id, filename, mime, size, added_at, uploaded, present) "
                "VALUES (?,?,?,?,?,?,1,?)", (pl["sha256"], event["case_id"], pl.get("filename", pl["sha256"][:12]),
                                            pl.get("mime", ""), int(pl.get("size", 0)), event["created_at"], present))
        elif event["type"] == p.EVALUATED:
            self.backend.execute(
                "INSERT OR IGNORE INTO evaluations(event_id, case_id, rating, comment, source, evaluated_at) "
                "VALUES (?,?,?,?,?,?)", (event["event_id"], event["case_id"], pl["rating"],
                                         pl.get("comment", ""), pl.get("source", "窗口"), event["created_at"]))

    def _case_state(self, case_id: str) -> dict | None:
        row = self.backend.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        return _row_to_case(row) if row else None

    def _do(self, case_id: str, etype: str, payload: dict, actor: str) -> dict:
        """One event on an existing case, validated against its state, in its own transaction."""
        with self.backend.transaction():
            old = self._case_state(case_id)
            if old is None:
                raise ValidationError("找不到该案件。", f"No case {case_id}.")
            event = self._append_local(case_id, etype, payload, actor)
            state = self._apply_and_project(event, old)
        self._notify("case", {"id": case_id, "type": etype})
        return _public(state)

    # -- registration ---------------------------------------------------------------------
    def validate(self, record: dict, *, clock: dt.datetime | None = None) -> IntakeRequest:
        return parse_record(record, self.county, clock=clock)

    def register(self, record: dict | IntakeRequest, *, clerk: str | None = None,
                 route_source: str | None = None, clock: dt.datetime | None = None,
                 suggestions: list[Suggestion] | None = None) -> dict:
        """Validate, route, compute the deadline and store one petition atomically.

        ``suggestions`` are the ones the form already showed the clerk for this text (the
        window routes while the clerk types); without them the text is routed here.
        Returns the stored case plus ``routing`` (the ranked suggestions)."""
        req = record if isinstance(record, IntakeRequest) else self.validate(record, clock=clock)
        actor = req.clerk or clerk or self.backend.get_setting("current_clerk", "system")
        if suggestions is None:
            suggestions = self.route(req.title, req.content)
        top = suggestions[0].dept if suggestions else None
        if req.lead_dept:
            lead = req.lead_dept
            source = route_source or ("confirmed" if lead == top else "corrected")
        else:
            lead = top
            source = route_source or "auto"
        if lead is None:
            raise ValidationError("无法确定牵头单位。", "No lead department could be determined.",
                                  field="lead_dept")
        co = req.co_depts if req.co_depts is not None else self.router.suggest_co_depts(suggestions, lead)
        grade = req.grade or "general"
        received = req.received_at or now()
        deadline = self.deadline(received, grade)
        case_id = str(uuid6.uuid7())
        with self._learning_transaction():
            receipt_no = self._next_receipt_no(received)
            self._upsert_enterprise(req.enterprise)
            payload = {
                "receipt_no": receipt_no, "window_code": self.window_code,
                "enterprise": req.enterprise, "contact": req.contact, "phone": req.phone,
                "channel": req.channel, "title": req.title, "content": req.content,
                "category": req.category, "lead_dept": lead, "co_depts": co,
                "route_source": source, "grade": grade, "received_at": iso(received),
                "due_at": iso(deadline.due_at), "warn_at": iso(deadline.warn_at),
                "deadline_provisional": deadline.provisional, "first_owner": actor,
                "suggested": [s.dept for s in suggestions[:3]],
            }
            if req.source_id:
                payload["source_id"] = req.source_id
            registered = self._append_local(case_id, p.CASE_REGISTERED, payload, actor)
            dispatch = {"lead_dept": lead, "co_depts": co}
            if source == "imported":
                # another channel's history was dispatched there, not at this import
                dispatch["assigned_at"] = iso(req.assigned_at or received)
            assigned = self._append_local(case_id, p.ASSIGNED, dispatch, actor)
            state = self._apply_and_project([registered, assigned], None)
            if source in ("confirmed", "corrected", "imported"):
                self._learn(req.title, req.content, lead)
        self._notify("case", {"id": case_id, "type": p.CASE_REGISTERED})
        state = _public(state)
        state["routing"] = [s.as_dict() for s in suggestions]
        state["provisional_reason"] = deadline.provisional_reason
        return state

    def import_record(self, record: dict, *, clerk: str) -> dict | None:
        """One history record from another channel; None when it was imported before.

        A department named in history was confirmed by someone: it trains the router."""
        req = self.validate(record)
        source_key = f"{req.channel}:{req.source_id}" if req.source_id else None
        if source_key and self.backend.scalar("SELECT case_id FROM imported_sources WHERE source = ?", (source_key,)):
            return None
        with self.backend.transaction():
            case = self.register(req, clerk=clerk, route_source="imported" if req.lead_dept else None)
            if source_key:
                self.backend.execute("INSERT INTO imported_sources(source, case_id) VALUES (?, ?)",
                                     (source_key, case["id"]))
        return case

    def _next_receipt_no(self, received: dt.datetime) -> str:
        day = received.astimezone(BEIJING).strftime("%Y%m%d")
        b = self.backend
        seq = b.execute("INSERT INTO receipt_seq(window_code, day, last) VALUES (?, ?, 1) "
                        "ON CONFLICT(window_code, day) DO UPDATE SET last = last + 1 RETURNING last",
                        (self.window_code, day)).fetchone()[0]
        if seq > 9999:
            raise ValidationError("本窗口当日受理号已用尽（9999）。", "Receipt numbers for today are used up.")
        return f"{self.window_code}-{day}-{seq:04d}"

    def _upsert_enterprise(self, profile: dict) -> None:
        b = self.backend
        existing = b.execute("SELECT * FROM enterprises WHERE uscc = ?", (profile["uscc"],)).fetchone()
        stamp = iso(now())
        if existing is None:
            cols = ["uscc", "name", "type", "industry", "scale", "address", "legal_rep", "contact", "phone"]
            b.execute(f"INSERT INTO enterprises({','.join(cols)}, updated_at) VALUES ({','.join('?' * len(cols))}, ?)",
                      [profile.get(c, "") for c in cols] + [stamp])
            return
        # the walk-in is not always the boss: only fill what the profile lacks, and the name
        updates = {"name": profile["name"]}
        for key in ("type", "industry", "scale", "address", "legal_rep", "contact", "phone"):
            if profile.get(key) and not existing[key]:
                updates[key] = profile[key]
        sets = ",".join(f"{k} = ?" for k in updates)
        b.execute(f"UPDATE enterprises SET {sets}, updated_at = ? WHERE uscc = ?",
                  list(updates.values()) + [stamp, profile["uscc"]])

    # -- later life of a case -------------------------------------------------------------
    def correct_field(self, case_id: str, field: str, value: str, *, clerk: str,
                      base_version: int | None = None, reason: str = "") -> dict:
        value = check_text(value, field, required=field in ("title", "content", "enterprise_name"),
                           multiline=field == "content",
                           limit=self.county.content_limit if field == "content" else 200)
        return self._do(case_id, p.FIELD_CORRECTED,
                        {"field": field, "value": value, "base_version": base_version, "reason": reason}, clerk)

    def reroute(self, case_id: str, lead_dept: str, co_depts: Iterable[str] = (), *, clerk: str,
                reason: str = "") -> dict:
        lead = resolve_dept(lead_dept, self.county)
        co = [resolve_dept(c, self.county, "co_depts") for c in co_depts if c != lead]
        with self._learning_transaction():
            old = self._case_state(case_id)
            if old is None:
                raise ValidationError("找不到该案件。", f"No case {case_id}.")
            if old["route_source"] in ("confirmed", "corrected", "imported"):
                self._learn(old["title"], old["content"], old["lead_dept"], -1)
            ev = self._append_local(case_id, p.ROUTED, {"lead_dept": lead, "co_depts": co, "from": old["lead_dept"],
                                                        "route_source": "corrected", "reason": reason}, clerk)
            state = self._apply_and_project(ev, old)
            self._learn(old["title"], old["content"], lead, 1)
        self._notify("case", {"id": case_id, "type": p.ROUTED})
        return _public(state)

    def regrade(self, case_id: str, grade: str, *, clerk: str) -> dict:
        return self._do(case_id, p.GRADED, {"grade": resolve_grade(grade)}, clerk)

    def withdraw(self, case_id: str, reason: str, *, clerk: str) -> dict:
        return self._do(case_id, p.WITHDRAWN, {"reason": check_text(reason, "reason", required=True, multiline=True)}, clerk)

    def reject(self, case_id: str, reason: str, *, clerk: str) -> dict:
        return self._do(case_id, p.REJECTED, {"reason": check_text(reason, "reason", required=True, multiline=True)}, clerk)

    def start_handling(self, case_id: str, *, actor: str) -> dict:
        return self._do(case_id, p.STATUS_CHANGED, {"to": p.IN_PROGRESS}, actor)

    def record_reply(self, case_id: str, *, dept_code: str, analysis: str, measures: str,
                     policy_basis: str, actor: str, replied_at: str | None = None) -> dict:
        parts = {"analysis": analysis, "measures": measures, "policy_basis": policy_basis}
        for name, text in parts.items():
            check_text(text, name, required=True, multiline=True, limit=self.county.content_limit)
        payload = dict(parts, dept_code=resolve_dept(dept_code, self.county, "dept_code"))
        if replied_at:
            payload["replied_at"] = replied_at
        return self._do(case_id, p.REPLIED, payload, actor)

    def record_notified(self, case_id: str, method: str, *, clerk: str) -> dict:
        if method not in ("当面", "电话", "短信", "邮寄", "其他"):
            raise ValidationError(f"未知的告知方式：{method}", f"Unknown notification method {method!r}.")
        return self._do(case_id, p.NOTIFIED, {"method": method}, clerk)

    def evaluate(self, case_id: str, rating: str, comment: str = "", *, clerk: str,
                 source: str = "窗口") -> dict:
        """好差评: a satisfied rating closes the case; 不满意 or below reopens it as rework."""
        if rating not in p.RATINGS:
            raise ValidationError(f"未知的评价等级：{rating}", f"Unknown rating {rating!r}.", field="rating")
        comment = check_text(comment, "comment", multiline=True, limit=2000)
        with self.backend.transaction():
            old = self._case_state(case_id)
            if old is None:
                raise ValidationError("找不到该案件。", f"No case {case_id}.")
            ev = self._append_local(case_id, p.EVALUATED, {"rating": rating, "comment": comment, "source": source}, clerk)
            events = [ev]
            if rating in p.REWORK_RATINGS:
                events.append(self._append_local(case_id, p.REOPENED, {"reason": f"评价{rating}，重办",
                                                                       "period_start": ev["created_at"]}, clerk))
            state = self._apply_and_project(events, old)
        self._notify("case", {"id": case_id, "type": p.EVALUATED})
        return _public(state)

    def escalate(self, case_id: str, kind: str, reason: str, *, clerk: str) -> dict:
        if kind not in ("督办", "催办"):
            raise ValidationError("督办类型应为 督办 或 催办。", "kind must be 督办 or 催办.")
        return self._do(case_id, p.ESCALATED, {"kind": kind, "reason": check_text(reason, "reason", multiline=True)}, clerk)

    def request_extension(self, case_id: str, days: int, reason: str, *, actor: str) -> dict:
        if not isinstance(days, int) or not 1 <= days <= 30:
            raise ValidationError("延期天数应为1–30个工作日。", "Extension must be 1-30 working days.")
        return self._do(case_id, p.EXTENSION_REQUESTED, {"days": days, "reason": reason}, actor)

    def decide_extension(self, case_id: str, approved: bool, days: int, *, clerk: str) -> dict:
        return self._do(case_id, p.EXTENSION_DECIDED, {"approved": bool(approved), "days": int(days)}, clerk)

    def add_note(self, case_id: str, text: str, *, clerk: str) -> dict:
        return self._do(case_id, p.NOTE_ADDED, {"text": check_text(text, "note", required=True, multiline=True)}, clerk)

    def add_attachment(self, case_id: str, path: str | os.PathLike, *, clerk: str) -> dict:
        src = Path(path)
        digest = hashlib.sha256()
        with open(src, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        sha = digest.hexdigest()
        target = self.attachment_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            tmp = target.with_suffix(".part")
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
        size = target.stat().st_size
        mime = mimetypes.guess_type(src.name)[0] or "application/octet-stream"
        with self.backend.transaction():
            old = self._case_state(case_id)
            if old is None:
                raise ValidationError("找不到该案件。", f"No case {case_id}.")
            ev = self._append_local(case_id, p.ATTACHMENT_ADDED, {"sha256": sha, "filename": src.name,
                                                                   "mime": mime, "size": size}, clerk)
            state = self._apply_and_project(ev, old)
            self.backend.execute("INSERT OR IGNORE INTO attachments(sha256, case_id, filename, mime, size, added_at) "
                                 "VALUES (?,?,?,?,?,?)", (sha, case_id, src.name, mime, size, ev["created_at"]))
        self._notify("case", {"id": case_id, "type": p.ATTACHMENT_ADDED})
        return _public(state)

    def attachment_path(self, sha256: str) -> Path:
        return self.data_dir / "attachments" / sha256[:2] / sha256

    # -- sync support: outbox and pulled events ----------------------------------------------
    def outbox(self, limit: int = 200) -> list[dict]:
        """Local events not yet answered by the server, in chain order."""
        rows = self.backend.query("SELECT * FROM events WHERE push_state = 'pending' ORDER BY seq LIMIT ?", (limit,))
        return [{k: e[k] for k in p.ENVELOPE_FIELDS} for e in map(_row_to_event, rows)]

    def pending_count(self) -> int:
        return self.backend.scalar("SELECT count(*) FROM events WHERE push_state = 'pending'")

    def rejected_events(self) -> list[dict]:
        return [_row_to_event(r) for r in self.backend.query(
            "SELECT * FROM events WHERE push_state = 'rejected' ORDER BY seq")]

    def mark_pushed(self, results: Iterable[dict]) -> None:
        """The server's per-event answers: accepted/duplicate are sent; rejected keeps the
        reason for a clerk and leaves the case's projection without that event."""
        touched = set()
        with self.backend.transaction():
            for r in results:
                status = r.get("status")
                if status in ("accepted", "duplicate"):
                    self.backend.execute(
                        "UPDATE events SET push_state = 'sent', push_error = NULL, "
                        "server_seq = coalesce(?, server_seq) WHERE event_id = ? AND origin = 'local'",
                        (r.get("server_seq"), r["event_id"]))
                elif status == "rejected":
                    cur = self.backend.execute(
                        "UPDATE events SET push_state = 'rejected', push_error = ? "
                        "WHERE event_id = ? AND origin = 'local' RETURNING case_id",
                        (str(r.get("reason", "")), r["event_id"])).fetchone()
                    if cur:
                        touched.add(cur[0])
            for case_id in touched:
                self._rebuild_case(case_id)
        if touched:
            self._notify("sync", {"rejected_cases": sorted(touched)})

    def sync_cursor(self) -> int:
        value = self.backend.scalar("SELECT value FROM sync_state WHERE key = 'pull_cursor'")
        return int(value) if value is not None else 0

    def apply_pulled(self, events: list[dict], next_cursor: int) -> set[str]:
        """One pulled page and its cursor, in one transaction. Returns the cases changed."""
        touched: set[str] = set()
        # a case whose stored events all precede this page in server order (and has no
        # local event awaiting the server's order) is folded forward from its row;
        # any other is re-folded from all its events (_rebuild_case)
        before: dict[str, tuple] = {}
        fresh: dict[str, list[dict]] = defaultdict(list)
        refold: set[str] = set()
        with self.backend.transaction():
            for ev in events:
                cid = ev["case_id"]
                if cid not in before:
                    before[cid] = tuple(self.backend.execute(
                        "SELECT count(*), max(server_seq), sum(server_seq IS NULL AND "
                        "coalesce(push_state, '') != 'rejected') FROM events WHERE case_id = ?", (cid,)).fetchone())
                known = self.backend.execute("SELECT origin, server_seq FROM events WHERE event_id = ?",
                                             (ev["event_id"],)).fetchone()
                if known is not None:
                    if known["server_seq"] is None:
                        self.backend.execute("UPDATE events SET server_seq = ?, push_state = CASE WHEN origin = "
                                             "'local' THEN 'sent' ELSE push_state END WHERE event_id = ?",
                                             (ev["server_seq"], ev["event_id"]))
                        touched.add(ev["case_id"])
                        refold.add(cid)
                    continue
                fresh[cid].append(dict(ev, origin="remote"))
                self.backend.execute(
                    "INSERT INTO events(event_id, case_id, device_id, type, payload, created_at, prev_hash, hash, "
                    "origin, server_seq) VALUES (?,?,?,?,?,?,?,?, 'remote', ?)",
                    (ev["event_id"], ev["case_id"], ev["device_id"], ev["type"], p.canonical_json(ev["payload"]),
                     ev["created_at"], ev["prev_hash"], ev["hash"], ev["server_seq"]))
                if ev["type"] == p.CASE_REGISTERED:
                    self._upsert_enterprise(ev["payload"]["enterprise"])
                touched.add(ev["case_id"])
            for case_id in touched:
                n, top, unordered = before[case_id]
                new = fresh.get(case_id, [])
                if (case_id not in refold and not unordered and new
                        and (n == 0 or all(e["server_seq"] > top for e in new))
                        and all(a["server_seq"] < b["server_seq"] for a, b in zip(new, new[1:]))):
                    self._fold_forward(case_id, new)
                else:
                    self._rebuild_case(case_id)
            self.backend.execute("INSERT INTO sync_state(key, value) VALUES ('pull_cursor', ?) "
                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(int(next_cursor)),))
        if touched:
            self._notify("sync", {"cases": sorted(touched)})
        return touched

    def _fold_forward(self, case_id: str, new_events: list[dict]) -> dict | None:
        """The case's projection plus events that come after all of its stored ones in the
        server's order: the same result as _rebuild_case, without re-reading its history."""
        old = self._case_state(case_id)
        return self._fold_leniently(old, old, new_events)

    def _rebuild_case(self, case_id: str) -> dict | None:
        """Re-fold a case from its events: the server's order first, local pending on top.
        An event that no longer fits (another window got there first) is skipped here; the
        server answers it with a rejection that a clerk sees."""
        rows = self.backend.query(
            "SELECT * FROM events WHERE case_id = ? AND coalesce(push_state, '') != 'rejected' "
            "ORDER BY server_seq IS NULL, server_seq, seq", (case_id,))
        return self._fold_leniently(self._case_state(case_id), None, map(_row_to_event, rows))

    def _fold_leniently(self, old: dict | None, start: dict | None, events: Iterable[dict]) -> dict | None:
        """Fold ``events`` onto ``start``, skipping those that no longer fit, and write the
        row (replacing ``old``) before the replies and evaluations that refer to it (a case
        first seen in a pulled page may arrive with its reply)."""
        state, applied = start, []
        for ev in events:
            try:
                state = apply_event(state, ev, self.deadline_fn)
            except TransitionError:
                continue
            applied.append(ev)
        if state is None:
            return None
        if state is not old:
            self._write_projection(state, old)
        for ev in applied:
            self._apply_side_tables(ev)
        return state

    # -- sync support: attachment blobs (used by sync/) ---------------------------------
    def pending_blobs(self) -> list[dict]:
        """Local attachment files not yet confirmed complete on the server."""
        return [{"sha256": r[0], "size": r[1], "cases": sorted(set(r[2].split(",")))} for r in self.backend.query(
            "SELECT sha256, max(size), group_concat(case_id) FROM attachments WHERE uploaded = 0 "
            "GROUP BY sha256 ORDER BY min(added_at)")]

    def pending_blob_count(self) -> int:
        return self.backend.scalar("SELECT count(DISTINCT sha256) FROM attachments WHERE uploaded = 0")

    def mark_blob_uploaded(self, sha256: str) -> None:
        with self.backend.transaction():
            self.backend.execute("UPDATE attachments SET uploaded = 1 WHERE sha256 = ?", (sha256,))
            changed = self.refresh_awaiting_media()
        if changed:
            self._notify("sync", {"media": sha256})

    def refresh_awaiting_media(self) -> int:
        """Flag the cases whose attachments have not all reached the server. Returns rows changed."""
        with self.backend.transaction():
            n = self.backend.execute(
                "UPDATE cases SET awaiting_media = 1 WHERE awaiting_media = 0 AND id IN "
                "(SELECT case_id FROM attachments WHERE uploaded = 0)").rowcount
            n += self.backend.execute(
                "UPDATE cases SET awaiting_media = 0 WHERE awaiting_media = 1 AND id IN "
                "(SELECT case_id FROM attachments WHERE uploaded = 1) AND id NOT IN "
                "(SELECT case_id FROM attachments WHERE uploaded = 0)").rowcount
            return n

    def missing_attachment_files(self) -> list[dict]:
        """Attachments of other windows whose files have not been fetched yet."""
        return [{"sha256": r[0], "size": r[1]} for r in self.backend.query(
            "SELECT sha256, max(size) FROM attachments WHERE present = 0 GROUP BY sha256 ORDER BY min(added_at)")]

    def store_fetched_attachment(self, sha256: str, source: str | os.PathLike) -> None:
        """Move a downloaded file into place once its content matches its name."""
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            raise ValidationError("下载的附件内容与其校验值不符，已丢弃，稍后重新下载。",
                                  f"Downloaded blob does not match {sha256}.")
        target = self.attachment_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        with self.backend.transaction():
            cases = [r[0] for r in self.backend.query(
                "SELECT DISTINCT case_id FROM attachments WHERE sha256 = ? AND present = 0", (sha256,))]
            self.backend.execute("UPDATE attachments SET present = 1 WHERE sha256 = ?", (sha256,))
        for case_id in cases:
            self._notify("case", {"id": case_id, "type": p.ATTACHMENT_ADDED})

    def verify_local_chain(self) -> list[str]:
        rows = self.backend.query("SELECT * FROM events WHERE origin = 'local' AND device_id = ? ORDER BY seq",
                                  (self.device_id,))
        return p.verify_chain([{k: e[k] for k in p.ENVELOPE_FIELDS} for e in map(_row_to_event, rows)])

    # -- reading --------------------------------------------------------------------------
    def get_case(self, case_id: str) -> dict | None:
        return self._case_state(case_id)

    def case_by_receipt(self, receipt_no: str) -> dict | None:
        row = self.backend.execute("SELECT * FROM cases WHERE receipt_no = ?", (receipt_no,)).fetchone()
        return _row_to_case(row) if row else None

    def events_of(self, case_id: str) -> list[dict]:
        return [_row_to_event(r) for r in self.backend.query(
            "SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))]

    def replies_of(self, case_id: str) -> list[dict]:
        return [dict(r) for r in self.backend.query(
            "SELECT * FROM replies WHERE case_id = ? ORDER BY replied_at", (case_id,))]

    def attachments_of(self, case_id: str) -> list[dict]:
        return [dict(r) for r in self.backend.query(
            "SELECT * FROM attachments WHERE case_id = ? ORDER BY added_at", (case_id,))]

    def enterprise(self, uscc: str) -> dict | None:
        row = self.backend.execute("SELECT * FROM enterprises WHERE uscc = ?", (uscc,)).fetchone()
        if row is None:
            return None
        profile = dict(row)
        profile["petitions"] = [
            {"id": r["id"], "receipt_no": r["receipt_no"], "title": r["title"], "received_at": r["received_at"],
             "status": r["status"], "lead_dept": r["lead_dept"], "rating": r["rating"],
             "rework_count": r["rework_count"]}
            for r in self.backend.query("SELECT id, receipt_no, title, received_at, status, lead_dept, rating, "
                                        "rework_count FROM cases WHERE uscc = ? ORDER BY received_at DESC", (uscc,))]
        return profile

    def find_enterprises(self, text: str, limit: int = 50) -> list[dict]:
        like = f"%{text.strip()}%"
        return [dict(r) for r in self.backend.query(
            "SELECT * FROM enterprises WHERE name LIKE ? OR uscc LIKE ? ORDER BY name LIMIT ?",
            (like, like.upper(), limit))]

    def list_cases(self, flt: CaseFilter | None = None, *, before_rowid: int | None = None,
                   limit: int = 100) -> list[dict]:
        """Newest first, paged by rowid: pass the last row's ``_rowid`` for the next page."""
        flt = flt or CaseFilter()
        where, params = flt.where(iso(now()))
        if before_rowid is not None:
            where += " AND c.rowid < ?"
            params.append(before_rowid)
        rows = self.backend.query(f"SELECT c.rowid AS _rowid, c.* FROM cases c WHERE {where} "
                                  f"ORDER BY c.rowid DESC LIMIT ?", params + [limit])
        return [_row_to_case(r) for r in rows]

    def count_cases(self, flt: CaseFilter | None = None) -> int:
        flt = flt or CaseFilter()
        where, params = flt.where(iso(now()))
        return self.backend.scalar(f"SELECT count(*) FROM cases c WHERE {where}", params)

    def colour_counts(self) -> dict[str, int]:
        n = iso(now())
        open_list = ",".join(f"'{s}'" for s in p.OPEN_STATUSES)
        row = self.backend.execute(
            f"SELECT sum(due_at <= ?), sum(warn_at <= ? AND due_at > ?) FROM cases WHERE status IN ({open_list})",
            (n, n, n)).fetchone()
        return {"red": row[0] or 0, "yellow": row[1] or 0}

    def colour(self, case: dict) -> str | None:
        return colour_of(case, iso(now()))


def _row_to_case(row: sqlite3.Row) -> dict:
    case = dict(row)
    case["co_depts"] = json.loads(case["co_depts"]) if case.get("co_depts") else []
    return _public(case)


def _public(case: dict) -> dict:
    """The one shape callers see: flags as booleans, co-departments as a list."""
    case = dict(case)
    case["deadline_provisional"] = bool(case.get("deadline_provisional"))
    case["flagged"] = bool(case.get("flagged"))
    case["awaiting_media"] = bool(case.get("awaiting_media"))
    return case


def _row_to_event(row: sqlite3.Row) -> dict:
    ev = {k: row[k] for k in p.ENVELOPE_FIELDS if k != "payload"}
    ev["payload"] = json.loads(row["payload"])
    for k in ("seq", "origin", "server_seq", "push_state", "push_error"):
        ev[k] = row[k]
    return ev
