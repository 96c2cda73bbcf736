"""Regenerate models/data/holidays/YYYY.json from the chinesecalendar package.

The app reads only the JSON files (data, not code): an administrator or the county
server can load a newer year in the same format without a new release.
    .venv/bin/python scripts/gen_holidays.py 2024 2025 2026
"""
import json
import sys
from pathlib import Path

from chinese_calendar import constants

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
OUT = Path(__file__).resolve().parent.parent / "models" / "data" / "holidays"


def year_schedule(year: int) -> dict:
    holidays = {d.isoformat(): NAMES.get(str(n), str(n))
                for d, n in sorted(constants.holidays.items()) if d.year == year}
    workdays = {d.isoformat(): NAMES.get(str(n), str(n)) + "调休上班"
                for d, n in sorted(constants.workdays.items())
                if d.year == year and d.weekday() >= 5}
    return {"year": year, "source": "国务院办公厅节假日安排通知（chinesecalendar "
            f"{getattr(__import__('chinese_calendar'), '__version__', '')}）",
            "holidays": holidays, "workdays": workdays}


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for arg in sys.argv[1:]:
        y = int(arg)
        (OUT / f"{y}.json").write_text(json.dumps(year_schedule(y), ensure_ascii=False, indent=1)
                                      + "\n", encoding="utf-8")
        print(OUT / f"{y}.json")
