"""Text garbled before it reached us (文字化け), found per column and repaired only when the repair is certain.

Two shapes are seen in municipal files:
- CP932 bytes read as Windows-1252 / Latin-1 and saved again as UTF-8: ``ƒgƒCƒŒ`` (トイレ), ``“Œ‹ž`` (東京);
- UTF-8 bytes read as CP932 and saved again: ``蜈ｬ陦`` (公衆), kanji interleaved with half-width kana.
A value is repaired when re-encoding it the garbling way and decoding it the right way succeeds strictly and
gives Japanese text; one that looks garbled (a run of Latin-1/Windows-1252 letters) but does not repair is left
as is and reported as an error. ftfy was considered: it repairs UTF-8/Windows-1252 mix-ups, not CP932 ones.
Only values an Arrow regex prefilter flags reach Python, once per distinct value.
"""
from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

# Windows-1252's printable C1 replacements and the Latin-1 letters: what CP932 lead/trail bytes become
_W1252 = "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e" \
         "\u2020\u2021\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_LATIN = "\u0080-\u00ff" + _W1252
PREFILTER = "[" + "".join(f"\\x{{{ord(c):x}}}" if len(c) == 1 else c for c in
                          ["\\x{80}-\\x{ff}", *_W1252]) + "]{2}|[\\x{4e00}-\\x{9fff}][\\x{ff61}-\\x{ff9f}]"
LATIN_RUN = re.compile(f"[{_LATIN}]{{2}}")
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
FULL_JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")          # a repair giving only ｶﾅ is not certain
LOST = re.compile("[\ufffd\u0080-\u009f]")                           # bytes the garbling already lost


def _sloppy_1252(text: str) -> bytes | None:
    """Bytes that a Windows-1252 (or Latin-1, for the five bytes 1252 leaves undefined) decoder turned into ``text``."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            out.append(ord(ch))
    return bytes(out)


def repair(value: str) -> tuple[str | None, str | None]:
    """(repaired text, how) for a garbled value; (None, None) when no certain repair exists."""
    raw = _sloppy_1252(value)
    if raw is not None and not raw.isascii():
        try:
            fixed = raw.decode("cp932")
            if FULL_JAPANESE.search(fixed) and not LATIN_RUN.search(fixed):
                return fixed, "cp932-as-cp1252"
        except UnicodeDecodeError:
            pass
    try:
        fixed = value.encode("cp932").decode("utf-8")
        if fixed != value and FULL_JAPANESE.search(fixed):
            return fixed, "utf8-as-cp932"
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return None, None


def find(arr: pa.Array) -> tuple[dict[str, str], list[str]]:
    """({garbled: repaired}, [garbled values that do not repair]) among the distinct values of ``arr``."""
    hit = pc.fill_null(pc.match_substring_regex(arr, PREFILTER), False)
    if not pc.any(hit).as_py():
        return {}, []
    fixed, broken = {}, []
    for v in pc.unique(pc.filter(arr, hit)).to_pylist():
        good, _ = repair(v)
        if good is not None:
            fixed[v] = good
        elif (LATIN_RUN.search(v) and not JAPANESE.search(v)) or (JAPANESE.search(v) and LOST.search(v)):
            broken.append(v)
    return fixed, broken


def apply(arr: pa.Array, fixed: dict[str, str]) -> pa.Array:
    """``arr`` with each garbled value replaced by its repair (vectorised lookup)."""
    keys = pa.array(list(fixed), pa.string())
    idx = pc.index_in(arr, value_set=keys)
    repaired = pc.take(pa.array(list(fixed.values()), pa.string()), idx)
    return pc.if_else(pc.is_valid(idx), repaired, arr)
