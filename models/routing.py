"""智能分派: rank departments for a petition, with a score and a reason a clerk can read.

Model (everything is a function of the county configuration and of per-department feature
counts, so learning is incremental and a million-case store needs no retraining):

- Features (``tokens``): the jieba words of the text (every rule keyword is in jieba's
  dictionary, so "变压器" is one token) plus the Chinese character bigrams, de-duplicated,
  so that ``stats[dept][feature]`` is the number of that department's cases containing it.
- Department profile: a tf-idf centroid.  Each department's vector is its learned document
  frequencies plus a configuration pseudo-document (name, short name, duties and keyword
  rules, with their bigrams so that partial matches count: "检定" meets "计量检定") that
  weighs as much as ``PSEUDO_DOCS`` confirmed cases.  idf is over departments
  (log(1 + n_depts / n_depts_having_feature)).  The petition is a binary idf vector, title
  features weighted by ``TITLE_WEIGHT``; the similarity is the cosine.
- Keyword rules: a hit (substring match; a keyword inside a longer hit keyword does not
  count) adds ``KEYWORD_WEIGHT`` scaled by its rarity among departments, more in the title.
- A department named in the text (short name "人社局" or full name) adds ``MENTION_WEIGHT``.
- score = softmax(total / TEMPERATURE) over all departments.

The few constants were chosen by cross-validation on the 180 labelled petitions and checked
by nested cross-validation (bench/bench_routing.py --nested).
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .county import CountyConfig

_STOPWORDS = frozenset(
    "的 了 和 是 在 我 我们 公司 你 他 她 它 有 也 就 都 而 及 与 或 一个 没有 不 能 会 要 "
    "请 希望 现在 已经 目前 因为 所以 但是 如果 这 那 这个 那个 情况 问题 反映 咨询 办理 "
    "相关 需要 可以 是否 怎么 如何 什么 哪些 给 把 被 对 向 从 到 让 上 下 中 后 前 年 月 日 号".split())
_TOKEN_OK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134fA-Za-z]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]+")

PSEUDO_DOCS = 10.0       # the configuration profile weighs as much as this many cases
KEYWORD_WEIGHT = 0.0625  # per keyword hit (scaled by rarity), relative to cosine in 0..1
MENTION_WEIGHT = 0.25    # the petition names the department ("希望人社局…")
TITLE_WEIGHT = 1.5       # title words count more, for keywords and for the similarity
TEMPERATURE = 0.03       # softmax temperature; minimises cross-validated log-loss


@dataclass
class Suggestion:
    dept: str
    name: str
    score: float
    reason: str
    hits: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"dept": self.dept, "name": self.name, "score": round(self.score, 4),
                "reason": self.reason, "hits": self.hits}


class _Segmenter:
    """One jieba tokenizer per keyword set; building it loads jieba's dictionary once."""

    _lock = threading.Lock()
    _instances: dict[frozenset, "object"] = {}

    @classmethod
    def get(cls, words: frozenset[str]):
        with cls._lock:
            tok = cls._instances.get(words)
            if tok is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for w in words:
                    tok.add_word(w, freq=200000)
                cls._instances = {words: tok}
            return tok


def _bigrams(text: str) -> list[str]:
    out = []
    for run in _CJK_RUN.findall(text or ""):
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


TOKEN_CACHE_SIZE = 16


