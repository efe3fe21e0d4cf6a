"""Dates as written in Japanese government files → ``date32``.

Forms (jp_standards.md §1e): 和暦 ``令和6年4月1日`` / ``令和元年`` / ``令和六年四月一日`` / ``R6.4.1`` / ``R06.04.01`` /
``H31.4.30`` / ``S47.4.1`` / ``㋿6年…``, ``2024/4/1``, ``2024-04-01``, ``2024年4月1日``, typos like ``2020.10/1``,
US-style ``4/1/2023`` (M/D/YYYY, Takamatsu), ``20240401`` and Excel serials (5 digits, epoch 1899-12-30).
Everything is a polars expression (regex extract + lookup tables) run over the column's distinct values.
A value matching no form, or an impossible date (令和元年4月30日 is before 令和 began), becomes null.
A 和暦 date after its era ended (平成31年5月1日, printed on forms in advance) is unambiguous: it is converted
and flagged.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.normalize import text

# era: (offset to western year, first day, first day of the next era)
ERAS = {
    "明治": (1867, dt.date(1868, 1, 25), dt.date(1912, 7, 30)),
    "大正": (1911, dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
    "昭和": (1925, dt.date(1926, 12, 25), dt.date(1989, 1, 8)),
    "平成": (1988, dt.date(1989, 1, 8), dt.date(2019, 5, 1)),
    "令和": (2018, dt.date(2019, 5, 1), dt.date(9999, 12, 31)),
}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
KANJI_DIGITS = "〇一二三四五六七八九"

_NUM = r"(元|[0-9]{1,2}|[〇一二三四五六七八九十]{1,3})"
_WEEKDAY = r"(?:\s*\(.{1,3}\))?"                    # 令和6年4月1日(月) — NFKC turns （） into ()
# a time part (2024/4/1 0:00:00, 8/2/2020 3:30:00 PM from spreadsheets): the date is still the date
_TIME = r"(?:[T\s]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:\s*[AaPp][Mm])?)?"
_SEP_Y, _SEP_M = r"\s*(?:年|[./\-])\s*", r"\s*(?:月|[./\-])\s*"
PATTERNS = {
    "era": rf"^(?i:(明治|大正|昭和|平成|令和|[MTSHR]))\.?\s*{_NUM}{_SEP_Y}{_NUM}{_SEP_M}{_NUM}\s*日?{_WEEKDAY}$",
    "ymd": rf"^([0-9]{{4}}){_SEP_Y}([0-9]{{1,2}}){_SEP_M}([0-9]{{1,2}})\s*日?{_WEEKDAY}{_TIME}$",
    "us": rf"^([0-9]{{1,2}})/([0-9]{{1,2}})/([0-9]{{4}}){_TIME}$",
    "compact": r"^([0-9]{4})([0-9]{2})([0-9]{2})$",
    "serial": r"^([0-9]{5})(?:\.0+)?$",
}


def _kanji_numbers() -> dict[str, int]:
    """元, 一 … 九十九 (十-notation) and positional 〇六 / 三一 for 1–99."""
    table = {"元": 1}
    for n in range(1, 100):
        tens, ones = divmod(n, 10)
        tens_part = "" if tens == 0 else ("十" if tens == 1 else KANJI_DIGITS[tens] + "十")
        table[tens_part + (KANJI_DIGITS[ones] if ones else "")] = n
        table[KANJI_DIGITS[tens] + KANJI_DIGITS[ones]] = n
    return table


KANJI_NUMBERS = _kanji_numbers()


def _number(expr: pl.Expr) -> pl.Expr:
    """A captured number (ASCII digits, 元 or kanji numerals) as Int32."""
    as_int = expr.cast(pl.Int32, strict=False)
    kanji = expr.replace_strict(KANJI_NUMBERS, default=None, return_dtype=pl.Int32)
    return pl.coalesce(as_int, kanji)


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """A date from integer parts; impossible dates (2月30日, month 13) become null."""
    parts = [p.cast(pl.String).str.zfill(w) for p, w in ((y, 4), (m, 2), (d, 2))]
    return pl.format("{}-{}-{}", *parts).str.to_date("%Y-%m-%d", strict=False)


def parse_frame(raw: pl.Expr) -> list[pl.Expr]:
    """Expressions giving ``date`` (Date) and ``era_overflow`` (bool) for the string column ``raw``."""
    s = text.nfkc(raw).str.strip_chars(text.WHITESPACE)
    g = {k: s.str.extract_groups(p) for k, p in PATTERNS.items()}
    era_name = g["era"].struct.field("1").str.to_uppercase().replace(ERA_LETTERS)
    era_offset = era_name.replace_strict({k: v[0] for k, v in ERAS.items()}, default=None, return_dtype=pl.Int32)
    era_year = _number(g["era"].struct.field("2"))
    era_date = _ymd(pl.when(era_year > 0).then(era_offset + era_year), _number(g["era"].struct.field("3")),
                    _number(g["era"].struct.field("4")))
    start = era_name.replace_strict({k: v[1] for k, v in ERAS.items()}, default=None, return_dtype=pl.Date)
    end = era_name.replace_strict({k: v[2] for k, v in ERAS.items()}, default=None, return_dtype=pl.Date)
    ymd = [g["ymd"].struct.field(str(i)).cast(pl.Int32) for i in (1, 2, 3)]
    us = [g["us"].struct.field(str(i)).cast(pl.Int32) for i in (3, 1, 2)]
    compact = [g["compact"].struct.field(str(i)).cast(pl.Int32) for i in (1, 2, 3)]
    serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=g["serial"].struct.field("1").cast(pl.Int32))
    date = pl.coalesce(
        pl.when(era_date >= start).then(era_date), _ymd(*ymd), _ymd(*us), _ymd(*compact), serial.cast(pl.Date),
    )
    return [date.alias("date"), (era_date >= end).fill_null(False).alias("era_overflow")]


def parse_dates(values: pl.Series) -> pl.DataFrame:
    """``raw``, ``date``, ``era_overflow`` for each value (use on distinct values, then join back)."""
    frame = pl.DataFrame({"raw": values.cast(pl.String)})
    return frame.with_columns(parse_frame(pl.col("raw")))


def to_date(values: pl.Series) -> pl.Series:
    """Convenience for tests and callers with a few values: the parsed dates, null where unparseable."""
    return parse_dates(values)["date"]
