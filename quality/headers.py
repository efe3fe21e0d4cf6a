"""Header words → standard columns: the standard's names and aliases, the synonyms publishers really write
(``quality/standards/synonyms/headers.yaml``, data), folded names, then fuzzy matches with a confidence.

Tiers, best first (a lower tier never takes a column a better one claimed):
1. the dataset's own ``columns:`` renames (confidence 1.0, ``declared``);
2. ``header_key`` equality with the column's name, an alias or a synonym (1.0);
3. folded equality (0.95): brackets dropped but their words kept and ``・ _ - /`` removed, so
   ``名称（カナ）`` = ``名称・カナ`` = ``名称_カナ``;
4. folded equality once a qualifier in brackets is dropped (0.9): ``緯度（世界測地系）`` = ``緯度``;
5. fuzzy (difflib ratio of the folded names): mapped only at ``AUTO`` (0.9) or above; below it the match is a
   suggestion that ``opendata inspect`` prints as a ``columns:`` override to paste.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quality.standards import Standard, header_key, list_standards, load_standard

SYNONYMS_PATH = Path(__file__).parent / "standards" / "synonyms" / "headers.yaml"
AUTO = 0.9                       # fuzzy matches at or above this are mapped without a declaration
SUGGEST = 0.6                    # below this a fuzzy match is not even suggested
_OPEN, _CLOSE = "([（［【〔<＜「『", ")]）］】〕>＞」』"
_BRACKETS = re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_CLOSE)}]*)[{re.escape(_CLOSE)}]")
_SEPARATORS = re.compile(r"[・･_\-/／:：.。、,，]")
# bracketed words that qualify a header without naming another column
_QUALIFIER = re.compile(r"^(.*測地系.*|jgd ?\d*|wgs ?-?84|.*進.*|度|度数|小数.*|半角.*|全角.*|必須|任意|推奨|[◎○〇△※]|"
                        r".*yyyy.*|.*hh:?mm.*|例.*|.*形式|.*表記|日本語)$")


@dataclass(frozen=True)
class HeaderMatch:
    source: str                          # the header as cleaned by the reader
    column: str | None                   # the standard column it maps to (None: unmapped)
    confidence: float                    # 1.0 exact … fuzzy ratio; 0 when nothing is near
    how: str                             # declared | name | alias | synonym | folded | qualifier | fuzzy | none
    candidates: tuple[tuple[str, float], ...] = field(default=())   # nearest standard columns (for messages)
    rank: int = 0                        # 0 = the column's own name, then its aliases and synonyms in order

    @property
    def mapped(self) -> bool:
        return self.column is not None and self.confidence >= AUTO


def fold(name: str) -> str:
    """``header_key`` with brackets and separators removed (their words kept)."""
    return _SEPARATORS.sub("", _BRACKETS.sub(r"\1", header_key(name)))


def fold_qualifiers(name: str) -> str:
    """``fold`` after dropping bracketed qualifiers (測地系, 半角, 必須 …)."""
    key = header_key(name)
    stripped = _BRACKETS.sub(lambda m: "" if _QUALIFIER.match(m.group(1).strip()) else m.group(1), key)
    return _SEPARATORS.sub("", stripped)


@functools.cache
def synonyms() -> dict[str, list[dict]]:
    """Standard column name → ``[{name, seen}]`` (every standard with that column shares them)."""
    data = yaml.safe_load(SYNONYMS_PATH.read_text("utf-8")) or {}
    return {col: [s if isinstance(s, dict) else {"name": s} for s in items] for col, items in data.items()}


_INDEXES: dict[int, tuple[Standard, dict]] = {}     # id(standard) → (the standard, kept alive; its index)


def _index(std: Standard) -> dict[str, dict[str, tuple[int, str, str]]]:
    """Per tier (exact/folded/qualifier): key → (rank, column, how); names beat aliases beat synonyms."""
    held = _INDEXES.get(id(std))
    if held is not None and held[0] is std:
        return held[1]
    out: dict[str, dict[str, tuple[int, str, str]]] = {"exact": {}, "folded": {}, "qualifier": {}}
    for col in std.columns:
        words = [(col.name, "name")] + [(a, "alias") for a in col.aliases]
        words += [(s["name"], "synonym") for s in synonyms().get(col.name, [])]
        for rank, (word, how) in enumerate(words):
            for tier, key in (("exact", header_key(word)), ("folded", fold(word)), ("qualifier", fold_qualifiers(word))):
                if key and (key not in out[tier] or rank < out[tier][key][0]):
                    out[tier][key] = (rank, col.name, how)
    _INDEXES[id(std)] = (std, out)
    return out


def match_header(header: str, standard: Standard, declared: str | None = None) -> HeaderMatch:
    """The best standard column for one header, with its confidence and the nearest alternatives."""
    if declared is not None:
        return HeaderMatch(header, declared, 1.0, "declared")
    index = _index(standard)
    for tier, key, conf in (("exact", header_key(header), 1.0), ("folded", fold(header), 0.95),
                            ("qualifier", fold_qualifiers(header), 0.9)):
        if key and key in index[tier]:
            rank, col, how = index[tier][key]
            return HeaderMatch(header, col, conf, how if tier == "exact" else tier, rank=rank)
    near = nearest(header, standard)
    if near and near[0][1] >= SUGGEST:
        return HeaderMatch(header, near[0][0], near[0][1], "fuzzy", tuple(near))
    return HeaderMatch(header, None, near[0][1] if near else 0.0, "none", tuple(near))


def nearest(header: str, standard: Standard, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` standard columns whose names, aliases or synonyms are most like ``header`` (folded)."""
    key = fold(header)
    best: dict[str, float] = {}
    for word, (_, col, _) in _index(standard)["folded"].items():
        ratio = difflib.SequenceMatcher(None, key, word).ratio()
        if ratio > best.get(col, 0.0):
            best[col] = ratio
    return [(c, round(r, 3)) for c, r in sorted(best.items(), key=lambda kv: -kv[1])[:n]]


