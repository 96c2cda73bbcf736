"""main.py intake --print, receipt (reprint) and fonts: real store, real PDFs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pypdf

from printing import parse_qr, qr_payload

REPO = Path(__file__).resolve().parents[1]


def run(*args, stdin=""):
    r = subprocess.run([sys.executable, str(REPO / "main.py"), *args], input=stdin,
                       capture_output=True, text=True, cwd=REPO)
    return r.returncode, [json.loads(x) for x in r.stdout.splitlines() if x.strip()], r.stderr


def test_intake_print_then_reprint(tmp_path, shared_petitions):
    data, out = tmp_path / "data", tmp_path / "out"
    lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in shared_petitions[:2])
    rc, rows, err = run("intake", "--data-dir", str(data), "--clerk", "zhangwei", "--print", str(out),
                        stdin=lines)
    assert rc == 0, err
    for row, pet in zip(rows, shared_petitions):
        pdf = Path(row["receipt_pdf"])
        assert pdf.parent == out and pdf.name == row["receipt_no"] + ".pdf"
        text = "".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)
        squashed = "".join(text.split())
        assert row["receipt_no"] in squashed
        assert "".join(pet["enterprise"]["name"].split()) in squashed
        assert pet["enterprise"]["uscc"] in squashed
    no = rows[0]["receipt_no"]
    rc, rows2, err = run("receipt", qr_payload(no), "--data-dir", str(data), "--reprint", "2",
                         "--paper", "a5")
    assert rc == 0, err
    pdf = Path(rows2[0]["receipt_pdf"])
    assert pdf == data / "receipts" / f"{no}-补打2.pdf"
    first = pypdf.PdfReader(str(pdf)).pages[0].extract_text()
    assert "补打（第2次）" in first and no in first
    rc, rows3, err = run("receipt", "ZZ01-20200101-0001", "--data-dir", str(data))
    assert rc == 2 and rows3[0]["error"]["code"] == "not_found" and "找不到" in err
    assert parse_qr(qr_payload(no)) == no


def test_fonts_command():
    rc, rows, err = run("fonts")
    assert rc == 0 and rows[0]["self_contained"] and rows[0]["main_path"]
