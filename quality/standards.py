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
