"""Finding cases: Chinese full text and filters, paged by key (never OFFSET).

The FTS5 index (``cases_fts``, contentless) gets one token per CJK character and normal
unicode61 words for the rest; a query becomes phrase queries over characters, so one or
two characters find what they should without a dictionary.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from . import protocol as p

_CJK = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f])")
_WORD = re.compile(r"[\w\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def fts_text(title: str, content: str, enterprise_name: str, contact: str = "") -> str:
    text = "\n".join((title or "", enterprise_name or "", contact or "", content or ""))
    return _CJK.sub(_spaced, text)


def _spaced(match: re.Match) -> str:
    return f" {match.group()} "


def fts_query(user_query: str) -> str | None:
    """A MATCH expression for what the clerk typed; None when nothing searchable."""
    terms = []
    for chunk in _WORD.findall(user_query or ""):
        tokens = _CJK.sub(_spaced, chunk).split()
        if not tokens:
            continue
        phrase = " ".join(tokens).replace('"', '""')
        # the last ASCII word is a prefix, so typing "abc" finds "abcdef"
        suffix = "*" if not _CJK.match(tokens[-1]) else ""
        terms.append(f'"{phrase}"{suffix}')
    return " AND ".join(terms) if terms else None


@dataclass
class CaseFilter:
    text: str = ""
    statuses: tuple[str, ...] = ()
    dept: str | None = None
    colour: str | None = None          # green / yellow / red
    channel: str | None = None
    date_from: dt.date | None = None   # received day, inclusive
    date_to: dt.date | None = None
    uscc: str | None = None
    extra_where: list[tuple[str, tuple]] = field(default_factory=list)

    def where(self, now_iso: str) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.statuses:
            clauses.append(f"c.status IN ({','.join('?' * len(self.statuses))})")
            params += list(self.statuses)
        if self.dept:
            clauses.append("c.lead_dept = ?")
            params.append(self.dept)
        if self.channel:
            clauses.append("c.channel = ?")
            params.append(self.channel)
        if self.uscc:
            clauses.append("c.uscc = ?")
            params.append(self.uscc)
        if self.date_from:
            clauses.append("c.received_at >= ?")
            params.append(self.date_from.isoformat())
        if self.date_to:
            clauses.append("c.received_at < ?")
            params.append((self.date_to + dt.timedelta(days=1)).isoformat())
        if self.colour:
            open_list = ",".join(f"'{s}'" for s in sorted(p.OPEN_STATUSES))
            clauses.append(f"c.status IN ({open_list})")
            if self.colour == "red":
                clauses.append("c.due_at <= ?")
                params.append(now_iso)
            elif self.colour == "yellow":
                clauses.append("c.warn_at <= ? AND c.due_at > ?")
                params += [now_iso, now_iso]
            elif self.colour == "green":
                clauses.append("c.warn_at > ?")
                params.append(now_iso)
        text = (self.text or "").strip()
        if text:
            compact = re.sub(r"[\s\-]", "", text).upper()
            if re.fullmatch(r"[0-9A-Z]{18}", compact):
                clauses.append("c.uscc = ?")
                params.append(compact)
            elif re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*-\d{8}-\d{1,4}", text.strip().upper()):
                clauses.append("c.receipt_no = ?")
                params.append(text.strip().upper())
            else:
                match = fts_query(text)
                if match:
                    clauses.append("c.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)")
                    params.append(match)
        for sql, args in self.extra_where:
            clauses.append(sql)
            params += list(args)
        return (" AND ".join(clauses) or "1"), params


def colour_of(case: dict, now_iso: str) -> str | None:
    """green / yellow / red for an open case; None for a finished or answered one."""
    if case["status"] not in p.OPEN_STATUSES:
        return None
    if case["due_at"] <= now_iso:
        return "red"
    if case["warn_at"] <= now_iso:
        return "yellow"
    return "green"


# -- read-only paging with sortable columns (used by the window's case list) -------------
# Only columns with an index can be sorted on a million rows without a full sort; the key
# is always (column, rowid) so that paging stays by key, never by OFFSET.
SORT_COLUMNS = {
    "rowid": "c.rowid",
    "received_at": "c.received_at",
    "due_at": "c.due_at",
    "receipt_no": "c.receipt_no",
}


def _split_fts(flt: CaseFilter) -> tuple[CaseFilter, str | None]:
    """The filter without its full-text part, and that part as a MATCH expression.

    A credit code or a receipt number stays in the filter (an exact, indexed match)."""
    text = (flt.text or "").strip()
    if not text:
        return flt, None
    compact = re.sub(r"[\s\-]", "", text).upper()
    if re.fullmatch(r"[0-9A-Z]{18}", compact) or re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*-\d{8}-\d{1,4}", text.upper()):
        return flt, None
    match = fts_query(text)
    rest = CaseFilter(**{**flt.__dict__, "text": "", "extra_where": list(flt.extra_where)})
    return rest, match


class CaseReader:
    """A read-only connection of its own for list pages and counts.

    It runs in worker threads; WAL lets it read while the store writes, and it never
    waits on the store's lock, so a long count cannot stall the window.  ``interrupt``
    cancels a query whose answer is no longer wanted."""

    def __init__(self, db_path):
        import sqlite3
        import threading

        self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False,
                                    isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self._lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()

    def interrupt(self) -> None:
        self.conn.interrupt()

    def _query(self, sql: str, params: list) -> list:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def page(self, flt: CaseFilter, now_iso: str, *, sort: str = "rowid", descending: bool = True,
             after: tuple | None = None, limit: int = 200) -> list[dict]:
        """One page in (sort column, rowid) order; ``after`` is the last row's
        ``(value, rowid)`` of the previous page."""
        import json

        column = SORT_COLUMNS[sort]
        rest, match = _split_fts(flt)
        where, params = rest.where(now_iso)
        op = "<" if descending else ">"
        direction = "DESC" if descending else "ASC"
        if match and sort == "rowid":
            # FTS5 streams its matches in rowid order: no need to collect them all first
            if after is not None:
                where += f" AND cases_fts.rowid {op} ?"
                params.append(after[1])
            sql = (f"SELECT c.rowid AS _rowid, c.* FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid "
                   f"WHERE cases_fts MATCH ? AND {where} ORDER BY cases_fts.rowid {direction} LIMIT ?")
            rows = self._query(sql, [match] + params + [limit])
        else:
            if match:
                where += " AND c.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)"
                params.append(match)
            if after is not None:
                if sort == "rowid":
                    where += f" AND c.rowid {op} ?"
                    params.append(after[1])
                else:
                    where += f" AND ({column}, c.rowid) {op} (?, ?)"
                    params += [after[0], after[1]]
            order = f"c.rowid {direction}" if sort == "rowid" else f"{column} {direction}, c.rowid {direction}"
            rows = self._query(f"SELECT c.rowid AS _rowid, c.* FROM cases c WHERE {where} ORDER BY {order} LIMIT ?",
                               params + [limit])
        out = []
        for r in rows:
            case = dict(r)
            case["co_depts"] = json.loads(case["co_depts"]) if case.get("co_depts") else []
            out.append(case)
        return out

    def count(self, flt: CaseFilter, now_iso: str) -> int:
        rest, match = _split_fts(flt)
        where, params = rest.where(now_iso)
        if match and where == "1":
            return self._query("SELECT count(*) FROM cases_fts WHERE cases_fts MATCH ?", [match])[0][0]
        if match:
            where += " AND c.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)"
            params.append(match)
        return self._query(f"SELECT count(*) FROM cases c WHERE {where}", params)[0][0]

    def colour_counts(self, now_iso: str) -> dict[str, int]:
        open_list = ",".join(f"'{s}'" for s in sorted(p.OPEN_STATUSES))
        row = self._query(f"SELECT sum(due_at <= ?), sum(warn_at <= ? AND due_at > ?) FROM cases "
                          f"WHERE status IN ({open_list})", [now_iso, now_iso, now_iso])[0]
        return {"red": row[0] or 0, "yellow": row[1] or 0}

    def department_figures(self, now_iso: str) -> list[dict]:
        """Open / yellow / red / closed cases per lead department (the 督办 overview)."""
        open_list = ",".join(f"'{s}'" for s in sorted(p.OPEN_STATUSES))
        rows = self._query(
            f"SELECT lead_dept, count(*) AS total, sum(status IN ({open_list})) AS open, "
            f"sum(status IN ({open_list}) AND due_at <= ?) AS red, "
            f"sum(status IN ({open_list}) AND warn_at <= ? AND due_at > ?) AS yellow, "
            f"sum(status = 'closed') AS closed FROM cases GROUP BY lead_dept ORDER BY red DESC, yellow DESC",
            [now_iso, now_iso, now_iso])
        return [dict(r) for r in rows]
