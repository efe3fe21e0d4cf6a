"""自治体標準オープンデータセット definitions, loaded from ``quality/standards/<slug>.yaml`` (data, not code)."""
from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

STANDARDS_DIR = Path(__file__).parent / "standards"

ColumnType = Literal[
    "string",        # free text
    "integer", "number",
    "date",          # ISO YYYY-MM-DD after conversion (和暦, US-style, Excel serials are converted)
    "time",          # HH:MM
    "datetime",
    "lg_code",       # 全国地方公共団体コード, 6 half-width digits with check digit
    "latitude", "longitude",
    "phone",         # GIF DS-445
    "postal_code",
    "url", "email",
    "corporate_number",  # 法人番号, 13 digits with leading check digit
]
Requirement = Literal["必須", "推奨", "任意"]


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str                                   # the standard's Japanese column name, exactly as written
    type: ColumnType = "string"
    requirement: Requirement = "任意"
    halfwidth: bool = False                     # 半角: NFKC-normalise digits/latin (codes, phone, ID)
    kana: bool = False                          # 全角カナ column (`_カナ`)
    vocabulary: list[str] | None = None         # controlled values, e.g. [有, 無]
    multi: bool = False                         # several values joined by ";"
    personal: bool = False                      # may hold an individual's name (代表者, 設置者 …)
    aliases: list[str] = Field(default_factory=list)  # old 推奨データセット names, typos seen in the wild
    description: str | None = None


class Standard(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    title: str                                  # e.g. 公衆トイレ一覧
    title_en: str
    number: str | None = None                   # sheet number where known
    source: str                                 # where this definition came from
    id_column: str | None = "ID"
    columns: list[Column]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.requirement == "必須"]


def header_key(name: str) -> str:
    """Canonical form used to compare headers: NFKC, no spaces, unified long-vowel/dash variants."""
    s = unicodedata.normalize("NFKC", str(name)).strip().lstrip("\ufeff")
    for ch in ("\u3000", " ", "\t"):
        s = s.replace(ch, "")
    for dash in ("\u2015", "\u2014", "\u2012", "\u2500", "\uff70"):   # コ―ド (U+2015) seen in Yaizu files
        s = s.replace(dash, "ー")
    return s.lower()


@functools.cache
def load_standard(slug: str) -> Standard:
    path = STANDARDS_DIR / f"{slug}.yaml"
    if not path.exists():
        raise KeyError(f"unknown standard {slug!r}; known: {', '.join(list_standards())}")
    return Standard.model_validate(yaml.safe_load(path.read_text("utf-8")))


def list_standards() -> list[str]:
    return sorted(p.stem for p in STANDARDS_DIR.glob("*.yaml"))


# Header mapping

def _key_index(standard: Standard) -> dict[str, tuple[int, str]]:
    """header_key → (priority, standard column). The column's own name wins over aliases, earlier aliases over later."""
    index: dict[str, tuple[int, str]] = {}
    for col in standard.columns:
        for rank, name in enumerate([col.name, *col.aliases]):
            key = header_key(name)
            if key not in index or rank < index[key][0]:
                index[key] = (rank, col.name)
    return index


def map_headers(headers: list[str], standard: Standard,
                extra: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map source headers to standard columns: ``({source: standard}, [unmapped sources])``.

    ``extra`` (the dataset's own ``columns:`` renames) is applied first and beats the aliases. When two source
    headers land on the same standard column the better-ranked match keeps it and the other stays unmapped.
    """
    extra_keys = {header_key(k): v for k, v in (extra or {}).items()}
    index = _key_index(standard)
    best: dict[str, tuple[int, str]] = {}          # standard column → (rank, source header)
    for h in headers:
        key = header_key(h)
        hit = (-1, extra_keys[key]) if key in extra_keys else index.get(key)
        if hit is None:
            continue
        rank, target = hit
        if target not in best or rank < best[target][0]:
            best[target] = (rank, h)
    mapping = {src: target for target, (_, src) in best.items()}
    ordered = {h: mapping[h] for h in headers if h in mapping}
    return ordered, [h for h in headers if h not in mapping]


def match_standard(headers: list[str]) -> list[tuple[str, float, dict[str, str]]]:
    """Rank all standards by how well ``headers`` fit them: ``[(slug, score, mapping)]``, best first.

    score = share of the headers that map onto the standard (0–1). Ties — common when a file has only the
    shared facility head (名称, 住所, 緯度 …) — go to the standard with more of its own specific columns matched.
    """
    ranked = []
    for slug in list_standards():
        mapping, _ = map_headers(headers, load_standard(slug))
        specific = sum(1 for target in mapping.values() if target not in _COMMON)
        ranked.append((slug, round(len(mapping) / max(len(headers), 1), 3), specific, mapping))
    ranked.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return [(slug, score, mapping) for slug, score, _, mapping in ranked]


# Columns every facility standard shares; they do not tell two standards apart.
_COMMON = frozenset({
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "所在地_全国地方公共団体コード",
    "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)",
    "緯度", "経度", "高度の種別", "高度の値", "電話番号", "内線番号", "法人番号", "URL", "画像", "画像_ライセンス", "備考",
})
