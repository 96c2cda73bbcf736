"""Receipt PDF figures (printed, not asserted).

    .venv/bin/python bench/bench_printing.py [--n 50]

* warm receipt PDF (A4, both copies): median and p90 over N runs, in ms;
* the same strings drawn at the same positions with the same embedded font on a bare
  reportlab canvas (no layout, no QR, no lines): median, and our ratio to it;
* the other papers and the notices, warm;
* first receipt after process start (imports + font loading + render), in a fresh
  subprocess, median of 5 processes.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FIRST = r"""
import time, sys
t0 = time.perf_counter()
sys.path.insert(0, %r)
from printing import samples
from printing.receipts import render_receipt
t1 = time.perf_counter()
pdf = render_receipt(samples.case(), samples.county(), paper="a4", clerk_name=samples.CLERK)
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f} {(t2 - t0) * 1000:.1f} {len(pdf)}")
"""


def timeit(fn, n):
    fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.9) - 1]


def bare_strings(case, county, clerk):
    """(x, y, text, size) of every string our A4 receipt draws, in page coordinates."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from printing import layout
    from printing.receipts import receipt_doc
    st = layout.STYLES["half"]
    pw, ph = A4
    width = pw - 28 * mm
    out = []
    for k, copy in enumerate(("enterprise", "archive")):
        d = receipt_doc(case, county, copy=copy, clerk_name=clerk)
        top = ph - k * ph / 2 - 9 * mm
        bands = layout.fit_bands(d, st, width, ph / 2 - 16 * mm)
        y0 = 0.0
        for b in bands:
            for op in b.ops:
                if op[0] == "t":
                    out.append((14 * mm + op[1], top - y0 - op[2], op[3], op[4]))
            y0 += b.height
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    a = ap.parse_args()

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from printing import fonts, samples
    from printing.notices import render_escalation_notice, render_reply_notice, render_rework_notice
    from printing.receipts import render_receipt

    case, county, clerk = samples.case(), samples.county(), samples.CLERK
    st = fonts.font_status()
    print(f"font: {st.main_path} (self-contained: {st.self_contained}, source: {st.source})")

    def ours():
        render_receipt(case, county, paper="a4", clerk_name=clerk)

    strings = bare_strings(case, county, clerk)
    font = fonts.main_font_name()

    def bare():
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=A4, pageCompression=1)
        for x, y, s, size in strings:
            c.setFont(font, size)
            c.drawString(x, y, s)
        c.showPage()
        c.save()
        return buf.getvalue()

    m, p90 = timeit(ours, a.n)
    bm, bp90 = timeit(bare, a.n)
    print(f"warm receipt PDF (a4, 2 copies, {len(strings)} strings): median {m:.1f} ms, p90 {p90:.1f} ms"
          f"  (target <= 50 ms)")
    print(f"bare reportlab canvas, same strings + font: median {bm:.1f} ms, p90 {bp90:.1f} ms")
    print(f"ratio ours / bare: {m / bm:.2f}x  (target <= 2x)")
    for paper in ("a5", "thermal80"):
        pm, _ = timeit(lambda: render_receipt(case, county, paper=paper, clerk_name=clerk), a.n)
        print(f"warm receipt PDF ({paper}): median {pm:.1f} ms")
    for name, fn in (
        ("reply notice a4", lambda: render_reply_notice(case, county, samples.REPLY, paper="a4")),
        ("rework notice a4", lambda: render_rework_notice(case, county, {"rating": "不满意", "comment": "仍未解决"},
                                                          "2026-12-14T18:00:00+08:00", paper="a4")),
        ("escalation notice a4", lambda: render_escalation_notice(case, county, reason="超期", overdue_days=2)),
    ):
        nm, _ = timeit(fn, max(10, a.n // 2))
        print(f"warm {name}: median {nm:.1f} ms")

    runs = []
    for _ in range(5):
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", FIRST % ROOT], capture_output=True, text=True,
                           check=True, cwd=ROOT)
        wall = (time.perf_counter() - t) * 1000
        imp, render, total, size = r.stdout.split()
        runs.append((float(total), float(imp), float(render), wall))
    runs.sort()
    total, imp, render, wall = runs[len(runs) // 2]
    print(f"first receipt in a fresh process (median of 5): {total:.0f} ms "
          f"= imports {imp:.0f} ms + first render incl. font loading {render:.0f} ms"
          f"  (target <= 500 ms; whole interpreter incl. startup {wall:.0f} ms)")


if __name__ == "__main__":
    main()
