"""Supervision exports: figures and case lists to XLSX (openpyxl) and CSV.  No Qt.

The figures workbook is small and written by openpyxl in normal mode (number formats,
column widths, frozen header).

A case list can be a year of a busy county (200,000 rows).  openpyxl writes the
workbook package (content types, workbook, styles, the header row, an 说明 sheet), in
write-only mode; the rows of the 案件清单 sheet are then streamed into that package's
sheet part as inline strings, because openpyxl's per-cell XML serialisation costs about
20 µs a cell (70 s for 200,000 × 18 cells on the reference machine) while one formatted
row string costs about as much as one of its cells.  The result is an ordinary XLSX
that Excel, WPS and openpyxl read (the tests read it back with openpyxl).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

from models import protocol as p
from models import supervision as sv
from models.calendar import iso, now

CASE_HEADERS = ("回执编号", "受理时间", "企业名称", "统一社会信用代码", "渠道", "诉求标题", "问题类别",
                "牵头单位", "办理等级", "状态", "办理期限", "分办时间", "答复时间", "告知时间", "办结时间",
                "重办次数", "评价", "红黄绿")
CASE_WIDTHS = (22, 17, 30, 21, 9, 36, 12, 20, 6, 8, 17, 17, 17, 17, 17, 8, 10, 7)
NUMERIC_COLUMNS = frozenset({15})
_CASE_SQL = """
    SELECT receipt_no, received_at, enterprise_name, uscc, channel, title, category, lead_dept, grade,
           status, due_at, assigned_at, replied_at, notified_at, closed_at, rework_count, rating,
           warn_at
    FROM cases WHERE received_day BETWEEN ? AND ? {dept} ORDER BY received_at, rowid
