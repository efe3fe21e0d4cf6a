"""Times of day → ``HH:MM`` strings (GIF DS-441, 24-hour clock, ``24:00`` allowed).

Forms: ``9:00``, ``09:00``, ``7：30`` (full-width colon), ``9時``, ``9時30分``, ``午後1時``, ``00:00:00`` (Koto),
and ranges ``7：30～18：30`` whose two ends are returned separately so a start column can feed its paired end
column. Anything else (``休``, ``24時間``, text with notes) becomes null and is reported, never guessed.
"""
from __future__ import annotations

import polars as pl

from pipelines.normalize import text

_T = r"(午前|午後|AM|PM|am|pm)?\s*([0-9]{1,2})\s*(?:[:時]\s*([0-9]{1,2})?\s*分?(?::([0-9]{2}))?)"
_RANGE_SEP = r"\s*[~〜\-]\s*"
PATTERNS = {"single": rf"^{_T}$", "range": rf"^{_T}{_RANGE_SEP}{_T}$"}


def _hhmm(meridiem: pl.Expr, hour: pl.Expr, minute: pl.Expr, seconds: pl.Expr) -> pl.Expr:
    h = hour.cast(pl.Int32, strict=False)
    m = minute.cast(pl.Int32, strict=False).fill_null(0)
    pm = meridiem.str.to_uppercase().is_in(["午後", "PM"]).fill_null(False)
    h = pl.when(pm & (h < 12)).then(h + 12).otherwise(h)
    s = seconds.cast(pl.Int32, strict=False).fill_null(0)
    ok = (h <= 23) & (m <= 59) & (s <= 59) | ((h == 24) & (m == 0) & (s == 0))
    return pl.when(ok).then(pl.format("{}:{}", h.cast(pl.String).str.zfill(2), m.cast(pl.String).str.zfill(2)))


def parse_frame(raw: pl.Expr) -> list[pl.Expr]:
    """``time`` (a single time) and ``start``/``end`` (the two ends of a range) for the column ``raw``."""
    s = text.nfkc(raw).str.strip_chars(text.WHITESPACE)
    one = s.str.extract_groups(PATTERNS["single"])
    rng = s.str.extract_groups(PATTERNS["range"])
    f = [one.struct.field(str(i)) for i in range(1, 5)]
    r = [rng.struct.field(str(i)) for i in range(1, 9)]
    return [_hhmm(*f).alias("time"), _hhmm(*r[:4]).alias("start"), _hhmm(*r[4:]).alias("end")]


def parse_times(values: pl.Series) -> pl.DataFrame:
    """``raw``, ``time``, ``start``, ``end`` per value (use on distinct values, then join back)."""
    return pl.DataFrame({"raw": values.cast(pl.String)}).with_columns(parse_frame(pl.col("raw")))
