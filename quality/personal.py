"""Personal-data detectors (must never be published) and the masking used for report examples.

Detection is vectorised over a column; masking runs only on the few examples a report keeps.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from quality.codes import mynumber_valid

# My Number

# A column name that announces My Numbers; then a bare 12-digit value counts too.
MYNUMBER_COLUMN = re.compile(r"個人番号|マイナンバー|my\s*_?number|mynumber", re.IGNORECASE)
# Without that context only the grouped forms 1234 5678 9012 / 1234-5678-9012 count: a bare 12-digit value
# passes the check digit one time in ten by chance. Never part of a longer digit run.
_GROUPED = r"(?<![0-9])(?<![0-9][ -])([0-9]{4})[ -]([0-9]{4})[ -]([0-9]{4})(?![ -]?[0-9])"
_BARE = r"(?<![0-9])(?<![0-9][ -])([0-9]{4})[ -]?([0-9]{4})[ -]?([0-9]{4})(?![ -]?[0-9])"


# RE2-friendly screens (no look-around), also matching full-width digits and separators before NFKC.
_D4 = "[0-9０-９]{4}"
_SCREEN_GROUPED = f"{_D4}[ 　\\-－]{_D4}[ 　\\-－]{_D4}"
_SCREEN_BARE = f"{_D4}[ 　\\-－]?{_D4}[ 　\\-－]?{_D4}"


def _nfkc(series: pd.Series) -> pd.Series:
    return series.astype("string").str.normalize("NFKC")


def mynumber_free(series: pd.Series, context: bool) -> pd.Series:
    """False where the value holds a 12-digit number with a valid My Number check digit in a telling form."""
    t = series.astype("string")
    # Cheap Arrow (RE2) screen first; NFKC and the look-around regex run only on rows with a 4-digit run.
    maybe = t.str.contains(_SCREEN_BARE if context else _SCREEN_GROUPED, regex=True).fillna(False).astype(bool)
    parts = t[maybe].str.normalize("NFKC").str.extract(_BARE if context else _GROUPED)
    found = parts.notna().all(axis=1)
    digits = parts[found].agg("".join, axis=1)
    hit = pd.Series(False, index=series.index)
    hit[digits.index] = mynumber_valid(digits)
    return ~hit


# E-mail

@cache
def personal_email_domains() -> tuple[str, ...]:
    path = Path(__file__).parent / "data" / "personal_email_domains.txt"
    lines = path.read_text("utf-8").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _email_re() -> str:
    domains = "|".join(re.escape(d) for d in personal_email_domains())
    return rf"(?i)[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9\-]+\.)*(?:{domains})(?![A-Za-z0-9.\-]*[A-Za-z0-9])"


def personal_email_free(series: pd.Series) -> pd.Series:
    t = series.astype("string")
    maybe = t.str.contains("[@＠]", regex=True).fillna(False).astype(bool)     # screen before the slow regex
    hit = pd.Series(False, index=series.index)
    hit[maybe] = _nfkc(t[maybe]).str.contains(_email_re(), regex=True).fillna(False).astype(bool)
    return ~hit


# Names of individuals (heuristic; only run on columns that name a representative/establisher/owner)

KANJI = r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆ヶ]"
NAME_CHAR = r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆ヶぁ-ゖァ-ヺー]"
# Titles that precede the holder's name (longest first so 代表取締役社長 wins over 代表取締役 / 社長).
TITLES = ("代表取締役社長|代表取締役会長|代表取締役|取締役社長|代表理事理事長|代表理事|理事長|代表役員|代表社員|代表者|"
          "病院長|院長|園長|施設長|所長|支部長|社長|会長|学長|校長|館長|管理者|事業主|経営者|開設者|店主|住職|宮司|代表")
# Public offices: 香川県知事 / 高松市長 name an office, not a person.
OFFICE = r"(?:知事|市長|区長|町長|村長|大臣|長官)$"
# Words that make a token an organisation or place.
ORG = ("株式会社|有限会社|合同会社|合資会社|合名会社|㈱|㈲|\\(株\\)|\\(有\\)|法人|会社|協会|組合|学校|学園|病院|医院|"
       "クリニック|センター|事業団|財団|機構|連合|協議会|委員会|事務所|神社|教会|公園|協同|公社|公団|銀行|鉄道|電力|郵便|"
       "施設|保育|幼稚|大学|研究所|役所|役場")
# A token ending in one of these is an organisation/place (会, 園, 寺 …), never a given name.
ORG_END = "[会園寺院所館店局課部室校場署庁省団社宮堂屋組係県都府市区町村国]$"
# Family-name tokens may contain 市/村/町 (市川, 中村, 町田), so only unambiguous words rule them out.
FAMILY_NOT = "法人|会社|組合|協会|学園|学校|病院|医院|財団|機構|連合|事務所|[県庁省]"


def person_name_free(series: pd.Series) -> pd.Series:
    """False where a value (or one of its 、-separated parts) is a person's name."""
    t = _nfkc(series).str.strip()
    parts = t.str.split(r"[、,;/()]").explode().str.strip()
    hit = _titled_name(parts) | _trailing_name(parts) | _bare_name(parts)
    return ~hit.groupby(level=0).any().reindex(series.index, fill_value=False)


