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
    return _CJK.sub(r" \1 ", text)


def fts_query(user_query: str) -> str | None:
    """A MATCH expression for what the clerk typed; None when nothing searchable."""
    terms = []
    for chunk in _WORD.findall(user_query or ""):
        tokens = _CJK.sub(r" \1 ", chunk).split()
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
