"""Matching names to catalog codes: "P. Chi Lăng", "Phường Chi Lăng", "TP" → a unit; an
indicator's name as a form writes it → an indicator. Diacritics, case, abbreviations and word
order do not matter; two candidates too close to call are never chosen silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lakehouse.formatting import number_vi
from lakehouse.text import fold

ACCEPT = 0.84       # lowest score taken as a match
MARGIN = 0.06       # the best must beat the runner-up by this much

_PREFIXES = [  # abbreviation → full word (folded)
    (r"^(tp|t\.p)\.?\s*", "thanh pho "), (r"^p\.\s*", "phuong "), (r"^x\.\s*", "xa "), (r"^h\.\s*", "huyen "),
    (r"^ubnd\s+", ""), (r"^uy ban nhan dan\s+", ""),
]
_TYPE_WORDS = ("thanh pho", "phuong", "xa", "huyen", "tinh", "thi tran")
_ABBREVIATIONS = {"tngt": "tai nan giao thong", "bhyt": "bao hiem y te", "bhxh": "bao hiem xa hoi",
                  "ntm": "nong thon moi", "dvc": "dich vu cong", "tccs": "to chuc co so", "mttq": "mat tran to quoc",
                  "ld": "lao dong", "gd": "giao duc", "kt": "kinh te", "xh": "xa hoi", "tt": "thong tin"}
_PUNCT = re.compile(r"[^\w\s%/]")
_BRACKETS = re.compile(r"\([^)]*\)")


def normalise(text: str) -> str:
    key = _BRACKETS.sub(" ", fold(text))  # "(nghìn lượt)", "(%)": units, not names
    for pattern, repl in _PREFIXES:
        key = re.sub(pattern, repl, key)
    key = _PUNCT.sub(" ", key)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in key.split())


def _bare(key: str) -> str:
    for word in _TYPE_WORDS:
        if key.startswith(word + " "):
            return key[len(word) + 1:]
    return key


def _score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    ta, tb = set(a.split()), set(b.split())
    if ta and ta == tb:
        return 0.98  # same words, another order
    seq = SequenceMatcher(None, a, b).ratio()
    jac = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    contained = 0.0
    if min(len(ta), len(tb)) >= 3 and (ta <= tb or tb <= ta):
        contained = 0.86 + 0.1 * jac  # "Thu ngân sách nhà nước" in "... trên địa bàn"
    return max(seq, 0.5 * seq + 0.5 * jac, contained)


@dataclass
class Match:
    text: str
    code: str | None
    name: str | None
    score: float
    candidates: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1

    def describe(self) -> str:
        if self.code:
            return f"'{self.text}' → {self.code} {self.name} (độ tin cậy {number_vi(self.score)})"
        if self.ambiguous:
            options = "; ".join(f"{c} {n}" for c, n, _ in self.candidates[:3])
            return f"'{self.text}' khớp nhiều mục ({options}); hãy ghi mã"
        return f"'{self.text}' không khớp mục nào trong danh mục"


class NameIndex:
    """Names (and aliases) of catalog entries, searchable within a subset of codes."""

    def __init__(self, names: dict[str, str], aliases: dict[str, list[str]] | None = None, bare: bool = False):
        self.names = names
        self.keys: dict[str, list[str]] = {}
        self.bare: dict[str, str] = {}
        for code, name in names.items():
            forms = {normalise(name)}
            for alias in (aliases or {}).get(code, []):
                forms.add(normalise(alias))
            self.keys[code] = sorted(f for f in forms if f)
            if bare:
                self.bare[code] = _bare(normalise(name))

    def match(self, text: str, among: set[str] | None = None) -> Match:
        key = normalise(text)
        typed = _bare(key) != key  # "Phường Chi Lăng" names its type: only full names compete
        scored = []
        for code, forms in self.keys.items():
            if among is not None and code not in among:
                continue
            best = max(_score(key, f) for f in forms)
            if not typed and code in self.bare:
                best = max(best, _score(key, self.bare[code]))
            scored.append((code, self.names[code], best))
        scored.sort(key=lambda c: -c[2])
        if not scored or scored[0][2] < ACCEPT:
            return Match(text, None, None, scored[0][2] if scored else 0.0, scored[:1] if scored else [])
        exact = scored[0][2] == 1.0 and (len(scored) == 1 or scored[1][2] < 1.0)
        if not exact and len(scored) > 1 and scored[1][2] > scored[0][2] - MARGIN:
            close = [c for c in scored if c[2] > scored[0][2] - MARGIN]
            return Match(text, None, None, scored[0][2], close)
        code, name, score = scored[0]
        return Match(text, code, name, score, scored[:3])


def looks_like_code(text: str) -> bool:
    """``TP24-05``, ``05971``, ``178-PVHTT``: a code to look up, never a name to guess at."""
    t = str(text).strip()
    return " " not in t and any(ch.isdigit() for ch in t)


def unit_index(cat) -> NameIndex:
    aliases: dict[str, list[str]] = {}
    cities = [u for u in cat.units.values() if u.type == "city"]
    if len(cities) == 1:
        aliases[cities[0].code] = ["TP", "Thành phố", "UBND thành phố"]
    return NameIndex({c: u.name for c, u in cat.units.items()}, aliases, bare=True)


def indicator_index(cat) -> NameIndex:
    aliases = {c: [i.as_written] for c, i in cat.indicators.items()}
    return NameIndex({c: i.name for c, i in cat.indicators.items()}, aliases)
