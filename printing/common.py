"""Field formatting shared by the receipt and the notices."""
from __future__ import annotations

import re
import warnings
from datetime import datetime, timedelta, timezone

from models.protocol import GRADE_LABELS, GRADE_PROMISES

from . import fonts
from .errors import MissingGlyphError

BEIJING = timezone(timedelta(hours=8))
DEFAULT_GRADE_DAYS = {"simple": 1, "general": 3, "complex": 5}
DEFAULT_PROVISIONAL = "当年节假日安排尚未载入，期限暂按周末及法定节日推算，安排发布后将重新计算并告知"


def parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        s = str(value).strip()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BEIJING)
    return dt.astimezone(BEIJING)


def fmt_time(value) -> str:
    """``2026-12-04T09:30:00+08:00`` → ``2026年12月04日 09:30`` (Beijing time)."""
    dt = parse_time(value)
    if dt is None:
        return "—"
    return f"{dt.year}年{dt.month:02d}月{dt.day:02d}日 {dt.hour:02d}:{dt.minute:02d}"


def fmt_deadline(case: dict) -> str:
    s = fmt_time(case.get("due_at"))
    if s == "—":
        return s
    s += "前"
    if case.get("deadline_provisional"):
        s += "（暂定）"
    return s


def provisional_note(case: dict) -> str | None:
    if not case.get("deadline_provisional"):
        return None
    return "暂定：" + (case.get("provisional_reason") or DEFAULT_PROVISIONAL)


def mask_phone(phone: str | None) -> str:
    """Hide the middle digits, keep separators: ``18212349800`` → ``182****9800``,
    ``+86 182 1234 9800`` → ``+86 182 **** 9800``, ``0571-88886666`` → ``0571-****6666``."""
    if not phone:
        return ""
    p = str(phone).strip()
    pos = [i for i, ch in enumerate(p) if ch.isdigit()]
    if not pos:
        return p
    digits = "".join(p[i] for i in pos)
    cc = 0                                   # country code digits kept as they are
    if p.startswith("+") or digits.startswith("0086"):
        cc = 4 if digits.startswith("0086") else (2 if digits.startswith("86") else
                                                  len(re.match(r"\+?(\d{1,3})", p).group(1)))
    nat = digits[cc:]
    n = len(nat)
    if n >= 7:
        if nat.startswith("1") and n == 11:
            head = 3
        else:
            m = re.match(r"^\D*(?:\+?\d{1,4}\D+)?(0\d{2,3})\D", p) if nat.startswith("0") else None
            head = len(m.group(1)) if m else 3
        tail = 4
    else:
        head, tail = 0, min(2, max(n - 1, 0))
    hide = set(pos[cc + head:cc + n - tail]) if n - tail > head else set()
    return "".join("*" if i in hide else ch for i, ch in enumerate(p))


def dept_map(county: dict) -> dict[str, str]:
    """``departments`` as {code: name}; accepts that shape or the server's list of
    ``{"code", "name", ...}`` objects."""
    deps = county.get("departments") or {}
    if isinstance(deps, dict):
        return {k: (v.get("name", k) if isinstance(v, dict) else str(v)) for k, v in deps.items()}
    return {d["code"]: d.get("name") or d["code"] for d in deps if isinstance(d, dict) and "code" in d}


def dept_name(county: dict, code: str | None) -> str:
    if not code:
        return "—"
    return dept_map(county).get(code) or str(code)


def dept_names(county: dict, codes) -> str:
    codes = list(codes or [])
    if not codes:
        return "无"
    return "、".join(dept_name(county, c) for c in codes)


def grade_text(case: dict, county: dict) -> str:
    g = case.get("grade")
    if g not in GRADE_LABELS:
        return str(g or "—")
    days = (county.get("grade_days") or {}).get(g, DEFAULT_GRADE_DAYS[g])
    return f"{GRADE_LABELS[g]}（{GRADE_PROMISES[g].format(n=days)}）"


def reprint_label(reprint: int) -> str | None:
    return f"补打（第{int(reprint)}次）" if reprint and int(reprint) > 0 else None


def org_name(county: dict) -> str:
    return county.get("centre_name") or (county.get("county_name", "") + "政务服务中心")


def supervision_line(county: dict) -> str:
    phone = county.get("supervision_phone") or "—"
    return f"监督电话：{phone}"


def finish(pdf: bytes, missing: list[str], strict: bool) -> bytes:
    if missing:
        if strict:
            raise MissingGlyphError(missing)
        warnings.warn(fonts.MissingGlyphWarning(missing), stacklevel=3)
    return pdf


def write_out(pdf: bytes, out_path) -> None:
    if out_path is None:
        return
    import os
    import tempfile
    out_path = os.fspath(out_path)
    d = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)        # mkstemp's 0600 would hide it from the print spooler
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def now_beijing() -> datetime:
    return datetime.now(BEIJING)