def nearest_sources(column: str, headers: list[str], standard: Standard, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` source headers most like the standard column ``column`` (its name, aliases, synonyms; folded)."""
    words = [w for w, (_, col, _) in _index(standard)["folded"].items() if col == column]
    scored = [(h, max((difflib.SequenceMatcher(None, fold(h), w).ratio() for w in words), default=0.0)) for h in headers]
    return [(h, round(r, 3)) for h, r in sorted(scored, key=lambda kv: -kv[1])[:n] if r > 0]


def match_headers(headers: list[str], standard: Standard, extra: dict[str, str] | None = None) -> list[HeaderMatch]:
    """One ``HeaderMatch`` per header; when two headers land on one column the better match keeps it
    (declared > exact > folded > qualifier > fuzzy, then the standard's own name over aliases, then the
    first header) and the other is left unmapped (its match kept as a suggestion)."""
    extra_keys = {header_key(k): v for k, v in (extra or {}).items()}
    matches = [match_header(h, standard, extra_keys.get(header_key(h))) for h in headers]
    order = {"declared": 0, "name": 1, "alias": 2, "synonym": 3, "folded": 4, "qualifier": 5, "fuzzy": 6}
    owner: dict[str, int] = {}
    for i, m in enumerate(matches):
        if not m.mapped:
            continue
        j = owner.get(m.column)
        if j is None or (order[m.how], -m.confidence, m.rank) < (order[matches[j].how], -matches[j].confidence,
                                                                 matches[j].rank):
            owner[m.column] = i
    keep = set(owner.values())
    return [m if i in keep or not m.mapped else HeaderMatch(m.source, m.column, min(m.confidence, AUTO - 0.001),
                                                            "taken", m.candidates)
            for i, m in enumerate(matches)]


def map_headers(headers: list[str], standard: Standard,
                extra: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map source headers to standard columns: ``({source: standard}, [unmapped sources])``.

    ``extra`` (the dataset's own ``columns:`` renames) is applied first and beats everything else.
    """
    matches = match_headers(headers, standard, extra)
    mapping = {m.source: m.column for m in matches if m.mapped}
    return mapping, [h for h in headers if h not in mapping]


def match_standard(headers: list[str]) -> list[tuple[str, float, dict[str, str]]]:
    """Rank all standards by how well ``headers`` fit them: ``[(slug, score, mapping)]``, best first.

    score = share of the headers that map onto the standard (0–1). Ties — common when a file has only the
    shared facility head (名称, 住所, 緯度 …) — go to the standard with more of its own specific columns matched.
    """
    ranked = []
    for slug in list_standards():
        mapping, _ = map_headers(headers, load_standard(slug))
        specific = sum(1 for target in mapping.values() if target not in COMMON)
        ranked.append((slug, round(len(mapping) / max(len(headers), 1), 3), specific, mapping))
    ranked.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return [(slug, score, mapping) for slug, score, _, mapping in ranked]


@functools.cache
def known_header_keys() -> frozenset[str]:
    """Folded names, aliases and synonyms of every standard: what a header row is made of (for sniffing)."""
    keys = set()
    for slug in list_standards():
        for tier in ("folded", "qualifier"):
            keys |= set(_index(load_standard(slug))[tier])
    return frozenset(keys)


def is_known_header(cell: str) -> bool:
    return fold(cell) in known_header_keys() or fold_qualifiers(cell) in known_header_keys()


# Columns every facility standard shares; they do not tell two standards apart.
COMMON = frozenset({
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "所在地_全国地方公共団体コード",
    "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)",
    "緯度", "経度", "高度の種別", "高度の値", "電話番号", "内線番号", "法人番号", "URL", "画像", "画像_ライセンス", "備考",
})