def _titled_name(parts: pd.Series) -> pd.Series:
    """理事長 新木 一弘, 株式会社X 代表取締役 山田 太郎: whatever follows the last title, if not an organisation."""
    tail = parts.str.extract(rf".*(?:{TITLES})\s+(.+)$")[0]
    return (tail.notna() & ~tail.str.contains(ORG, regex=True).fillna(True)
            & ~tail.str.contains(OFFICE, regex=True).fillna(True)
            & tail.str.fullmatch(rf"(?:{NAME_CHAR}+|[A-Za-z.]+)(?:\s+(?:{NAME_CHAR}+|[A-Za-z.]+)){{0,3}}").fillna(False))


def _trailing_name(parts: pd.Series) -> pd.Series:
    """吉峰 公博, トビウメ小児科医院 飛梅 董: the value ends with family + space + given name."""
    m = parts.str.extract(rf"(?:^|\s)({KANJI}{{1,4}})\s+({NAME_CHAR}{{1,4}})$")
    family, given = m[0], m[1]
    return (family.notna() & ~family.str.contains(FAMILY_NOT, regex=True).fillna(True)
            & ~given.str.contains(ORG, regex=True).fillna(True)
            & ~given.str.contains(ORG_END, regex=True).fillna(True)
            & ~given.str.contains(OFFICE, regex=True).fillna(True))


def _bare_name(parts: pd.Series) -> pd.Series:
    """山田太郎: 3–5 kanji with no organisation word, no organisation ending and no office title."""
    return (parts.str.fullmatch(rf"{KANJI}{{3,5}}").fillna(False)
            & ~parts.str.fullmatch(TITLES).fillna(True)
            & ~parts.str.contains(ORG, regex=True).fillna(True)
            & ~parts.str.contains(ORG_END, regex=True).fillna(True)
            & ~parts.str.contains(OFFICE, regex=True).fillna(True))


# Masking (report examples never echo personal values)

def mask_name(value: str) -> str:
    """Keep titles/organisations and the first character of a family name: 理事長　新木　一弘 → 理事長　新**　**."""
    out = []
    for part in re.split(r"([、,;/()（）])", str(value)):
        out.append(_mask_name_part(part))
    return "".join(out)


def _mask_name_part(part: str) -> str:
    tokens = re.split(r"([\s\u3000]+)", part)
    words = [i for i, tok in enumerate(tokens) if tok.strip()]
    if not words:
        return part
    single = pd.Series([part])
    if not person_name_free(single).iloc[0]:
        name_words = _name_words(tokens, words)
        for rank, i in enumerate(name_words):
            tokens[i] = (tokens[i][0] + "**") if rank == 0 else "**"
    return "".join(tokens)


def _name_words(tokens: list[str], words: list[int]) -> list[int]:
    """Indexes of the tokens that make up the name: after the last title, else the last two (or the one)."""
    title_at = [i for i in words if re.search(rf"(?:{TITLES})$", tokens[i])]
    if title_at:
        return [i for i in words if i > title_at[-1]]
    return words[-2:] if len(words) >= 2 else words


def mask_digits(value: str, keep: int = 4) -> str:
    """123456789018 → ********9018 (separators dropped so the group layout is not echoed either)."""
    digits = re.sub(r"[^0-9]", "", str(value))
    return "*" * max(len(digits) - keep, 0) + digits[-keep:]


def mask_email(value: str) -> str:
    """taro.yamada@gmail.com → t***@gmail.com (only the personal address, not the rest of the cell)."""
    m = re.search(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9.\-]+)", str(value))
    return f"{m.group(1)[0]}***@{m.group(2)}" if m else "***"
