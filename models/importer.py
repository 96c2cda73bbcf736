"""Reading petitions from other channels' files: JSON lines, CSV and XLSX.

Every reader yields ``(line_number, record_or_error)``; one bad line is reported and the
rest go on.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterator

from .errors import ValidationError

# flat column names (CSV/XLSX) -> where they go in a record
ENTERPRISE_COLUMNS = {"uscc": "uscc", "enterprise_name": "name", "enterprise": "name", "name": "name",
                      "industry": "industry", "scale": "scale", "legal_rep": "legal_rep",
                      "address": "address", "统一社会信用代码": "uscc", "企业名称": "name"}
CASE_COLUMNS = {"id": "id", "channel": "channel", "title": "title", "content": "content",
                "dept": "lead_dept", "lead_dept": "lead_dept", "co_depts": "co_depts", "grade": "grade",
                "received_at": "received_at", "assigned_at": "assigned_at", "contact": "contact", "phone": "phone", "clerk": "clerk",
                "category": "category", "渠道": "channel", "标题": "title", "内容": "content",
                "牵头单位": "lead_dept", "协办单位": "co_depts", "等级": "grade", "受理时间": "received_at",
                "联系人": "contact", "联系电话": "phone"}

Item = tuple[int, "dict[str, Any] | ValidationError"]


def read_json_lines(stream: io.TextIOBase) -> Iterator[Item]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ValidationError(f"不是有效的 JSON：{exc.msg}（第{exc.colno}列）",
                                          f"Line {number} is not valid JSON: {exc.msg} at column {exc.colno}")


def flat_to_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"enterprise": {}}
    for key, value in row.items():
        if key is None:
            continue
        key = str(key).strip()
        if value is None or (isinstance(value, str) and value == ""):
            continue
        if not isinstance(value, str):
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if key in ENTERPRISE_COLUMNS:
            record["enterprise"][ENTERPRISE_COLUMNS[key]] = value
        elif key in CASE_COLUMNS:
            target = CASE_COLUMNS[key]
            if target == "co_depts":
                value = [v.strip() for v in value.replace("；", ";").replace("，", ",").replace(";", ",").split(",")
                         if v.strip()]
            record[target] = value
    if "contact" in record:
        record["enterprise"].setdefault("contact", record["contact"])
    if "phone" in record:
        record["enterprise"].setdefault("phone", record["phone"])
    return record


def read_csv(stream: io.TextIOBase) -> Iterator[Item]:
    reader = csv.DictReader(stream)
    for row in reader:
        line = reader.line_num
        if None in row:
            yield line, ValidationError(f"第{line}行的列数多于表头。", f"Line {line} has more cells than the header.")
            continue
        yield line, flat_to_record(row)


def read_xlsx(path: Path) -> Iterator[Item]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    names = [str(h).strip() if h is not None else None for h in header]
    for number, values in enumerate(rows, start=2):
        if all(v is None for v in values):
            continue
        yield number, flat_to_record(dict(zip(names, values)))
    book.close()


def read_file(path: str | Path, fmt: str | None = None) -> Iterator[Item]:
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt in ("jsonl", "json", "ndjson"):
        with open(path, encoding="utf-8") as fh:
            yield from read_json_lines(fh)
    elif fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from read_csv(fh)
    elif fmt == "xlsx":
        yield from read_xlsx(path)
    else:
        raise ValidationError(f"不支持的文件格式：{fmt}（支持 jsonl、csv、xlsx）",
                              f"Unsupported format {fmt!r} (jsonl, csv, xlsx).")
