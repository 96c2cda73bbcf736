"""Petition router: probabilities, reasons, learning from corrections, CV accuracy.

Uses the real jieba segmenter and the labelled petitions in ../shared/data."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from models.county import demo_county
from models.routing import Router, Suggestion

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "petitions-train.jsonl"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.fixture(scope="module")
def county():
    return demo_county()


@pytest.fixture(scope="module")
def rows():
    if not DATA.exists():
        pytest.skip(f"labelled petitions not found at {DATA}")
    with open(DATA, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def trained(county, rows, skip=()):
    router = Router(county)
    for r in rows:
        if r["id"] not in skip:
            router.learn(router.tokens(r["title"] + "\n" + r["content"]), r["dept"])
    return router


def test_rank_returns_probabilities_over_all_departments(county, rows):
    router = trained(county, rows)
    ranked = router.rank("变压器跳闸频繁", "我厂变压器近一周跳闸三次，影响生产。", limit=100)
    assert {s.dept for s in ranked} == set(county.departments)
    assert sum(s.score for s in ranked) == pytest.approx(1.0, abs=1e-6)
    assert all(0.0 <= s.score <= 1.0 for s in ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert ranked[0].dept == "D07"
    assert len(router.rank("变压器跳闸频繁", limit=5)) == 5
    d = ranked[0].as_dict()
    assert set(d) == {"dept", "name", "score", "reason", "hits"}
    assert isinstance(ranked[0], Suggestion) and ranked[0].name == county.dept_name("D07")


def test_reason_lists_keyword_hits_and_mentions(county):
    router = Router(county)
    top = router.rank("变压器跳闸", "厂区变压器经常跳闸，希望供电公司尽快检修。")[0]
    assert top.dept == "D07"
    assert "变压器" in top.hits and "跳闸" in top.hits
    assert "命中: " in top.reason and "变压器" in top.reason and "跳闸" in top.reason
    assert "提及: 供电公司" in top.reason


def test_keyword_inside_longer_keyword_is_not_a_separate_hit(county):
    router = Router(county)
    hits = router.keyword_hits("社保费申报")
    assert "社保费" in hits and "社保" not in hits


def test_department_mention_is_strong_evidence(county):
    router = Router(county)
    ranked = router.rank("咨询一件事", "这件事想请住建局帮忙看一下。")
    assert ranked[0].dept == "D06"


def test_tokens_are_deduplicated_features(county):
    router = Router(county)
    toks = router.tokens("变压器变压器跳闸")
    assert len(toks) == len(set(toks))
    assert "变压器" in toks and "跳闸" in toks
    assert all(isinstance(t, str) for t in toks)


def test_clerk_correction_routes_similar_petitions_right(county, rows):
    # the misrouted scenario: a petition about security-guard exams is not routed to the
    # police (D16); the clerk corrects it, and next month's similar petition routes right
    wrong = next(r for r in rows if r["title"] == "保安员证考试场次太少")
    router = trained(county, rows, skip={wrong["id"]})
    assert router.rank(wrong["title"], wrong["content"])[0].dept != "D16"
    similar = ("保安员证考试报名", "公司新招了十几名保安员，想报名参加保安员证考试，请问下次考试什么时候。")
    before = router.rank(*similar, limit=18)
    assert before[0].dept != "D16"
    router.learn(router.tokens(wrong["title"] + "\n" + wrong["content"]), "D16")
    after = router.rank(*similar, limit=18)
    assert after[0].dept == "D16"
    assert "相似历史" in after[0].reason and "保安员" in after[0].reason


def test_unlearn_reverses_learn(county, rows):
    router = trained(county, rows[:60])
    state = ({d: Counter(c) for d, c in router.stats.items() if c}, Counter(+router.docs),
             dict(router._norm2))
    text = ("保安员证考试报名", "公司新招了十几名保安员，想报名参加保安员证考试。")
    ranked = [(s.dept, s.score) for s in router.rank(*text, limit=18)]
    toks = router.tokens("\n".join(text))
    router.learn(toks, "D16")
    assert [(s.dept, s.score) for s in router.rank(*text, limit=18)] != ranked
    router.learn(toks, "D16", sign=-1)
    assert {d: c for d, c in router.stats.items() if c} == state[0]
    assert +router.docs == state[1]
    for d, v in state[2].items():
        assert router._norm2[d] == pytest.approx(v, rel=1e-9, abs=1e-9)
    after = router.rank(*text, limit=18)
    assert [s.dept for s in after] == [d for d, _ in ranked]
    assert [s.score for s in after] == pytest.approx([p for _, p in ranked], abs=1e-9)


def test_persisted_counts_rebuild_the_same_router(county, rows):
    router = trained(county, rows)
    again = Router(county, {d: Counter(c) for d, c in router.stats.items()}, dict(router.docs))
    for r in rows[:20]:
        a = router.rank(r["title"], r["content"], limit=18)
        b = again.rank(r["title"], r["content"], limit=18)
        assert [s.dept for s in a] == [s.dept for s in b]
        assert [s.score for s in a] == pytest.approx([s.score for s in b], abs=1e-9)


def test_co_departments(county):
    router = Router(county)
    ranked = router.rank("贷款贴息", "创业担保贷款贴息资金没到账，银行说财政资金没拨付。", limit=18)
    co = router.suggest_co_depts(ranked, ranked[0].dept)
    assert ranked[0].dept not in co and len(co) <= 2


def test_cross_validated_accuracy(county, rows):
    from bench_routing import cross_validate, keyword_baseline

    top1, top3, _ = cross_validate(rows, county)
    assert top1 >= 0.85
    assert top3 >= 0.95
    assert top1 > keyword_baseline(rows, county)[0]
