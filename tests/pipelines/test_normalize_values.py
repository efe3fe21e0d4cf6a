"""Times, coordinates, 半角 folding and the column plan."""
from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.normalize import text
from pipelines.normalize.coords import fix_coordinates
from pipelines.normalize.fold import fold_array
from pipelines.normalize.numbers import to_number
from pipelines.normalize.findings import FindingLog
from pipelines.normalize.plan import make_plan
from pipelines.normalize.times import parse_times
from quality.standards import Standard

TIMES = {"9:00": "09:00", "09:00": "09:00", "7：30": "07:30", "9時": "09:00", "9時30分": "09:30", "１０：００": "10:00",
         "00:00:00": "00:00", "23:59:00": "23:59", "24:00": "24:00", "午後1時": "13:00", "午前9時": "09:00",
         "25:00": None, "9:60": None, "24:30": None, "休": None, "24時間": None, "9時頃": None}


@pytest.mark.parametrize("raw,expected", list(TIMES.items()))
def test_times(raw, expected):
    assert parse_times(pl.Series([raw]))["time"][0] == expected


@pytest.mark.parametrize("raw,start,end", [("7：30～18：30", "07:30", "18:30"), ("9:00-17:00", "09:00", "17:00"),
                                           ("0：00～24：00", "00:00", "24:00"), ("9時〜17時", "09:00", "17:00"),
                                           ("0：00～24：00（24時間）", None, None)])
def test_time_ranges(raw, start, end):
    out = parse_times(pl.Series([raw])).row(0, named=True)
    assert (out["time"], out["start"], out["end"]) == (None, start, end)


def test_halfwidth_is_nfkc_for_ascii_targets_and_unifies_dashes():
    values = ["０３−５２４６−１３１６", "ＡＢＣ　１２３", "①㈱", "(054)626-1139", "２ー１４", "ﾊﾝｶｸ"]
    folded = pl.select(text.halfwidth(pl.lit(pl.Series(values)))).to_series().to_list()
    assert folded == ["03-5246-1316", "ABC 123", "1㈱", "(054)626-1139", "2ー14", "ﾊﾝｶｸ"]
    codes = pl.select(text.halfwidth(pl.lit(pl.Series(values[4:5])), dashes=text.CODE_DASHES)).to_series()
    assert codes.to_list() == ["2-14"]


def test_ascii_folding_table_matches_nfkc():
    import unicodedata
    for ch, folded in text.ascii_folding().items():
        if ch not in text.DASHES:
            assert unicodedata.normalize("NFKC", ch) == folded


def test_unique_names():
    assert text.unique_names(["\ufeff名称", " 備考 ", "備考", "", "名称\u3000"]) == ["名称", "備考", "備考_2", "column_4", "名称_2"]


def test_numbers_pairs_swaps_and_zero():
    cell = pa.array(["34.34,134.04", "134.05,34.35", "0,0", "35.1、139.2"])
    lat_fw = pa.array(["３５．６", "35.7°", None, "x"])
    out = pl.DataFrame({"_row": [2, 3, 4, 5], "緯度": to_number(cell, part=0), "経度": to_number(cell, part=1),
                        "lat": to_number(lat_fw)})
    assert out["lat"].to_list() == [35.6, 35.7, None, None]
    log = FindingLog()
    fixed = fix_coordinates(out, ("緯度", "経度"), log)
    assert fixed.select("緯度", "経度").rows() == [(34.34, 134.04), (34.35, 134.05), (None, None), (35.1, 139.2)]
    found = {f.type + ":" + str(f.column): f for f in log.findings()}
    assert found["swapped-lat-lon:緯度,経度"].rows == (3,)
    assert found["zero-coordinate:緯度"].rows == (4,) and found["zero-coordinate:経度"].count == 1


def test_integers_accept_full_width_and_thousands_but_not_text():
    got = to_number(pa.array(["12", "１２", "1,500", " 7 ", "3.0", "三", "19（休床中）", None]), "integer")
    assert got.to_pylist() == [12, 12, 1500, 7, 3, None, None, None]


