"""main.py subcommands as a script would use them: JSON out, messages on stderr, exit codes."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], stdin: str = "") -> tuple[int, list[dict], str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "main.py", *args], input=stdin.encode("utf-8"), cwd=REPO,
                          capture_output=True, env=env, timeout=120)
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]
    return proc.returncode, out, proc.stderr.decode("utf-8")


def lines(records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n"


def test_intake_prints_each_case_and_goes_on_after_bad_lines(tmp_path, shared_petitions):
    good = dict(shared_petitions[0], received_at="2026-09-30T10:00:00+08:00", grade="general", clerk="李娜")
    bad_uscc = dict(shared_petitions[1], enterprise=dict(shared_petitions[1]["enterprise"], uscc="123"))
    stdin = lines([good, "{not json", bad_uscc, [1, 2], shared_petitions[2]])
    code, out, err = run(["intake", "--data-dir", str(tmp_path)], stdin)
    assert code == 1  # some records refused
    assert [o["ok"] for o in out] == [True, False, False, False, True]
    first = out[0]
    assert first["due_at"] == "2026-10-10T18:00:00+08:00" and first["deadline_provisional"] is False
    assert first["received_at"] == "2026-09-30T10:00:00+08:00"
    assert re.fullmatch(r"SA[0-9A-F]{4}-20260930-0001", first["receipt_no"])
    assert first["routing"][0]["reason"] and 0 <= first["routing"][0]["score"] <= 1
    for key in ("case_id", "lead_dept", "co_depts", "grade"):
        assert key in first
    assert out[2]["error"]["field"] == "uscc" and "统一社会信用代码" in out[2]["error"]["message"]
    assert "第2行" in err and "第3行" in err
    code, out, _ = run(["intake", "--data-dir", str(tmp_path)], lines([shared_petitions[3]]))
    assert code == 0 and out[0]["ok"]


def test_rare_characters_round_trip_through_the_command_line(tmp_path, shared_petitions):
    rec = dict(shared_petitions[0], content="法定代表人王䶮，联系人𠀀 😀 \"引号\" '; DELETE FROM cases; --")
    code, out, _ = run(["intake", "--data-dir", str(tmp_path)], lines([rec]))
    assert code == 0
    from models.store import Store

    store = Store.open(tmp_path)
    assert store.get_case(out[0]["case_id"])["content"].encode() == rec["content"].encode()
    store.close()


def test_import_jsonl_trains_the_router_and_skips_what_it_already_has(tmp_path):
    src = REPO.parent / "shared" / "data" / "petitions-train.jsonl"
    code, out, err = run(["import", str(src), "--data-dir", str(tmp_path)])
    assert code == 0 and len(out) == 180 and all(o["ok"] for o in out)
    assert "新增 180 件" in err
    code, out, err = run(["import", str(src), "--data-dir", str(tmp_path)])
    assert code == 0 and all(o.get("skipped") for o in out)
    from models.store import Store

    store = Store.open(tmp_path)
    assert sum(store.router.docs.values()) == 180
    assert store.count_cases() == 180
    store.close()


def test_import_csv_and_xlsx_report_bad_rows_and_keep_the_rest(tmp_path, shared_petitions):
    import openpyxl

    header = ["id", "uscc", "enterprise_name", "contact", "phone", "channel", "title", "content", "dept",
              "co_depts", "grade", "received_at"]

    def row(r, **kw):
        d = {"id": r["id"], "uscc": r["enterprise"]["uscc"], "enterprise_name": r["enterprise"]["name"],
             "contact": r["enterprise"]["contact"], "phone": r["enterprise"]["phone"], "channel": r["channel"],
             "title": r["title"], "content": r["content"], "dept": r["dept"], "co_depts": ";".join(r["co_depts"]),
             "grade": r["grade"], "received_at": "2026-11-02T09:30:00"}
        d.update(kw)
        return d

    rows = [row(shared_petitions[0]), row(shared_petitions[1], dept="D77"), row(shared_petitions[2], content=""),
            row(shared_petitions[3])]
    csv_path = tmp_path / "history.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)
    code, out, err = run(["import", str(csv_path), "--data-dir", str(tmp_path / "a")])
    assert code == 1
    assert [o["ok"] for o in out] == [True, False, False, True]
    assert out[1]["error"]["field"] == "lead_dept" and out[2]["error"]["field"] == "content"
    assert out[0]["lead_dept"] == shared_petitions[0]["dept"]

    xlsx_path = tmp_path / "history.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append([r[h] for h in header])
    book.save(xlsx_path)
    code, out, _ = run(["import", str(xlsx_path), "--data-dir", str(tmp_path / "b")])
    assert [o["ok"] for o in out] == [True, False, False, True]


def test_route_stores_nothing(tmp_path):
    stdin = lines([{"title": "厂区变压器频繁跳闸", "content": "影响生产，请供电公司尽快检修"}, {"title": 3}])
    code, out, _ = run(["route", "--data-dir", str(tmp_path)], stdin)
    assert code == 1
    assert out[0]["lead_dept"] == "D07" and "变压器" in out[0]["suggestions"][0]["reason"]
    assert out[1]["ok"] is False
    from models.store import Store

    store = Store.open(tmp_path)
    assert store.count_cases() == 0
    store.close()


def test_a_newer_database_is_a_clear_failure_with_exit_code_2(tmp_path):
    import sqlite3

    from models.backend import DB_FILENAME

    run(["route", "--data-dir", str(tmp_path)], "")
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    code, out, err = run(["intake", "--data-dir", str(tmp_path)], "")
    assert code == 2 and "较新版本" in err and out[-1]["error"]["code"] == "newer_database"


def test_calendar_load_from_a_file(tmp_path):
    sched = tmp_path / "2027.json"
    sched.write_text(json.dumps({"year": 2027, "source": "国办发明电〔2026〕x号",
                                 "holidays": {"2027-01-01": "元旦"}, "workdays": {}}), encoding="utf-8")
    code, out, _ = run(["calendar", "--data-dir", str(tmp_path), "--load", str(sched)])
    assert code == 0 and out[0]["year"] == 2027
    code, out, _ = run(["calendar", "--data-dir", str(tmp_path)])
    assert 2027 in out[0]["years"]
