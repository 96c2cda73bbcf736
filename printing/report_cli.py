"""``main.py export`` — supervision figures, case lists and the monthly report.

    main.py export --what cases   --from 2026-10-01 --to 2026-10-31 --format xlsx --out cases.xlsx
    main.py export --what figures --from 2026-10-01 --to 2026-10-31 --format csv  --out figures.csv
    main.py export --what report  --month 2026-10 --out report.pdf

``--from``/``--to`` are receipt days (Beijing, both inclusive); ``--month YYYY-MM`` is
the same as that month's first and last day (default for ``report``: last month).
``--dept`` limits a case list to one lead department.  Prints one JSON line.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED = 0, 2


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _date(value: str) -> dt.date:
    from models.errors import ValidationError

    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"日期格式应为 YYYY-MM-DD：{value}", f"Dates are YYYY-MM-DD: {value}") from exc


def resolve_range(args, today: dt.date) -> tuple[dt.date, dt.date]:
    from models.errors import ValidationError

    from .report_pdf import month_range

    if args.month:
        try:
            y, m = (int(x) for x in args.month.split("-"))
            return month_range(y, m)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"月份格式应为 YYYY-MM：{args.month}", f"--month is YYYY-MM: {args.month}") from exc
    if args.date_from or args.date_to:
        start = _date(args.date_from) if args.date_from else today.replace(day=1)
        end = _date(args.date_to) if args.date_to else today
        if end < start:
            raise ValidationError("结束日期早于开始日期。", "--to is before --from.")
        return start, end
    if args.what == "report":
        first = today.replace(day=1) - dt.timedelta(days=1)
        return month_range(first.year, first.month)
    return today.replace(day=1), today


def cmd_export(args) -> int:
    from main import open_store
    from models import supervision as sv
    from models.calendar import now
    from models.errors import ValidationError

    from . import report_export as rx
    from . import report_pdf

    fmt = args.format or {"report": "pdf"}.get(args.what, "xlsx")
    allowed = {"cases": ("xlsx", "csv"), "figures": ("xlsx", "csv"), "report": ("pdf",)}[args.what]
    if fmt not in allowed:
        raise ValidationError(f"“{args.what}”只能导出为 {'/'.join(allowed)}。",
                              f"--what {args.what} exports as {'/'.join(allowed)} only.")
    store = open_store(args)
    try:
        start, end = resolve_range(args, now().date())
        out = Path(args.out) if args.out else Path(f"{args.what}-{start}-{end}.{fmt}")
        result = {"ok": True, "what": args.what, "format": fmt, "from": start.isoformat(),
                  "to": end.isoformat(), "out": str(out)}
        if args.what == "cases":
            if args.dept and args.dept not in store.county.departments:
                raise ValidationError(f"未知的单位代码：{args.dept}", f"Unknown department {args.dept}.")
            writer = rx.export_cases_xlsx if fmt == "xlsx" else rx.export_cases_csv
            result["rows"] = writer(store, start, end, out, dept=args.dept)
        else:
            sv.index_topics(store)
            fig = sv.compute(store, start, end)
            result["received"] = fig.county.received
            if args.what == "figures":
                if fmt == "xlsx":
                    rx.export_figures_xlsx(fig, out, county_name=store.county.county_name)
                else:
                    rx.export_figures_csv(fig, out)
            else:
                trend = sv.compute(store, *report_pdf.trend_range(end))
                pdf = report_pdf.render_report(fig, store.county, trend_fig=trend, out_path=out)
                result["bytes"] = len(pdf)
        _emit(result)
        return EXIT_OK
    finally:
        store.close()


def register_commands(add) -> None:
    p = add("export", cmd_export, "export supervision figures, case lists (xlsx/csv) or the monthly PDF report")
    p.add_argument("--what", choices=["cases", "figures", "report"], required=True)
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first receipt day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last receipt day, YYYY-MM-DD (inclusive)")
    p.add_argument("--month", metavar="YYYY-MM", help="a calendar month instead of --from/--to")
    p.add_argument("--format", choices=["xlsx", "csv", "pdf"])
    p.add_argument("--dept", help="only this lead department (cases)")
    p.add_argument("--out", metavar="FILE")
