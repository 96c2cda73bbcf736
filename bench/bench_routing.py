"""Benchmark the petition router: latency and cross-validated accuracy.

    .venv/bin/python bench/bench_routing.py            # latency, 5-fold CV, keyword baseline
    .venv/bin/python bench/bench_routing.py --nested   # + nested CV of the few constants

Folds are stratified by lead department (each department's petitions dealt round-robin
into 5 folds, in file order): train on 4/5, test on the held-out 1/5.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.county import demo_county  # noqa: E402
from models.routing import Router  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "petitions-train.jsonl"


def load(path: Path = DATA) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def stratified_folds(rows: list[dict], k: int = 5) -> list[list[int]]:
    by_dept = defaultdict(list)
    for i, r in enumerate(rows):
        by_dept[r["dept"]].append(i)
    folds = [[] for _ in range(k)]
    for idx in by_dept.values():
        for j, i in enumerate(idx):
            folds[j % k].append(i)
    return folds


def cross_validate(rows, county, k=5, idx=None, params=None, learn=True, tokens=None):
    """Return (top1, top3, mean log-loss) over the held-out folds of rows[idx]."""
    params = params or {}
    idx = list(range(len(rows))) if idx is None else idx
    sub = [rows[i] for i in idx]
    folds = stratified_folds(sub, k)
    top1 = top3 = 0
    nll = 0.0
    for f in range(k):
        router = Router(county, **params)
        if learn:
            for g in range(k):
                if g != f:
                    for i in folds[g]:
                        r = sub[i]
                        toks = tokens[idx[i]] if tokens else router.tokens(r["title"] + "\n" + r["content"])
                        router.learn(toks, r["dept"])
        for i in folds[f]:
            r = sub[i]
            ranked = router.rank(r["title"], r["content"], limit=len(county.departments))
            depts = [s.dept for s in ranked]
            top1 += depts[0] == r["dept"]
            top3 += r["dept"] in depts[:3]
            p = next(s.score for s in ranked if s.dept == r["dept"])
            nll -= math.log(max(p, 1e-12))
    n = len(sub)
    return top1 / n, top3 / n, nll / n


def keyword_baseline(rows, county, folds=None):
    """The county's keyword rules alone: most rarity-weighted keyword hits wins."""
    router = Router(county)
    top1 = top3 = 0
    for r in rows:
        text = r["title"] + "\n" + r["content"]
        hits = router.keyword_hits(text)
        title_hits = router.keyword_hits(r["title"])
        score = {d: sum(router.keyword_weight[k] * (1.5 if k in title_hits else 1.0)
                        for k in hits if k in router.keywords[d]) for d in router.depts}
        order = sorted(router.depts, key=lambda d: (-score[d], d))
        top1 += order[0] == r["dept"]
        top3 += r["dept"] in order[:3]
    return top1 / len(rows), top3 / len(rows)


def latency(rows, county):
    router = Router(county)
    for r in rows:
        router.learn(router.tokens(r["title"] + "\n" + r["content"]), r["dept"])
    for r in rows[:10]:
        router.rank(r["title"], r["content"])
    times = []
    for r in rows:
        t0 = time.perf_counter()
        router.rank(r["title"], r["content"])
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


GRID = {"pseudo_docs": [5.0, 10.0, 20.0],
        "keyword_weight": [0.0, 0.0625, 0.125],
        "mention_weight": [0.0, 0.25, 0.75]}


def nested_cv(rows, county, k=5):
    """Outer 5-fold CV; the constants in GRID are picked on the outer training part alone by
    an inner 4-fold CV (top-1 accuracy, ties broken by log-loss)."""
    folds = stratified_folds(rows, k)
    tmp = Router(county)
    tokens = [tmp.tokens(r["title"] + "\n" + r["content"]) for r in rows]
    combos = [dict(zip(GRID, v)) for v in itertools.product(*GRID.values())]
    top1 = top3 = 0
    chosen = []
    for f in range(k):
        train = [i for g in range(k) if g != f for i in folds[g]]
        best = max(combos, key=lambda p: (lambda a: (a[0], -a[2]))(
            cross_validate(rows, county, k=4, idx=train, params=p, tokens=tokens)))
        chosen.append(best)
        router = Router(county, **best)
        for i in train:
            router.learn(tokens[i], rows[i]["dept"])
        for i in folds[f]:
            depts = [s.dept for s in router.rank(rows[i]["title"], rows[i]["content"], limit=3)]
            top1 += depts[0] == rows[i]["dept"]
            top3 += rows[i]["dept"] in depts
    return top1 / len(rows), top3 / len(rows), chosen


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nested", action="store_true", help="also run nested CV over the constants")
    args = ap.parse_args()
    county = demo_county()
    rows = load()
    med, p95 = latency(rows, county)
    print(f"petitions: {len(rows)}, departments: {len(county.departments)}")
    print(f"rank() latency, model trained on all {len(rows)}: median {med:.2f} ms, p95 {p95:.2f} ms")
    t1, t3, nll = cross_validate(rows, county)
    print(f"5-fold CV (stratified), keywords + learned: top-1 {100 * t1:.1f} %, top-3 {100 * t3:.1f} %, "
          f"log-loss {nll:.3f}")
    c1, c3, _ = cross_validate(rows, county, learn=False)
    print(f"configuration only (no learning):          top-1 {100 * c1:.1f} %, top-3 {100 * c3:.1f} %")
    b1, b3 = keyword_baseline(rows, county)
    print(f"keyword-rules-only baseline:               top-1 {100 * b1:.1f} %, top-3 {100 * b3:.1f} %")
    if args.nested:
        n1, n3, chosen = nested_cv(rows, county)
        print(f"nested 5x4-fold CV over {GRID}:")
        print(f"  top-1 {100 * n1:.1f} %, top-3 {100 * n3:.1f} %; chosen per outer fold: {chosen}")


if __name__ == "__main__":
    main()
