#!/usr/bin/env python3
"""Screenshots of every view of the window, from a demo store, into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

The demo store is built in a temporary directory from ../shared/data/petitions-train.jsonl:
petitions received over the last three weeks (so some are overdue or nearly due),
department replies and ratings on part of them (one unsatisfied, so reworked), and a
photo attachment.  Nothing here is used by the app itself.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PETITIONS = ROOT.parent / "shared" / "data" / "petitions-train.jsonl"


def build_demo_store(data_dir: Path):
    from models.calendar import BEIJING, iso, now
    from models.store import Store
    from models.users import Users

    store = Store.open(data_dir)
    users = Users(store.backend)
    admin = users.create("wangxm", "王小明", "demo-pass", "admin")
    users.create("lihong", "李红", "demo-pass", "clerk")
    records = [json.loads(line) for line in PETITIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(7)
    current = now()
    cases = []
    for i, record in enumerate(records):
        record = dict(record)
        record.pop("id", None)
        days_ago = rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 8, 12, 16, 20])
        when = current - dt.timedelta(days=days_ago, hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
        when = when.replace(hour=max(9, min(when.hour, 17)))
        if when > current:
            when = current - dt.timedelta(minutes=5 + i)
        record["received_at"] = iso(when)
        record["clerk"] = rng.choice(["wangxm", "wangxm", "lihong"])
        cases.append(store.register(record))
    # the morning-rush enterprise (scenario 1) has three earlier petitions
    regular = dict(records[0])
    regular.pop("id", None)
    for days_ago, title, content in ((40, "员工社保转移接续咨询", "新招的三名员工社保关系从外省转入，想了解办理流程和所需材料。"),
                                     (25, "门店招牌设置审批", "门店更换招牌，咨询户外招牌设置是否需要审批，找哪个部门。"),
                                     (9, "增值税发票领用额度不足", "年底订单增加，增值税专用发票领用额度不够用，申请临时增加额度。")):
        cases.append(store.register(dict(regular, title=title, content=content, lead_dept=None,
                                         received_at=iso(current - dt.timedelta(days=days_ago)), clerk="lihong")))
    # department replies (most within the deadline), then the window's part: some replies
    # not yet handed over (待告知), some handed over and not yet rated (待评价)
    for case in cases:
        received = dt.datetime.fromisoformat(case["received_at"])
        if (current - received).days < 1 or rng.random() > 0.7:
            continue
        due = dt.datetime.fromisoformat(case["due_at"])
        if rng.random() < 0.8:
            replied = received + (due - received) * rng.uniform(0.2, 0.9)
        else:
            replied = due + dt.timedelta(hours=rng.randint(2, 30))
        replied = min(replied, current - dt.timedelta(minutes=10))
        store.record_reply(case["id"], dept_code=case["lead_dept"], analysis="经现场核实，企业反映情况属实。",
                           measures="已协调相关股室办理，并电话告知企业办理进度。", policy_basis="《优化营商环境条例》第十条",
                           actor="dept", replied_at=iso(replied))
        fate = rng.random()
        if fate < 0.2:
            continue
        store.record_notified(case["id"], rng.choice(["当面", "电话", "短信"]), clerk="wangxm")
        if fate < 0.35:
            continue
        rating = rng.choice(["非常满意", "满意", "满意", "基本满意", "不满意"])
        store.evaluate(case["id"], rating, "" if rating != "不满意" else "答复只有政策条文，问题没解决",
                       clerk="wangxm")
    photo = data_dir / "现场照片.png"
    _demo_photo(photo)
    store.add_attachment(cases[-1]["id"], photo, clerk="wangxm")
    return store, admin, cases


def _demo_photo(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (205, 220, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 140, 560, 380), fill=(150, 150, 140))
    draw.rectangle((250, 60, 390, 140), fill=(90, 90, 95))
    for x in range(100, 560, 60):
        draw.line((x, 140, x + 30, 60), fill=(40, 40, 40), width=3)
    image.save(path)


def pump(ms: int) -> None:
    from ui.qt import QTimer

    from PySide6.QtCore import QEventLoop  # a local event loop; processEvents() loops upset PySide6 6.12
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--language", default="zh_CN")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from ui import errors
    from ui.app import build_main_window, make_application

    errors.SUPPRESS_DIALOGS = True
    app = make_application(language=args.language)
    data_dir = Path(tempfile.mkdtemp(prefix="qysq-demo-"))
    store, admin, cases = build_demo_store(data_dir)
    window = build_main_window(store, admin)
    window.resize(1366, 800)
    window.show()
    pump(300)

    def shot(widget, name: str) -> None:
        pump(400)
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        print(path)

    # 受理: a scanned licence, the content typed, the suggestion shown, grade chosen
    intake = window.intake
    sample = cases[0]
    intake.uscc_edit.setText("https://www.gsxt.gov.cn/index.html?uniscid=" + sample["uscc"])
    intake._settle_uscc()
    intake.contact_edit.setText("陈晓燕")
    intake.phone_edit.setText("13907361234")
    intake.title_edit.setText("厂区变压器频繁跳闸")
    intake.content_edit.setPlainText("我公司位于城关镇工业园的生产车间，近两周变压器频繁跳闸，每次停电造成生产线停机，"
                                     "请供电公司派人检查线路并告知增容办理流程。")
    pump(1500)  # debounced routing (jieba warms up once)
    intake.accept_top_suggestion()
    intake.grade_combo.setCurrentIndex(intake.grade_combo.findData("simple"))
    intake.add_attachments([str(data_dir / "现场照片.png")])
    shot(window, "01-intake")

    window.show_view(1)
    pump(800)
    shot(window, "02-cases")
    window.cases.search_edit.setText("电")
    window.cases.apply_filter()
    pump(800)
    shot(window, "03-cases-search")
    window.cases.reset_filters()
    window.cases.colour_combo.setCurrentIndex(window.cases.colour_combo.findData("red"))
    pump(800)
    shot(window, "04-cases-red")
    window.cases.reset_filters()
    pump(500)

    reworked = next((c for c in cases if store.get_case(c["id"])["rework_count"]), cases[-1])
    dialog = window.open_case(reworked["id"])
    pump(800)
    dialog.tabs.setCurrentIndex(1)
    shot(dialog, "05-case-timeline")
    dialog.tabs.setCurrentIndex(0)
    shot(dialog, "06-case-details")
    dialog.accept()
    detail = window.open_case(cases[-1]["id"])
    pump(600)
    detail.tabs.setCurrentIndex(2)
    detail.attach_list.setCurrentRow(0)
    shot(detail, "07-case-attachments")
    detail.accept()

    window.show_view(2)
    busiest = max({c["uscc"] for c in cases}, key=lambda u: sum(1 for c in cases if c["uscc"] == u))
    window.enterprises.show_enterprise(busiest)
    pump(800)
    shot(window, "08-enterprises")
    window.show_view(window.tabs.indexOf(window.replies))
    pump(800)
    shot(window, "09-replies")
    window.show_view(window.tabs.indexOf(window.supervision))
    pump(1500)
    shot(window, "10-supervision")
    window.show_view(window.tabs.indexOf(window.settings))
    shot(window, "11-settings")

    from models.users import Users
    from ui.signin import SignInDialog
    signin = SignInDialog(Users(store.backend), window_code=store.window_code, centre=store.county.centre_name)
    signin.username_edit.setText("wangxm")
    signin.show()
    shot(signin, "12-sign-in")
    signin.reject()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