STD = Standard.model_validate({"slug": "s", "title": "t", "title_en": "t", "source": "test", "columns": [
    {"name": "ID", "aliases": ["NO"]}, {"name": "名称"}, {"name": "緯度", "type": "latitude"},
    {"name": "経度", "type": "longitude"}, {"name": "開始時間", "type": "time"}, {"name": "終了時間", "type": "time"},
    {"name": "電話番号", "type": "phone", "halfwidth": True}, {"name": "名称_カナ", "kana": True}]})


def test_plan_orders_standard_columns_then_extras():
    plan = make_plan(["備考", "経度", "名称", "NO", "緯度"], STD)
    assert [c.name for c in plan.columns] == ["ID", "名称", "緯度", "経度", "備考"]
    assert plan.mapping == {"経度": "経度", "名称": "名称", "NO": "ID", "緯度": "緯度"} and plan.unmapped == ["備考"]
    assert {c.name: c.kind for c in plan.columns}["緯度"] == "latitude"


def test_plan_splits_location_pairs_and_time_ranges_by_sample():
    sample = {"location": ["35.6,139.7", ""], "開始時間": ["7：30～18：30"]}
    plan = make_plan(["名称", "location", "開始時間"], STD, sample=sample)
    assert [(c.name, c.source, c.kind, c.part) for c in plan.columns] == [
        ("名称", "名称", "string", None), ("緯度", "location", "latitude", 0), ("経度", "location", "longitude", 1),
        ("開始時間", "開始時間", "time", None), ("終了時間", "開始時間", "time_end", None)]
    assert plan.mapping["location"] == "緯度,経度"


def test_plan_kinds_follow_the_standard_flags():
    kinds = {c.name: c.kind for c in make_plan(["電話番号", "名称_カナ"], STD).columns}
    assert kinds == {"電話番号": "code", "名称_カナ": "kana"}


FOLD_ALPHABET = "０１２３４５６７８９ＡＢＣｘｙｚ　－−‐―ー！＠（）abc012-() 東京都①㈱℡ﾊﾝｶｸ髙"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=FOLD_ALPHABET, max_size=12)), max_size=40),
       st.booleans(), st.integers(0, 5))
def test_byte_level_fold_equals_the_expression_fold(values, code, start):
    arr = pa.array(values, pa.string()).slice(min(start, len(values)))
    dashes = text.CODE_DASHES if code else text.DASHES
    expected = pl.select(text.halfwidth(pl.lit(pl.Series(arr.to_pylist(), dtype=pl.String)), dashes=dashes))
    assert fold_array(arr, code=code).to_pylist() == expected.to_series().to_list()


def _lg_column(values: list[str | None], batches: int = 1):
    from pipelines.normalize.convert import Normalizer

    std = Standard(slug="t", title="t", title_en="t", source="test",
                   columns=[{"name": "全国地方公共団体コード", "type": "lg_code"}])
    log = FindingLog()
    norm = Normalizer(make_plan(["全国地方公共団体コード"], std), log)
    size = -(-len(values) // batches)
    out = []
    for start in range(0, len(values), size):
        part = values[start:start + size]
        out += norm(pa.table({"全国地方公共団体コード": pa.array(part, pa.string()),
                              "_row": pa.array(range(start + 2, start + 2 + len(part)), pa.int64())})
                    ).column("全国地方公共団体コード").to_pylist()
    return out, {f.type: f for f in log.findings()}


def test_five_digit_lg_codes_get_their_check_digit():
    out, found = _lg_column(["131083", "13108", "１３１０１", None, "37201", "13108"])
    assert out == ["131083", "131083", "131016", None, "372013", "131083"]
    f = found["lg-code-repaired"]
    assert (f.count, list(f.rows), f.severity) == (4, [3, 4, 6, 7], "warning")
    assert f.examples == ("13108", "１３１０１", "37201")


def test_five_digit_lg_codes_that_lost_a_leading_zero_get_it_back():
    """Sapporo 011002, Hakodate 012025, Otaru 012033, Aomori 022012 as a spreadsheet shows them."""
    out, found = _lg_column(["11002", "12025", "12033", "22012", "011002"], batches=2)
    assert out == ["011002", "012025", "012033", "022012", "011002"]
    assert found["lg-code-repaired"].count == 4
