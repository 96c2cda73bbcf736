"""Render every layout to PDF and PNG (docs/printing/*.png) for a visual check.

    .venv/bin/python docs/printing/render_samples.py [OUT_DIR]

Needs pdftoppm (poppler-utils).  PDFs go to OUT_DIR (default: a temp dir), PNGs here.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from printing import (render_escalation_notice, render_receipt, render_reply_notice,  # noqa: E402
                      render_rework_notice, samples)
from printing.common import BEIJING  # noqa: E402

AT = datetime(2026, 12, 4, 9, 33, tzinfo=BEIJING)
LONG = ("我公司厂区位于经济开发区纬三路，近一个月来专用变压器频繁跳闸，平均每周3至4次，"
        "每次停电约40分钟，导致数控机床加工中断、工件报废，已造成直接经济损失约12万元。") * 12


def main(out_dir: str) -> None:
    county, clerk = samples.county(), samples.CLERK
    case = samples.case()
    rare = samples.case(enterprise_name="示范县𠀀䶮精密机械有限公司", contact="王䶮",
                        deadline_provisional=1,
                        provisional_reason="2027年节假日安排尚未发布，按周末及法定节日推算，发布后将重新计算")
    long_case = samples.case(content=LONG, title="关于" + "厂区供电线路改造" * 6 + "的诉求",
                             co_depts=["D01", "D03", "D09", "D12", "D15"])
    ev = {"rating": "不满意", "comment": "跳闸问题仍未解决，本周又停电两次，希望彻底排查。"}
    long_reply = dict(samples.REPLY, measures="\n".join(
        f"{i}. 对纬三路沿线第{i}号配电箱开展专项巡视，更换老化元件，完成后出具检测报告并回访企业。"
        for i in range(1, 40)))
    jobs = {
        "receipt-a4": lambda: render_receipt(case, county, paper="a4", clerk_name=clerk, printed_at=AT),
        "receipt-a4-rare-provisional-reprint": lambda: render_receipt(
            rare, county, paper="a4", clerk_name=clerk, reprint=2, printed_at=AT),
        "receipt-a4-long": lambda: render_receipt(long_case, county, paper="a4", clerk_name=clerk, printed_at=AT),
        "receipt-a5": lambda: render_receipt(rare, county, paper="a5", clerk_name=clerk, printed_at=AT),
        "receipt-thermal80": lambda: render_receipt(rare, county, paper="thermal80", clerk_name=clerk,
                                                    printed_at=AT),
        "reply-notice-a4": lambda: render_reply_notice(case, county, samples.REPLY, paper="a4",
                                                       clerk_name=clerk, printed_at=AT),
        "reply-notice-a4-long": lambda: render_reply_notice(case, county, long_reply, paper="a4",
                                                            clerk_name=clerk, printed_at=AT),
        "rework-notice-a5": lambda: render_rework_notice(
            samples.case(rework_count=1), county, ev, "2026-12-14T18:00:00+08:00", paper="a5",
            clerk_name=clerk, printed_at=AT),
        "escalation-notice-thermal80": lambda: render_escalation_notice(
            samples.case(status="in_progress"), county, kind="督办", reason="超期未答复，企业多次来电询问。",
            overdue_days=2, paper="thermal80", clerk_name=clerk, printed_at=AT),
    }
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(HERE):
        if old.endswith(".png"):
            os.unlink(os.path.join(HERE, old))
    for name, fn in jobs.items():
        pdf_path = os.path.join(out_dir, name + ".pdf")
        with open(pdf_path, "wb") as f:
            f.write(fn())
        subprocess.run(["pdftoppm", "-r", "80", "-gray", "-png", pdf_path, os.path.join(HERE, name)],
                       check=True)
    from PIL import Image
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".png"):
            p = os.path.join(HERE, f)
            # 16 grey levels keep the text legible at a fraction of the size
            Image.open(p).convert("L").quantize(16).save(p, optimize=True, bits=4)
            print(f, os.path.getsize(os.path.join(HERE, f)) // 1024, "KiB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="qysq-print-"))
