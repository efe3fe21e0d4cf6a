"""Text folding for 半角 columns and clean column names.

``halfwidth`` folds exactly the characters whose NFKC form is ASCII (全角英数字, full-width punctuation,
U+3000, ① → 1 …) with one Aho-Corasick pass, which equals NFKC on those columns without paying for a full
NFKC of every value. Dash look-alikes (U+2212 MINUS SIGN in Taitō phones, U+2010…) become ``-``.
"""
from __future__ import annotations

import functools
import unicodedata

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

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


# ---------------------------------------------------------------------------------------------------------
# Byte-level folding of the common cases, on Arrow string arrays (no per-value work, no regex):
# full-width ASCII U+FF01–FF5E (UTF-8 EF BC 81–BF / EF BD 80–9E), U+3000 (E3 80 80) and dash look-alikes are
# 3-byte sequences whose lead byte never occurs inside another character, so they can be found and replaced by
# one ASCII byte with numpy. Values still holding a foldable character afterwards (① ℡ …) take the full table.

_THREE_BYTE = {ch.encode("utf-8"): "-" for ch in DASHES if len(ch.encode("utf-8")) == 3}
_THREE_BYTE[b"\xe3\x80\x80"] = " "
_CODE_EXTRA = {ch.encode("utf-8"): "-" for ch in "\u30fc\uff70\u2500"}


def _replacements(code: bool) -> np.ndarray:
    """Lookup table [lead byte, 2nd byte, 3rd byte] → replacement ASCII byte (0 = not folded)."""
    table = {bytes([0xEF, 0xBC, b]): chr(b - 0x60) for b in range(0x81, 0xC0)}
    table.update({bytes([0xEF, 0xBD, b]): chr(b - 0x20) for b in range(0x80, 0x9F)})
    table.update(_THREE_BYTE)
    if code:
        table.update(_CODE_EXTRA)
    lut = np.zeros((3, 64, 64), np.uint8)           # continuation bytes are 0x80-0xBF: index by the low 6 bits
    for key, repl in table.items():
        lut[_LEADS.index(key[0]), key[1] & 0x3F, key[2] & 0x3F] = ord(repl)
    return lut


_LEADS = (0xEF, 0xE3, 0xE2)
_LEAD_INDEX = np.full(256, 255, np.uint8)
_LEAD_INDEX[list(_LEADS)] = [0, 1, 2]
_TABLES = {False: _replacements(False), True: _replacements(True)}


def fold_array(arr: pa.Array, *, code: bool = False) -> pa.Array:
    """``halfwidth`` for an Arrow string array: numpy fast path, full table only for leftover values."""
    arr = _plain_string(arr)
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], np.uint8)[: offsets[-1]] if arr.buffers()[2] else np.empty(0, np.uint8)
    if data.size and (data >= 0x80).any():
        arr = _fold_bytes(arr, offsets, data, code)
    leftover = pc.match_substring_regex(arr, r"[^\x00-\x7F]")
    if pc.any(leftover).as_py():
        mask = leftover.fill_null(False).to_numpy(zero_copy_only=False)
        sub = pl.Series(arr.filter(mask))
        folded = pl.select(halfwidth(pl.lit(sub), dashes=CODE_DASHES if code else DASHES)).to_series()
        arr = pc.replace_with_mask(arr, pa.array(mask), folded.to_arrow().cast(pa.string()))
    return arr


def _plain_string(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _fold_bytes(arr: pa.Array, offsets: np.ndarray, data: np.ndarray, code: bool) -> pa.Array:
    if data.size < 3:
        return arr
    kind = _LEAD_INDEX[data[:-2]]
    lead = np.flatnonzero(kind != 255)
    repl = _TABLES[code][kind[lead], data[lead + 1] & 0x3F, data[lead + 2] & 0x3F]
    lead, repl = lead[repl != 0], repl[repl != 0]
    if not lead.size:
        return arr
    out = data.copy()
    out[lead] = repl
    keep = np.ones(out.size, bool)
    keep[lead + 1] = keep[lead + 2] = False
    # every folded character shrinks by 2 bytes, and never spans two values
    new_offsets = (offsets - 2 * np.searchsorted(lead, offsets)).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(arr), [arr.buffers()[0], pa.py_buffer(new_offsets),
                                                          pa.py_buffer(out[keep])], arr.null_count, arr.offset)
