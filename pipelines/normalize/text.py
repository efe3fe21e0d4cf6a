"""Text folding for 半角 columns and clean column names.

``halfwidth`` folds exactly the characters whose NFKC form is ASCII (全角英数字, full-width punctuation,
U+3000, ① → 1 …) with one Aho-Corasick pass, which equals NFKC on those columns without paying for a full
NFKC of every value. Dash look-alikes (U+2212 MINUS SIGN in Taitō phones, U+2010…) become ``-``.
``fold.fold_array`` does the same on Arrow arrays, bytewise for the common characters.
"""
from __future__ import annotations

import functools
import unicodedata

import polars as pl

WHITESPACE = " \t\r\n\u3000\ufeff"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
# In phone numbers and codes a katakana long-vowel mark is a mistyped dash (台東区上野２ー１４−２１, ０３ー…).
CODE_DASHES = DASHES + "\u30fc\uff70\u2500"


@functools.cache
def ascii_folding() -> dict[str, str]:
    """Every BMP character whose NFKC compatibility form is ASCII (613 of them), mapped to that form."""
    table = {}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and folded.isascii():
            table[ch] = folded
    for dash in DASHES:
        table[dash] = "-"
    return table


def halfwidth(expr: pl.Expr, *, dashes: str = DASHES) -> pl.Expr:
    """NFKC-to-ASCII folding plus dash unification; leaves kana and kanji untouched."""
    table = dict(ascii_folding())
    table.update({d: "-" for d in dashes})
    return expr.str.replace_many(list(table), list(table.values()))


def nfkc(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC")


def clean_name(name: object) -> str:
    """A header cell as a column name: BOM, surrounding spaces (incl. U+3000) and stray quotes removed."""
    return str(name if name is not None else "").strip(WHITESPACE).strip('"').strip(WHITESPACE)


def unique_names(names: list[str]) -> list[str]:
    """Empty names become ``column_<n>``; repeats get ``_2``, ``_3`` … (first occurrence keeps the name)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names, start=1):
        base = clean_name(raw) or f"column_{i}"
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        out.append(name)
    return out