"""

# XML 1.0 forbids most control characters; &, <, > must be escaped
_XML_TABLE = {i: None for i in range(32) if i not in (9, 10, 13)}
_XML_TABLE.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"})
_XML_TABLE.update({0xFFFE: None, 0xFFFF: None})


def _t(value: str | None) -> str:
    """'2026-10-08T09:00:00+08:00' → '2026-10-08 09:00' (stored instants are Beijing time)."""
    return value[:16].replace("T", " ") if value else ""


def case_rows(store, date_from: dt.date, date_to: dt.date, *, dept: str | None = None,
              at: dt.datetime | None = None) -> Iterator[tuple]:
    """The case list rows (display values) for cases received in the range, oldest first."""
    names = {code: d.name for code, d in store.county.departments.items()}
    grades = p.GRADE_LABELS
    statuses = p.STATUS_LABELS
    open_s = p.OPEN_STATUSES
    n = iso(at or now())
    params: list = [date_from.isoformat(), date_to.isoformat()]
    if dept:
        params.append(dept)
    with sv.reading(store) as conn:
        cur = conn.execute(_CASE_SQL.format(dept="AND lead_dept = ?" if dept else ""), params)
        yield from _display_rows(cur, names, grades, statuses, open_s, n)


def _display_rows(cur, names, grades, statuses, open_s, n) -> Iterator[tuple]:
    while True:
        chunk = cur.fetchmany(5000)
        if not chunk:
            break
        for (receipt, received, ent, uscc, channel, title, category, lead, grade, status, due, assigned,
             replied, notified, closed, rework, rating, warn) in chunk:
            colour = ""
            if status in open_s:
                colour = "红" if due <= n else "黄" if warn <= n else "绿"
            yield (receipt, _t(received), ent, uscc, channel, title, category, names.get(lead, lead),
                   grades.get(grade, grade), statuses.get(status, status), _t(due), _t(assigned),
                   _t(replied), _t(notified), _t(closed), rework, rating or "", colour)


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _fast_row_writer(ncols: int):
    """A row formatter with the cell references precomputed (one f-string per cell)."""
    letters = [_col_letter(i) for i in range(ncols)]
    table = _XML_TABLE
    numeric = NUMERIC_COLUMNS

    def fmt(r: int, values) -> str:
        parts = [f'<row r="{r}">']
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            if i in numeric:
                parts.append(f'<c r="{letters[i]}{r}"><v>{v}</v></c>')
            else:
                parts.append(f'<c r="{letters[i]}{r}" t="inlineStr"><is><t>{str(v).translate(table)}</t></is></c>')
        parts.append("</row>")
        return "".join(parts)
    return fmt


def write_rows_xlsx(out_path, headers: tuple[str, ...], rows: Iterable[tuple] = (), *, sheet_title: str,
                    widths: tuple[int, ...] = (), notes: list[tuple[str, str]] = (),
                    xml_chunks: Iterable[tuple[str, int]] | None = None) -> int:
    """An XLSX with one data sheet (header + rows, frozen header, auto-filter) and an 说明
    sheet of (key, value) notes.  Rows come as value tuples, or already rendered as
    (``<row>…</row>`` text, row count) chunks.  Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    info = wb.create_sheet("说明")
    for k, v in notes:
        info.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=out_path.parent)
    os.close(fd)
    count = 0
    try:
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED,
                                                          compresslevel=1) as dst:
            sheet_name = "xl/worksheets/sheet1.xml"
            for item in src.infolist():
                if item.filename != sheet_name:
                    dst.writestr(item, src.read(item.filename))
            original = src.read(sheet_name).decode("utf-8")
            head, sep, tail = original.partition("</sheetData>")
            if not sep:  # openpyxl wrote <sheetData/> (cannot happen with a header row)
                raise RuntimeError("unexpected sheet XML from openpyxl")
            cols = ""
            if widths:
                cols = "<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                                          for i, w in enumerate(widths)) + "</cols>"
                head = head.replace("<sheetData>", cols + "<sheetData>", 1)
            info = zipfile.ZipInfo(sheet_name, date_time=dt.datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = 1  # speed over size; still ~10x smaller than the XML
            with dst.open(info, "w", force_zip64=True) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", write_through=False)
                out.write(head)
                if xml_chunks is not None:
                    for text, n in xml_chunks:
                        out.write(text)
                        count += n
                else:
                    fmt = _fast_row_writer(len(headers))
                    batch: list[str] = []
                    for row in rows:
                        count += 1
                        batch.append(fmt(count + 1, row))
                        if len(batch) >= 2000:
                            out.write("".join(batch))
                            batch.clear()
                    out.write("".join(batch))
                r = count + 1
                last = _col_letter(len(headers) - 1)
                filt = f'<autoFilter ref="A1:{last}{max(r, 1)}"/>'
                out.write(sep + filt + tail if "<autoFilter" not in tail else sep + tail)
                out.flush()
                out.detach()
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return count


def _esc(expr: str) -> str:
    return f"replace(replace(replace(coalesce({expr}, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _time(expr: str) -> str:
    return f"coalesce(replace(substr({expr}, 1, 16), 'T', ' '), '')"


def _label_case(expr: str, labels: dict) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in labels.items())
    return f"(CASE {expr} {whens} ELSE coalesce({expr}, '') END)"


def _xml_text(value: str) -> str:
    return value.translate(_XML_TABLE).replace("'", "''")


def case_xml_sql(store, dept: str | None) -> str:
    """One SQL statement that returns each case's <row> element of the 案件清单 sheet, in
    receipt order: the formatting (labels, names, times, colour, XML escaping of free
    text) runs in SQLite, so Python only concatenates strings."""
    s = '<c t="inlineStr"><is><t>'
    e = "</t></is></c>"
    open_list = ",".join(f"'{x}'" for x in sorted(p.OPEN_STATUSES))
    names = {code: _xml_text(d.name) for code, d in store.county.departments.items()}
    cols = [
        "c.receipt_no", _time("c.received_at"), _esc("c.enterprise_name"), "c.uscc",
        "c.channel", _esc("c.title"), _esc("c.category"), _label_case("c.lead_dept", names),
        _label_case("c.grade", p.GRADE_LABELS), _label_case("c.status", p.STATUS_LABELS),
        _time("c.due_at"), _time("c.assigned_at"), _time("c.replied_at"), _time("c.notified_at"),
        _time("c.closed_at"), None, "coalesce(c.rating, '')",
        f"(CASE WHEN c.status IN ({open_list}) THEN (CASE WHEN c.due_at <= :now THEN '红' "
        f"WHEN c.warn_at <= :now THEN '黄' ELSE '绿' END) ELSE '' END)",
    ]
    parts = ["'<row>'"]
    for expr in cols:
        if expr is None:
            parts.append("'<c><v>' || c.rework_count || '</v></c>'")
        else:
            parts.append(f"'{s}' || {expr} || '{e}'")
    parts.append("'</row>'")
    where = "c.received_at >= :f AND c.received_at < :t" + (" AND c.lead_dept = :dept" if dept else "")
    return (f"SELECT {' || '.join(parts)} FROM cases c INDEXED BY cases_received "
            f"WHERE {where} ORDER BY c.received_at")


