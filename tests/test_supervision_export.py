"""Exports of the supervision figures and case lists, reopened and checked: XLSX read back
with openpyxl, CSV with csv, the PDF report's text extracted with pypdf."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from models import supervision as sv
from printing import report_export as rx
from printing import report_pdf
from test_supervision import NOW, RANGE, county  # noqa: F401 — the fixture county


def test_case_list_xlsx_reads_back(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    out = tmp_path / "cases.xlsx"
    n = rx.export_cases_xlsx(store, *RANGE, out, at=NOW)
    assert n == 7                                      # H is outside the range
    wb = load_workbook(out)
    assert wb.sheetnames == ["案件清单", "说明"]
    ws = wb["案件清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == rx.CASE_HEADERS
    assert len(rows) == 8
    by_receipt = {r[0]: r for r in rows[1:]}
    a = by_receipt[cases["A"]["receipt_no"]]
    assert a[1] == "2026-09-24 10:00" and a[5] == "厂区变压器频繁跳闸"
    assert a[7] == "县供电公司" and a[8] == "一般" and a[9] == "已办结"
    assert a[10] == "2026-09-30 18:00" and a[12] == "2026-09-29 11:00"
    assert a[15] == 0 and a[16] == "满意"
    b = by_receipt[cases["B"]["receipt_no"]]
    assert b[15] == 1 and b[16] == "基本满意"
    e = by_receipt[cases["E"]["receipt_no"]]
    assert e[17] == "红" and e[9] == "已分办"
    d = by_receipt[cases["D"]["receipt_no"]]
    assert d[17] == "黄"
    # oldest receipt first
    assert [r[1] for r in rows[1:]] == sorted(r[1] for r in rows[1:])
    assert ws.freeze_panes == "A2"
    notes = dict(wb["说明"].iter_rows(values_only=True))
    assert notes["受理日期"] == "2026-09-21 至 2026-10-12"


def test_case_list_escapes_xml_and_filters_by_department(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    clock.at(NOW)
    store.correct_field(cases["D"]["id"], "title", "发票<额度> & “开票”", clerk="clerk1")
    out = tmp_path / "d03.xlsx"
    assert rx.export_cases_xlsx(store, *RANGE, out, dept="D03", at=NOW) == 2
    rows = list(load_workbook(out)["案件清单"].iter_rows(min_row=2, values_only=True))
    assert {r[7] for r in rows} == {"县税务局"}
    assert "发票<额度> & “开票”" in {r[5] for r in rows}


def test_case_list_csv(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    out = tmp_path / "cases.csv"
    assert rx.export_cases_csv(store, *RANGE, out, at=NOW) == 7
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == rx.CASE_HEADERS and len(rows) == 8
    xlsx = tmp_path / "cases.xlsx"
    rx.export_cases_xlsx(store, *RANGE, xlsx, at=NOW)
    back = [tuple("" if v is None else str(v) for v in r)
            for r in load_workbook(xlsx)["案件清单"].iter_rows(min_row=2, values_only=True)]
    assert sorted(back) == sorted(tuple(r) for r in rows[1:])     # same content both ways


def test_figures_xlsx_reads_back(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    fig = sv.compute(store, *RANGE, at=NOW)
    out = rx.export_figures_xlsx(fig, tmp_path / "figures.xlsx", county_name="示范县")
    wb = load_workbook(out)
    assert wb.sheetnames == ["督办指标", "红黄绿通报", "高频问题", "趋势", "口径说明"]
    ws = wb["督办指标"]
    header = [c.value for c in ws[3]]
    assert header[0] == "单位" and "按期答复率" in header
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"县供电公司", "县税务局", "县人力资源和社会保障局", "全县"}
    total = rows["全县"]
    assert total["受理量"] == 7 and total["按期答复率"] == pytest.approx(0.75)
    assert total["解决率"] == pytest.approx(0.5) and total["满意率"] == pytest.approx(0.5)
    assert total["满意度得分"] == pytest.approx(40.0) and total["重办次数"] == 2
    assert total["平均办理时长(工时)"] == pytest.approx(24.0) and total["P90办理时长(工时)"] == pytest.approx(28.5)
    assert total["红黄绿"] == "红"
    d07 = rows["县供电公司"]
    assert d07["满意度得分"] == pytest.approx(53.33, abs=0.01) and d07["红黄绿"] == "绿"
    assert ws.cell(4, header.index("按期答复率") + 1).number_format == "0.0%"
    notice = list(wb["红黄绿通报"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in notice if r[0] != "绿"] == [("红", "县人力资源和社会保障局"), ("黄", "县税务局")]
    assert "1件在办诉求已超期" in notice[0][6]


def test_figures_csv(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    fig = sv.compute(store, *RANGE, at=NOW)
    out = rx.export_figures_csv(fig, tmp_path / "figures.csv")
    rows = list(csv.DictReader(open(out, encoding="utf-8-sig")))
    total = [r for r in rows if r["单位"] == "全县"][0]
    assert total["受理量"] == "7" and float(total["按期答复率"]) == pytest.approx(0.75)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_monthly_report_pdf_text(county, tmp_path):  # noqa: F811
    store, clock, cases = county
    sv.index_topics(store)
    fig = sv.compute(store, *RANGE, at=NOW)
    pdf = report_pdf.render_report(fig, store.county, out_path=tmp_path / "r.pdf",
                                   generated_at=NOW)
    assert (tmp_path / "r.pdf").read_bytes() == pdf
    text = _pdf_text(pdf)
    compact = text.replace(" ", "").replace("\n", "")
    assert "示范县企业诉求办理情况督办报告" in compact
    assert "2026年9月21日—2026年10月12日" in compact
    assert "本期共受理企业诉求7件" in compact and "按期答复率75.0%" in compact
    assert "解决率50.0%" in compact and "满意率50.0%" in compact and "满意度得分40.0" in compact
    assert "红色（超期）1个：县人力资源和社会保障局" in compact
    assert "黄色（预警）1个：县税务局" in compact
    assert "24.0工时" in compact and "28.5工时" in compact
    assert "高频问题词：" in compact and "发票" in compact      # the last month's topics
    assert "附：指标口径" in compact
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 4


def test_main_export_command(county, tmp_path, capsys, monkeypatch):  # noqa: F811
    store, clock, cases = county
    import main

    data_dir = str(store.data_dir)
    store.close()
    import models.calendar as cal_mod

    monkeypatch.setattr(cal_mod, "now", lambda: NOW)
    out = tmp_path / "c.xlsx"

    def run(argv):
        main._EXTRA_COMMANDS.clear()       # main() loads the extra commands on every call
        return main.main(argv)

    rc = run(["--data-dir", data_dir, "export", "--what", "cases", "--from", "2026-09-21", "--to",
                    "2026-10-12", "--format", "xlsx", "--out", str(out)])
    assert rc == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["ok"] and line["rows"] == 7
    assert load_workbook(out)["案件清单"].max_row == 8
    rc = run(["--data-dir", data_dir, "export", "--what", "report", "--from", "2026-09-21", "--to",
                    "2026-10-12", "--out", str(tmp_path / "r.pdf")])
    assert rc == 0
    assert "督办报告" in _pdf_text((tmp_path / "r.pdf").read_bytes()).replace(" ", "")
    rc = run(["--data-dir", data_dir, "export", "--what", "report", "--format", "xlsx",
                    "--out", str(tmp_path / "x.xlsx")])
    assert rc == 2                                   # a report is a PDF
    rc = run(["--data-dir", data_dir, "export", "--what", "figures", "--month", "2026-10",
                    "--format", "csv", "--out", str(tmp_path / "f.csv")])
    assert rc == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["from"] == "2026-10-01"


def test_month_and_trend_ranges():
    assert report_pdf.month_range(2026, 12) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert report_pdf.month_range(2026, 2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert report_pdf.trend_range(dt.date(2026, 3, 15)) == (dt.date(2025, 10, 1), dt.date(2026, 3, 15))
