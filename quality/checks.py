"""Vectorised value predicates behind the custom expectations: ``(pandas.Series, params) -> bool Series``.

True means the value passes. Nulls may return anything: GX drops them before counting (a missing value
is the business of the not-null rule). Every predicate accepts text or typed columns, because the same
rules run on the pipeline's typed Parquet and on raw text tables from ``opendata validate``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from pandas.api import types as ptypes

from quality.codes import corporate_number_valid, lg_code_valid

JAPAN = {"lat": (20.0, 46.0), "lon": (122.0, 154.0)}


# Text views

def text(series: pd.Series) -> pd.Series:
    """A stripped string view; integral floats (ints widened by NaN) print without ``.0``."""
    if ptypes.is_float_dtype(series):
        vals = series.dropna()
        if (vals % 1 == 0).all():
            series = series.astype("Int64")
    return series.astype("string").str.strip()


def is_typed_temporal(series: pd.Series) -> bool:
    """Columns the pipeline already cast to date/time types are valid by construction."""
    if ptypes.is_datetime64_any_dtype(series):
        return True
    if series.dtype == object:
        first = series.dropna().head(1)
        return not first.empty and isinstance(first.iloc[0], (dt.date, dt.time))
    return False


def _fullmatch(series: pd.Series, pattern: str) -> pd.Series:
    return text(series).str.fullmatch(pattern).fillna(False).astype(bool)


# Codes

def lg_code_ok(series: pd.Series) -> pd.Series:
    """6 digits with a valid check digit, or 5 digits (checked separately as a repairable warning)."""
    t = text(series)
    return lg_code_valid(t) | t.str.fullmatch(r"[0-9]{5}").fillna(False).astype(bool)


def lg_code_has_check_digit(series: pd.Series) -> pd.Series:
    return ~text(series).str.fullmatch(r"[0-9]{5}").fillna(False).astype(bool)


def lg_code_in_area(series: pd.Series, publisher_code: str) -> pd.Series:
    """Same municipality as a municipal publisher (first 5 digits), same prefecture as a prefectural one."""
    t = text(series)
    width = 5 if publisher_code[2:5] != "000" else 2
    return t.str.slice(0, width) == publisher_code[:width]


def corporate_number_ok(series: pd.Series) -> pd.Series:
    return corporate_number_valid(text(series))


# Coordinates

def numeric(series: pd.Series) -> pd.Series:
    if ptypes.is_numeric_dtype(series):
        return series.astype("float64")
    return pd.to_numeric(text(series), errors="coerce").astype("float64")   # NaN, not NA: plain bool results


def coordinate_numeric(series: pd.Series) -> pd.Series:
    return numeric(series).notna()


def coordinate_nonzero(series: pd.Series) -> pd.Series:
    return numeric(series) != 0


def coordinate_between(series: pd.Series, min_value: float, max_value: float) -> pd.Series:
    """In range; 0 and non-numbers pass here because their own rules report them (one finding per cause)."""
    n = numeric(series)
    return n.between(min_value, max_value) | (n == 0) | n.isna()


def coordinate_in_box(series: pd.Series, min_value: float, max_value: float, axis: str) -> pd.Series:
    """Inside the municipality's box; values already outside Japan are reported by the Japan rule only."""
    lo, hi = JAPAN[axis]
    n = numeric(series)
    return n.between(min_value, max_value) | ~n.between(lo, hi)


# Formats (GIF DS-441/445 and the standard sheets)

_TEL_ONE = (r"(?:\+81[ -]?(?:\(0?[0-9]{1,4}\)[ -]?|[0-9]{1,4}-)[0-9]{1,4}-[0-9]{3,4}"   # +81 (03)5253-5111, +81-3-…
            r"|\(0[0-9]{1,4}\)[0-9]{1,4}-[0-9]{3,4}"                                    # (054)626-1139
            r"|0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4})"                                      # 03-1234-5678
            r"(?:[ ]?(?:内線|ext\.?)[ ]?[0-9]{1,6})?")                                 # … 内線123
PHONE = rf"{_TEL_ONE}(?: / {_TEL_ONE})*"


def phone_ok(series: pd.Series) -> pd.Series:
    """Shape per GIF DS-445, and 10–11 digits per domestic number (9–10 after +81)."""
    t = text(series)
    shape = t.str.fullmatch(PHONE).fillna(False).astype(bool)
    parts = t[shape].str.split(" / ").explode()
    main = parts.str.replace(r"[ ]?(?:内線|ext\.?)[ ]?[0-9]+$", "", regex=True)
    intl = main.str.startswith("+81")
    digits = main.str.replace(r"^\+81", "", regex=True).str.replace(r"[^0-9]", "", regex=True).str.len()
    digits = digits + (intl & ~main.str.contains(r"\(0|^\+81[ -]?0", regex=True)).astype(int)
    count_ok = digits.between(10, 11).groupby(level=0).all()
    return shape & count_ok.reindex(t.index, fill_value=False)


def postal_code_ok(series: pd.Series) -> pd.Series:
    return _fullmatch(series, r"[0-9]{3}-[0-9]{4}")


def date_ok(series: pd.Series) -> pd.Series:
    """YYYY-MM-DD and a real calendar day (和暦 and M/D/YYYY must have been converted)."""
    if is_typed_temporal(series):
        return pd.Series(True, index=series.index)
    t = text(series)
    shape = t.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fillna(False).astype(bool)
    parsed = pd.to_datetime(t.where(shape), format="%Y-%m-%d", errors="coerce")
    return shape & parsed.notna()


def time_ok(series: pd.Series) -> pd.Series:
    """HH:MM on the 24-hour clock (24:00 allowed as an end time), as the standard sheets write 時刻（hh:mm）."""
    if is_typed_temporal(series):
        return pd.Series(True, index=series.index)
    return _fullmatch(series, r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")


URL = r"https?://[A-Za-z0-9\-._~%]+(?::[0-9]+)?(?:[/?#][^ \t\r\n　]*)?"    # no \s: it forces Python's re


def url_ok(series: pd.Series) -> pd.Series:
    return _fullmatch(series, URL)


def email_ok(series: pd.Series) -> pd.Series:
    return _fullmatch(series, r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


# 全角カナ: katakana, prolonged sound mark, middle dot, spaces and full-width digits (施設名の「第２」など).
# Literal characters (ァ-ヺ = U+30A1–U+30FA, ー-ヾ = U+30FC–U+30FE), not \u escapes: pandas sends escaped
# patterns to Python's re instead of Arrow's RE2, ~10× slower on big columns.
KATAKANA = "[ァ-ヺー-ヾ・＝ 　０-９（）]+"


def katakana_ok(series: pd.Series) -> pd.Series:
    return text(series).str.fullmatch(KATAKANA).fillna(False).astype(bool)


def number_ok(series: pd.Series, integer: bool) -> pd.Series:
    """Half-width decimal numbers; typed numeric columns pass (the pipeline cast them)."""
    if ptypes.is_numeric_dtype(series):
        return pd.Series(True, index=series.index)
    return _fullmatch(series, r"-?[0-9]+" if integer else r"-?[0-9]+(?:\.[0-9]+)?")