def _xml_rows(store, date_from: dt.date, date_to: dt.date, dept: str | None, at) -> Iterator[str]:
    params = {"f": date_from.isoformat(), "t": (date_to + dt.timedelta(days=1)).isoformat(),
              "now": iso(at or now()), "dept": dept}
    with sv.reading(store) as conn:
        cur = conn.execute(case_xml_sql(store, dept), params)
        while True:
            chunk = cur.fetchmany(5000)
            if not chunk:
                break
            yield "".join([r[0] for r in chunk]), len(chunk)


def export_cases_xlsx(store, date_from: dt.date, date_to: dt.date, out_path, *, dept: str | None = None,
                      at: dt.datetime | None = None) -> int:
    notes = [("导出内容", "企业诉求案件清单"), ("受理日期", f"{date_from.isoformat()} 至 {date_to.isoformat()}"),
             ("牵头单位", store.county.dept_name(dept) if dept else "全部"),
             ("红黄绿", "在办案件：超过办理期限为红，进入预警期为黄，其余为绿；已答复/办结等无颜色"),
             ("导出时间", _t(iso(at or now())))]
    return write_rows_xlsx(out_path, CASE_HEADERS, sheet_title="案件清单", widths=CASE_WIDTHS, notes=notes,
                           xml_chunks=_xml_rows(store, date_from, date_to, dept, at))


def export_cases_csv(store, date_from: dt.date, date_to: dt.date, out_path, *, dept: str | None = None,
                     at: dt.datetime | None = None) -> int:
    """UTF-8 with BOM so that Excel opens the Chinese text correctly."""
    count = 0
    with open(out_path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CASE_HEADERS)
        for row in case_rows(store, date_from, date_to, dept=dept, at=at):
            w.writerow(row)
            count += 1
    return count


# -- figures -----------------------------------------------------------------------------
def figure_table(fig: sv.Figures) -> tuple[list[str], list[list]]:
    """Header and rows (departments with cases, then the county row) with raw values."""
    headers = [h for _, h, _ in sv.FIGURE_COLUMNS]
    rows = []
    for f in [d for d in fig.depts if d.received] + [fig.county]:
        row = []
        for key, _, kind in sv.FIGURE_COLUMNS:
            v = sv.figure_value(f, key)
            if kind == "text":
                v = sv.format_value(v, "text")
            elif kind == "hours" and v is not None:
                v = round(v, 2)
            elif kind == "score" and v is not None:
                v = round(v, 2)
            row.append(v)
        rows.append(row)
    return headers, rows


TREND_LABELS = {"up": "↑ 上升", "down": "↓ 下降", "flat": "→ 持平", "new": "★ 新出现"}


