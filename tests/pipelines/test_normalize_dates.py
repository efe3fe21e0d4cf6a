"""和暦 and the other date forms: known answers, era boundaries, and a round-trip property over all eras."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.normalize.dates import ERA_LETTERS, ERAS, EXCEL_EPOCH, KANJI_DIGITS, parse_dates

KNOWN = {
    "令和6年4月1日": "2024-04-01", "令和６年４月１日": "2024-04-01", "令和六年四月一日": "2024-04-01",
    "令和元年5月1日": "2019-05-01", "令和元年": None, "R6.4.1": "2024-04-01", "R06.04.01": "2024-04-01",
    "r6/4/1": "2024-04-01", "H31.4.30": "2019-04-30", "S47.4.1": "1972-04-01", "H19.4.1": "2007-04-01",
    "H12.10.15": "2000-10-15", "㋿6年4月1日": "2024-04-01", "㍻31年4月30日": "2019-04-30",
    "令和十二年十二月三十一日": "2030-12-31", "令和6年4月1日(月)": "2024-04-01", "令和6年4月1日（月）": "2024-04-01",
    "明治18年1月1日": "1885-01-01",
    # era boundaries
    "昭和64年1月7日": "1989-01-07", "平成元年1月8日": "1989-01-08", "平成1年1月8日": "1989-01-08",
    "平成元年1月7日": None, "平成31年4月30日": "2019-04-30", "令和元年4月30日": None,
    # western forms
    "2024/4/1": "2024-04-01", "2024-04-01": "2024-04-01", "2024年4月1日": "2024-04-01", "２０２４／４／１": "2024-04-01",
    "2020.10/1": "2020-10-01", "4/1/2023": "2023-04-01", "7/3/2023": "2023-07-03", "1947/4/1": "1947-04-01",
    "20240401": "2024-04-01", "45383": "2024-04-01", "45383.0": "2024-04-01", "2024/4/1 0:00:00": "2024-04-01",
    "2024-04-01T09:30:00": "2024-04-01", "8/2/2020  3:30:00 PM": "2020-08-02",
    # not dates: null, never a guess
    "2023-02-30": None, "令和6年13月1日": None, "令和6年4月": None, "2024年4月": None, "8月5日": None,
    "休": None, "令和0年1月1日": None, "13/13/2023": None, "2024/4/1、2024/5/1": None,
}


@pytest.mark.parametrize("raw,expected", list(KNOWN.items()))
def test_known_answers(raw, expected):
    got = parse_dates(pl.Series([raw]))["date"][0]
    assert (got.isoformat() if got else None) == expected


def test_dates_after_an_era_ended_are_converted_and_flagged():
    out = parse_dates(pl.Series(["平成31年5月1日", "昭和64年1月8日", "平成31年4月30日"]))
    assert [d.isoformat() for d in out["date"]] == ["2019-05-01", "1989-01-08", "2019-04-30"]
    assert out["era_overflow"].to_list() == [True, True, False]


def test_every_era_boundary_day():
    names = list(ERAS)
    for name, nxt in zip(names, names[1:]):
        start = ERAS[nxt][1]
        last_day = start - dt.timedelta(days=1)
        prev_offset = ERAS[name][0]
        before = f"{name}{last_day.year - prev_offset}年{last_day.month}月{last_day.day}日"
        first = f"{nxt}元年{start.month}月{start.day}日"
        too_early = f"{nxt}元年{last_day.month}月{last_day.day}日"
        got = parse_dates(pl.Series([before, first, too_early]))["date"].to_list()
        assert got == [last_day, start, None], (before, first, too_early)


def kanji(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else "十" if tens == 1 else KANJI_DIGITS[tens] + "十") + (KANJI_DIGITS[ones] if ones else "")


def fullwidth(s: str) -> str:
    return s.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})


def era_of(d: dt.date) -> tuple[str, int]:
    name = [n for n, (_, start, _) in ERAS.items() if start <= d][-1]
    return name, d.year - ERAS[name][0]


LETTERS = {v: k for k, v in ERA_LETTERS.items()}
LIGATURES = {"令和": "㋿", "平成": "㍻", "昭和": "㍼", "大正": "㍽", "明治": "㍾"}


def forms(d: dt.date, variant: int) -> str:
    era, y = era_of(d)
    ey = "元" if y == 1 and variant % 2 else str(y)
    serial = (d - EXCEL_EPOCH).days
    options = [
        f"{era}{ey}年{d.month}月{d.day}日",
        f"{LETTERS[era]}{y}.{d.month}.{d.day}",
        f"{LETTERS[era]}{y:02d}.{d.month:02d}.{d.day:02d}",
        f"{era}{kanji(y) if y > 1 else '元'}年{kanji(d.month)}月{kanji(d.day)}日",
        fullwidth(f"{era}{y}年{d.month}月{d.day}日").replace(fullwidth(era), era),
        f"{LIGATURES[era]}{y}年{d.month}月{d.day}日",
        f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日", d.isoformat(),
        f"{d.month}/{d.day}/{d.year}", d.strftime("%Y%m%d"),
    ]
    if 10000 <= serial <= 99999:
        options.append(str(serial))
    return options[variant % len(options)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.dates(dt.date(1868, 1, 25), dt.date(2099, 12, 31)), st.integers(0, 50)),
                min_size=1, max_size=40))
def test_round_trip_every_form(pairs):
    texts = [forms(d, v) for d, v in pairs]
    got = parse_dates(pl.Series(texts))["date"].to_list()
    assert got == [d for d, _ in pairs], list(zip(texts, got))


def test_new_year_of_a_first_era_year_is_before_the_era_began():
    """Every era began after 1 January, so 元年1月1日 never existed."""
    out = parse_dates(pl.Series([f"{era}元年1月1日" for era in ERAS]))["date"].to_list()
    assert out == [None] * len(ERAS)