class Router:
    def __init__(self, county: CountyConfig, stats: dict[str, Counter] | None = None,
                 docs: dict[str, int] | None = None, *, pseudo_docs: float = PSEUDO_DOCS,
                 keyword_weight: float = KEYWORD_WEIGHT, mention_weight: float = MENTION_WEIGHT,
                 title_weight: float = TITLE_WEIGHT, temperature: float = TEMPERATURE):
        self.county = county
        self._token_cache: dict[str, tuple[str, ...]] = {}
        self.pseudo_docs = pseudo_docs
        self.kw_weight = keyword_weight
        self.mention_weight = mention_weight
        self.title_weight = title_weight
        self.temperature = temperature
        self.depts: list[str] = list(county.departments)
        self.keywords: dict[str, set[str]] = {
            code: set(d.keywords) for code, d in county.departments.items()}
        all_words = frozenset(k for ks in self.keywords.values() for k in ks)
        self._tokenizer = _Segmenter.get(all_words)
        self._single_char_keywords = {k for k in all_words if len(k) == 1}
        owners = Counter(k for ks in self.keywords.values() for k in ks)
        n = max(1, len(self.keywords))
        # a keyword shared by several departments tells less
        self.keyword_weight = {k: math.log(1 + n / c) / math.log(1 + n) for k, c in owners.items()}
        self._kw_owners: dict[str, list[str]] = defaultdict(list)
        for code, ks in self.keywords.items():
            for k in ks:
                self._kw_owners[k].append(code)
        self._kw_by_length = sorted(all_words, key=lambda k: (-len(k), k))
        # how a petition may name a department: short name, full name, name without "县"
        self.aliases: dict[str, list[str]] = {}
        for code, d in county.departments.items():
            names = {d.short, d.name}
            for prefix in (county.county_name, "县"):
                if prefix and d.name.startswith(prefix):
                    names.add(d.name[len(prefix):])
            self.aliases[code] = sorted((a for a in names if len(a) >= 2), key=len, reverse=True)
        # configuration pseudo-documents
        self.profile: dict[str, frozenset[str]] = {}
        for code, d in county.departments.items():
            text = "\n".join([d.name, d.short, d.duties, *d.keywords])
            self.profile[code] = frozenset(self.tokens(text)) | frozenset(d.keywords)
        # learned counts
        self.stats: dict[str, Counter] = defaultdict(Counter)
        self.docs: Counter = Counter()
        for dept, counter in (stats or {}).items():
            self.stats[dept].update({t: n for t, n in counter.items() if n > 0})
        self.docs.update(docs or {})
        self._rebuild()

    # -- text -------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Features learned from: jieba words and character bigrams, each once.

        The last few texts are remembered: the window routes a petition while the clerk
        types and learns from the same text when it is saved."""
        cached = self._token_cache.get(text)
        if cached is None:
            words = [t for t in self._tokenizer.lcut(text or "", HMM=False)
                     if t.strip() and t not in _STOPWORDS and _TOKEN_OK.search(t)
                     and (len(t) > 1 or t in self._single_char_keywords)]
            cached = tuple(dict.fromkeys(words + _bigrams(text)))
            if len(self._token_cache) >= TOKEN_CACHE_SIZE:
                self._token_cache.pop(next(iter(self._token_cache)))
            self._token_cache[text] = cached
        return list(cached)

    def _words(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text or "", HMM=False)
                if len(t) > 1 and t not in _STOPWORDS and _TOKEN_OK.search(t)]

    def keyword_hits(self, text: str) -> set[str]:
        """Rule keywords occurring in text; one inside a longer hit ("社保" in "社保费") is not
        counted on its own."""
        spans: list[tuple[int, int]] = []
        hits = set()
        for k in self._kw_by_length:
            start = text.find(k)
            while start >= 0:
                end = start + len(k)
                if not any(a <= start and end <= b and b - a > len(k) for a, b in spans):
                    hits.add(k)
                    spans.append((start, end))
                start = text.find(k, start + 1)
        return hits

    def mentions(self, text: str) -> dict[str, str]:
        out = {}
        for code, names in self.aliases.items():
            for a in names:
                if a in text:
                    out[code] = a
                    break
        return out

    # -- model state ------------------------------------------------------------------
    def _value(self, dept: str, f: str) -> float:
        v = self.stats[dept].get(f, 0) if dept in self.stats else 0
        if f in self.profile.get(dept, ()):
            v += self.pseudo_docs
        return v

    def _idf_of(self, f: str) -> float:
        n = self._dept_freq.get(f, 0)
        return math.log(1 + len(self.depts) / n) if n else 0.0

    def _rebuild(self) -> None:
        depts = set(self.depts) | set(self.stats)
        self._dept_freq: Counter = Counter()
        for d in depts:
            self._dept_freq.update(set(self.stats.get(d, ())) | self.profile.get(d, frozenset()))
        self._norm2: dict[str, float] = {}
        for d in depts:
            feats = set(self.stats.get(d, ())) | self.profile.get(d, frozenset())
            self._norm2[d] = sum((self._value(d, f) * self._idf_of(f)) ** 2 for f in feats)

    # -- learning ---------------------------------------------------------------------
    def learn(self, tokens: Iterable[str], dept: str, sign: int = 1) -> None:
        """Add (sign=1) or remove (sign=-1) one confirmed case; updates counts, idf and norms
        incrementally in O(features x departments)."""
        depts = set(self.depts) | set(self.stats) | {dept}
        counter = self.stats[dept]
        self._norm2.setdefault(dept, 0.0)
        for t, k in Counter(tokens).items():
            before = self._value(dept, t)
            counter[t] += sign * k
            if counter[t] <= 0:
                del counter[t]
            after = self._value(dept, t)
            if (before > 0) == (after > 0):
                # presence unchanged, so idf unchanged: only this department's norm moves
                idf = self._idf_of(t)
                self._norm2[dept] += (after * after - before * before) * idf * idf
                continue
            # presence changed: idf changes for every department holding the feature
            holders = [d for d in depts if d != dept and self._value(d, t) > 0]
            old_idf = self._idf_of(t)
            for d in holders:
                self._norm2[d] -= (self._value(d, t) * old_idf) ** 2
            self._norm2[dept] -= (before * old_idf) ** 2
            if after > 0:
                self._dept_freq[t] += 1
            else:
                self._dept_freq[t] -= 1
                if self._dept_freq[t] <= 0:
                    del self._dept_freq[t]
            idf = self._idf_of(t)
            for d in holders:
                self._norm2[d] += (self._value(d, t) * idf) ** 2
            self._norm2[dept] += (after * idf) ** 2
        for d in depts:
            if self._norm2.get(d, 0.0) < 1e-9:
                self._norm2[d] = 0.0
        self.docs[dept] = max(0, self.docs[dept] + sign)

    # -- ranking ----------------------------------------------------------------------
    def scores(self, title: str, content: str = "") -> dict[str, tuple[float, list, dict, list]]:
        title = title or ""
        text = f"{title}\n{content or ''}"
        feats = self.tokens(text)
        title_feats = set(self.tokens(title))
        weights = {}
        for f in feats:
            idf = self._idf_of(f)
            if idf:
                weights[f] = idf * (self.title_weight if f in title_feats else 1.0)
        xnorm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        dots: dict[str, float] = dict.fromkeys(self.depts, 0.0)
        for f, w in weights.items():
            idf = self._idf_of(f)
            for d in self._holders(f):
                if d in dots:
                    dots[d] += w * self._value(d, f) * idf
        hits = self.keyword_hits(text)
        title_hits = self.keyword_hits(title)
        mentioned = self.mentions(text)
        out = {}
        for d in self.depts:
            norm = math.sqrt(self._norm2.get(d, 0.0)) or 1.0
            sim = dots[d] / (norm * xnorm)
            my_hits = sorted((k for k in hits if d in self._kw_owners.get(k, ())),
                             key=lambda k: (-self.keyword_weight[k], k))
            kw = sum(self.keyword_weight[k] * (self.title_weight if k in title_hits else 1.0)
                     for k in my_hits)
            total = sim + self.kw_weight * kw + (self.mention_weight if d in mentioned else 0.0)
            out[d] = (total, my_hits, mentioned.get(d), sim)
        return out

    def _holders(self, f: str) -> list[str]:
        return [d for d in self.depts
                if (d in self.stats and f in self.stats[d]) or f in self.profile.get(d, ())]

    def rank(self, title: str, content: str = "", limit: int = 5) -> list[Suggestion]:
        if not self.depts:
            return []
        raw = self.scores(title, content)
        top = max(v[0] for v in raw.values())
        exp = {d: math.exp((v[0] - top) / self.temperature) for d, v in raw.items()}
        z = sum(exp.values())
        ranked = sorted(raw, key=lambda d: (-raw[d][0], d))[:limit]
        words = None
        out = []
        for d in ranked:
            _, hits, mention, _ = raw[d]
            parts = []
            if mention:
                parts.append(f"提及: {mention}")
            if hits:
                parts.append("命中: " + ", ".join(hits[:5]))
            if words is None:
                words = list(dict.fromkeys(self._words(f"{title or ''}\n{content or ''}")))
            similar = self._similar_words(d, words, set(hits))
            if similar and self.docs.get(d):
                parts.append(f"相似历史({self.docs[d]}件): " + ", ".join(similar))
            elif not hits and not mention:
                related = [w for w in words if w in self.profile.get(d, ())][:3]
                if related:
                    parts.append("职责相关: " + ", ".join(related))
            out.append(Suggestion(d, self.county.dept_name(d), exp[d] / z,
                                  "；".join(parts) or "无明显关键词，按相似度推荐", hits[:5]))
        return out

    def _similar_words(self, dept: str, words: list[str], exclude: set[str]) -> list[str]:
        counter = self.stats.get(dept)
        if not counter:
            return []
        scored = [(counter[w] * self._idf_of(w) ** 2, w) for w in words
                  if w in counter and w not in exclude]
        scored.sort(key=lambda p: (-p[0], p[1]))
        return [w for _, w in scored[:3]]

    def suggest_co_depts(self, ranked: list[Suggestion], lead: str) -> list[str]:
        """Other departments whose own keywords were hit clearly enough to help."""
        return [s.dept for s in ranked if s.dept != lead and len(s.hits) >= 2 and s.score >= 0.05][:2]