def export_figures_xlsx(fig: sv.Figures, out_path, *, county_name: str = "") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "督办指标"
    title = f"{county_name}企业诉求督办指标（受理日期 {fig.date_from.isoformat()} 至 {fig.date_to.isoformat()}）"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"统计时点：{_t(fig.now)}；口径见“口径说明”工作表"])
    headers, rows = figure_table(fig)
    ws.append(headers)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    fills = {"红": "F4C7C3", "黄": "FCE8B2", "绿": "B7E1CD"}
    for row in rows:
        ws.append(row)
        r = ws.max_row
        for i, (key, _, kind) in enumerate(sv.FIGURE_COLUMNS, start=1):
            cell = ws.cell(r, i)
            if kind == "pct":
                cell.number_format = "0.0%"
            elif kind in ("hours", "score"):
                cell.number_format = "0.0"
            if key == "colour" and cell.value in fills:
                cell.fill = PatternFill("solid", fgColor=fills[cell.value])
        if row[0] == fig.county.name:
            for c in ws[r]:
                c.font = Font(bold=True)
    ws.freeze_panes = "B4"
    for i in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 20 if i == 1 else 11
    # 红黄绿 notice
    ws2 = wb.create_sheet("红黄绿通报")
    ws2.append(["颜色", "单位", "在办", "临期(黄)", "超期(红)", "按期答复率", "说明"])
    for colour, label in (("red", "红"), ("yellow", "黄"), ("green", "绿")):
        for d in fig.by_colour(colour):
            ws2.append([label, d.name, d.open_now, d.open_warned_now, d.open_overdue_now, d.on_time_rate,
                        colour_reason(d, fig.rules)])
            ws2.cell(ws2.max_row, 6).number_format = "0.0%"
            ws2.cell(ws2.max_row, 1).fill = PatternFill("solid", fgColor=fills[label])
    ws2.column_dimensions["B"].width = 24
    ws2.column_dimensions["G"].width = 60
    # topics
    ws3 = wb.create_sheet("高频问题")
    ws3.append(["月份", "名次", "问题词", "件数", "问题类别", "件数"])
    for m in fig.months:
        terms = fig.terms_by_month.get(m, [])
        cats = fig.categories_by_month.get(m, [])
        for i in range(max(len(terms), len(cats))):
            t = terms[i] if i < len(terms) else ("", None)
            c = cats[i] if i < len(cats) else ("", None)
            ws3.append([m, i + 1, t[0], t[1], c[0], c[1]])
    ws4 = wb.create_sheet("趋势")
    ws4.append(["类型", "名称", *fig.months, "合计", "趋势", "环比变化"])
    for kind, series in (("问题词", fig.term_trends), ("问题类别", fig.category_trends)):
        for s in series:
            ws4.append([kind, s.label, *s.counts, s.total, TREND_LABELS.get(s.trend, s.trend), s.change])
    ws5 = wb.create_sheet("口径说明")
    for line in FORMULA_NOTES:
        ws5.append(list(line))
    ws5.column_dimensions["A"].width = 18
    ws5.column_dimensions["B"].width = 100
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out_path)
    return out_path


def export_figures_csv(fig: sv.Figures, out_path) -> Path:
    headers, rows = figure_table(fig)
    with open(out_path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return Path(out_path)


def colour_reason(d: sv.DeptFigures, rules: sv.Rules) -> str:
    rate = d.on_time_rate
    parts = []
    if d.open_overdue_now:
        parts.append(f"{d.open_overdue_now}件在办诉求已超期")
    if d.open_warned_now:
        parts.append(f"{d.open_warned_now}件进入预警期")
    if rate is not None and rate < rules.yellow_on_time_below:
        parts.append(f"按期答复率{rate * 100:.1f}%")
    return "；".join(parts) or "按期推进"


FORMULA_NOTES = (
    ("统计范围", "受理日期（北京时间）在所选起止日期内（含两端）的全部诉求，按当前牵头单位归口。"),
    ("受理量", "范围内诉求件数（含不予受理、撤回）。"),
    ("按时分办率", "受理后第1个工作日下班前完成分办的件数 ÷ 受理量。"),
    ("按期答复率", "当前办理周期内按期答复件数 ÷（已答复件数 + 在办且已超期件数）；重办件按重办期限计。"),
    ("解决率", "未经重办即办结件数 ÷ 办结件数。"),
    ("满意率", "满意评价（非常满意、满意、基本满意）次数 ÷ 评价总次数；每次评价都计入，含导致重办的评价。"),
    ("满意度得分", "评价得分平均值：非常满意100、满意80、基本满意60、不满意20、非常不满意0。"),
    ("重办次数", "范围内诉求因不满意/非常不满意评价而重办的次数之和。"),
    ("办理时长", "受理至当前答复的工作时长（仅计工作日办公时间，节假日不计，调休上班日计入）；平均值与第90百分位（最近秩法）。"),
    ("红黄绿", "红：有在办诉求已超期，或按期答复率低于80%；黄：有在办诉求进入预警期，或按期答复率低于95%；绿：其余。"),
)
