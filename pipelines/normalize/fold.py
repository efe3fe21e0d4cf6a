"""``text.halfwidth`` for Arrow string arrays, done on the UTF-8 bytes for the characters that matter.

Full-width ASCII U+FF01–FF5E (UTF-8 ``EF BC 81``–``EF BD 9E``), U+3000 (``E3 80 80``) and the dash look-alikes
are 3-byte sequences whose lead byte never occurs inside another character, so numpy finds them with a few
boolean passes over the data buffer and replaces each by one ASCII byte. Per-value offsets shrink by two
bytes per folded character (a character never spans two values). Values still holding a non-ASCII byte
afterwards (① ℡ kanji …) go through the full Aho-Corasick table — usually none in a 半角 column.
"""
from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.normalize.text import CODE_DASHES, DASHES, halfwidth

_FAST = (b"\xef\xbc", b"\xef\xbd")                 # full-width ASCII, handled arithmetically
_RARE = {ch.encode("utf-8"): "-" for ch in DASHES if len(ch.encode("utf-8")) == 3 and ch.encode("utf-8")[:2] not in _FAST}
_RARE[b"\xe3\x80\x80"] = " "                      # U+3000 IDEOGRAPHIC SPACE
_RARE_CODE = {**_RARE, **{ch.encode("utf-8"): "-" for ch in "\u30fc\uff70\u2500"}}


def _packed(table: dict[bytes, str]) -> tuple[np.ndarray, np.ndarray]:
    """(sorted 24-bit keys of the UTF-8 sequences, replacement bytes) for searchsorted lookups."""
    items = sorted((int.from_bytes(k, "big"), ord(v)) for k, v in table.items())
    return np.array([k for k, _ in items], np.int32), np.array([v for _, v in items], np.uint8)


_LOOKUP = {False: _packed(_RARE), True: _packed(_RARE_CODE)}


def fold_array(arr: pa.Array | pa.ChunkedArray, *, code: bool = False) -> pa.Array:
    """Fold 全角 → 半角 (NFKC for ASCII targets) and dashes → ``-``; ``code`` also folds ー (phones, codes)."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    arr = arr if arr.type == pa.string() else arr.cast(pa.string())
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], np.uint8)[: offsets[-1]] if arr.buffers()[2] else np.empty(0, np.uint8)
    if not data.size or not (data >= 0x80).any():
        return arr
    arr, offsets, data = _fold_bytes(arr, offsets, data, _LOOKUP[code])
    return _fold_leftovers(arr, offsets, data, code)


def _fold_bytes(arr: pa.Array, offsets: np.ndarray, data: np.ndarray, rare: tuple[np.ndarray, np.ndarray]):
    if data.size < 3:
        return arr, offsets, data
    b0, b1, b2 = data[:-2], data[1:-1], data[2:]
    ef = b0 == 0xEF
    bc = ef & (b1 == 0xBC) & (b2 >= 0x81)             # U+FF01–FF3F → 0x21–0x5F
    bd = ef & (b1 == 0xBD) & (b2 <= 0x9E)             # U+FF40–FF5E → 0x60–0x7E
    repl = np.where(bc, b2 - 0x60, np.where(bd, b2 - 0x20, 0)).astype(np.uint8)
    cand = np.flatnonzero((b0 == 0xE2) | (b0 == 0xE3) | (ef & ~bc & ~bd))   # U+3000, dashes: few, looked up
    if cand.size:
        keys, vals = rare
        packed = (b0[cand].astype(np.int32) << 16) | (b1[cand].astype(np.int32) << 8) | b2[cand]
        at = np.minimum(np.searchsorted(keys, packed), keys.size - 1)
        hit = keys[at] == packed
        repl[cand[hit]] = vals[at[hit]]
    fold = repl != 0
    if not fold.any():
        return arr, offsets, data
    out = np.concatenate((np.where(fold, repl, b0), data[-2:]))
    removed = np.zeros(data.size, bool)              # the 2 continuation bytes of each folded character
    removed[1:-1] = fold
    removed[2:] |= fold
    new_data = np.compress(~removed, out)
    starts = np.flatnonzero(fold)                    # a character never spans two values: shift offsets by 2 each
    new_offsets = (offsets - 2 * np.searchsorted(starts, offsets)).astype(np.int32)
    folded = pa.Array.from_buffers(pa.string(), len(arr), [arr.buffers()[0], pa.py_buffer(new_offsets),
                                                          pa.py_buffer(new_data)], arr.null_count, arr.offset)
    return folded, new_offsets, new_data


def _fold_leftovers(arr: pa.Array, offsets: np.ndarray, data: np.ndarray, code: bool) -> pa.Array:
    """Values that still hold a non-ASCII byte go through the full table (① → 1, ℡ → TEL …)."""
    high = np.flatnonzero(data >= 0x80)
    start, stop = offsets[arr.offset: arr.offset + len(arr)], offsets[arr.offset + 1: arr.offset + len(arr) + 1]
    mask = np.searchsorted(high, stop) > np.searchsorted(high, start)
    if not mask.any():
        return arr
    sub = pl.Series(arr.filter(pa.array(mask)))
    folded = pl.select(halfwidth(pl.lit(sub), dashes=CODE_DASHES if code else DASHES)).to_series()
    return pa.compute.replace_with_mask(arr, pa.array(mask), folded.to_arrow().cast(pa.string()))
