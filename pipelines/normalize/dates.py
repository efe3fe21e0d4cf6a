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
    """A date from integer parts, computed numerically; impossible dates (2月30日, month 13) become null."""
    first = pl.date(y.clip(1, 9999), m.clip(1, 12), 1)
    ok = y.is_between(1, 9999) & m.is_between(1, 12) & (d >= 1) & (d <= first.dt.month_end().dt.day())
    return pl.when(ok).then(first + pl.duration(days=d - 1))


def _era_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``date``/``era_overflow`` for 和暦 strings in ``_s``; staged so each regex and lookup runs once."""
    frame = frame.with_columns(pl.col("_s").str.extract_groups(PATTERNS["era"]).alias("_g"))
    frame = frame.with_columns(
        pl.col("_g").struct.field("1").str.to_uppercase().replace(ERA_LETTERS).alias("_era"),
        *[_number(pl.col("_g").struct.field(str(i))).alias(f"_n{i}") for i in (2, 3, 4)])
    era = {k: pl.Series([v[i] for v in ERAS.values()]) for k, i in (("_offset", 0), ("_start", 1), ("_end", 2))}
    frame = frame.with_columns(
        pl.col("_era").replace_strict(list(ERAS), era[k], default=None, return_dtype=era[k].dtype).alias(k)
        for k in era)
    frame = frame.with_columns(
        _ymd(pl.when(pl.col("_n2") > 0).then(pl.col("_offset") + pl.col("_n2")), pl.col("_n3"), pl.col("_n4"))
        .alias("_d"))
    return frame.with_columns(pl.when(pl.col("_d") >= pl.col("_start")).then(pl.col("_d")).alias("date"),
                              (pl.col("_d") >= pl.col("_end")).fill_null(False).alias("era_overflow"))


def _western_frame(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.with_columns(pl.col("_s").str.extract_groups(PATTERNS[k]).alias(k)
                               for k in ("ymd", "us", "compact", "serial"))
    part = {k: [pl.col(k).struct.field(str(i)).cast(pl.Int32) for i in (1, 2, 3)] for k in ("ymd", "us", "compact")}
    m, d, y = part["us"]
    serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.col("serial").struct.field("1").cast(pl.Int32))
    date = pl.coalesce(_ymd(*part["ymd"]), _ymd(y, m, d), _ymd(*part["compact"]), serial.cast(pl.Date))
    return frame.with_columns(date.alias("date"), pl.lit(False).alias("era_overflow"))


def parse_dates(values: pl.Series) -> pl.DataFrame:
    """``raw``, ``date``, ``era_overflow`` for each value, in order (use on distinct values, then join back).

    Values starting with a digit only try the western forms, the others only 和暦: half the regex work."""
    s = pl.col("raw").str.normalize("NFKC").str.strip_chars(text.WHITESPACE)
    frame = pl.DataFrame({"raw": values.cast(pl.String)}).with_row_index("_i").with_columns(s.alias("_s"))
    digit = pl.col("_s").str.contains("^[0-9]").fill_null(False)
    parts = [_era_frame(frame.filter(~digit)), _western_frame(frame.filter(digit))]
    return pl.concat([p.select("_i", "raw", "date", "era_overflow") for p in parts]).sort("_i").drop("_i")


DATE_SHARE = 0.95          # a column not typed by the standard becomes ISO dates when this share of values parse
NOTABLE_SHARE = 0.5        # below DATE_SHARE but at least this: left as published, with a warning
# Digits only (20240401, 45383) could be codes or counts, and a time part would be lost: neither counts as a date
# for a column the standard does not type.
NOT_A_PLAIN_DATE = r"^[0-9]+$|[0-9]:[0-9]"


def plain_dates(values: pl.Series) -> pl.DataFrame:
    """``raw``, ``date`` like ``parse_dates``, with ``date`` null for digits-only values and date-times."""
    parsed = parse_dates(values)
    excluded = pl.col("raw").str.strip_chars().str.contains(NOT_A_PLAIN_DATE).fill_null(True)
    return parsed.with_columns(pl.when(~excluded).then(pl.col("date")).alias("date"))


def date_share(values: list[str | None]) -> tuple[float, list[str]]:
    """Share of the non-empty ``values`` that are plain dates, and up to five that are not."""
    s = pl.Series("raw", [v for v in values if v not in (None, "") and v.strip()], pl.String)
    if s.is_empty():
        return 0.0, []
    parsed = plain_dates(s)
    bad = parsed.filter(pl.col("date").is_null())["raw"]
    return 1 - bad.len() / s.len(), bad.unique(maintain_order=True).head(5).to_list()
