"""Every file in shared/realdata ingests through a ``Dataset`` declaration: exact row counts from SOURCES.md,
no U+FFFD anywhere, and each listed quirk handled or reported as a finding."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.ingest import build_table
from quality.standards import list_standards, load_standard

REALDATA = Path(__file__).parents[2].parent / "shared" / "realdata"
if not REALDATA.is_dir():
    pytest.skip("shared/realdata is not next to the repository", allow_module_level=True)

# file: (standard, rows, encoding, extra declaration fields)
FILES = {
    "yaizu__222127_aed.csv": ("aed", 82, "utf-8", {}),
    "yaizu__222127_public_toilet.csv": ("public_toilet", 112, "utf-8", {}),
    "yaizu__222127_fire_hydrant.csv": ("fire_hydrant", 193, "utf-8", {}),
    "yaizu__222127_public_wireless_lan.csv": ("public_wireless_lan", 17, "utf-8", {}),
    "yaizu__222127_preschool.csv": ("preschool", 60, "utf-8", {}),
    "yaizu__222127_evacuation_space.csv": ("evacuation_space", 31, "utf-8", {}),
    "yaizu__222127_tourism__d697de8_cp932.csv": ("tourism", 217, "cp932", {}),
    "yaizu__yohairyosya_cp932.csv": (None, 277, "cp932", {}),
    "takamatsu__0002_aed_cp932.csv": ("aed", 514, "cp932", {}),
    "takamatsu__0066_202304_population_sjis.csv": ("population", 235, "cp932", {}),
    "takamatsu__0084_202307_school_lunch_menu_cp932.csv": (None, 369, "cp932", {}),
    "takamatsu__hospital_data.csv": ("medical_institution", 628, "utf-8", {}),
    "takamatsu__cultural_property_data.xlsx": ("cultural_property", 183, None, {}),
    "takamatsu__0081_event_list.csv": ("event", 943, "utf-8-sig", {}),
    "takamatsu__0079_unapproved_childcare.csv": ("preschool", 33, "utf-8-sig",
                                                 {"columns": {"startTimeWeekDays": "開始時間"}}),
    "tokyo_koto__GIS_131083_public_toilet.csv": ("public_toilet", 191, "utf-8", {}),
    "tokyo_meguro__GIS_131105_public_toilet_20210401.csv": ("public_toilet", 20, "utf-8", {}),
    "tokyo_nakano__GIS_opendata_550070.csv": ("public_toilet", 123, "utf-8", {}),
    "tokyo_taito__NON_sisetu_28.csv": ("public_toilet", 76, "utf-8", {"read": {"names": [
        "施設分類", "種別", "名称", "所在地_連結表記", "電話番号", "設備", "緯度", "経度"]}}),   # naive order: swapped
}


def test_every_realdata_file_is_covered():
    assert sorted(p.name for p in REALDATA.iterdir() if p.name != "SOURCES.md") == sorted(FILES)


def _standard(slug):
    return load_standard(slug) if slug and slug in list_standards() else None


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """name -> (TableResult, rows as dicts); every file ingested once for the module."""
    out, cache = tmp_path_factory.mktemp("realdata"), {}

    def get(name: str):
        if name not in cache:
            slug, _, _, extra = FILES[name]
            ds = Dataset.model_validate({"id": "realdata-test", "publisher": "t131083", "title": {"ja": name},
                                         "standard": slug if _standard(slug) else None,
                                         "source": {"kind": "file", "path": str(REALDATA / name)}, **extra})
            target = out / f"{name}.parquet"
            res = build_table(REALDATA / name, ds, _standard(slug), target, filename=name)
            cache[name] = (res, pq.read_table(target))
        return cache[name]
    return get


@pytest.mark.parametrize("name", sorted(FILES))
def test_row_count_encoding_and_no_replacement_characters(ingested, name):
    slug, rows, encoding, _ = FILES[name]
    res, table = ingested(name)
    assert res.rows == rows == table.num_rows
    if encoding:
        assert res.metadata["encoding"] == encoding
    for col in table.column_names:
        if table.schema.field(col).type == "string":
            assert not any("\ufffd" in v for v in table.column(col).to_pylist() if v), (name, col)
    lines = table.column("_row").to_pylist()
    assert None not in lines and lines == sorted(lines) and len(set(lines)) == rows
    assert not [f for f in res.findings if f.type == "row-numbers-approximate"]
    if _standard(slug):
        std_cols = [c.name for c in _standard(slug).columns]
        ours = [c for c in res.columns if c in std_cols]
        assert ours == [c for c in std_cols if c in ours] and res.columns[: len(ours)] == ours
        assert res.columns[len(ours):-1] == [c for c in res.unmapped if c in res.columns] or res.unmapped


def rows(ingested, name):
    return ingested(name)[1].to_pylist()


def findings(ingested, name):
    return {(f.type, f.column): f for f in ingested(name)[0].findings}


def test_takamatsu_aed_metadata_rows_and_location_pairs(ingested):
    res, _ = ingested("takamatsu__0002_aed_cp932.csv")
    comments = res.metadata["comments"]
    assert len(comments) == 9 and comments["license"] == ["http://creativecommons.org/licenses/by/3.0/deed.ja"]
    assert res.metadata["header_row"] == 7 and res.metadata["data_row"] == 10
    first = rows(ingested, "takamatsu__0002_aed_cp932.csv")[0]
    assert (first["緯度"], first["経度"], first["_row"]) == (34.34092056, 134.04522972, 10)
    assert res.mapping["location"] == "緯度,経度"
    assert first["所在地_連結表記"] == "高松市番町１丁目10-16"          # addresses are not 半角 columns: kept


def test_taito_no_header_and_swapped_coordinates(ingested):
    res, _ = ingested("tokyo_taito__NON_sisetu_28.csv")
    assert res.metadata["header_row"] is None
    first = rows(ingested, "tokyo_taito__NON_sisetu_28.csv")[0]
    assert (first["緯度"], first["経度"], first["_row"]) == (35.71943546, 139.7699202, 1)
    found = findings(ingested, "tokyo_taito__NON_sisetu_28.csv")
    assert found[("swapped-lat-lon", "緯度,経度")].count == 75
    # line 25 repeats a header (大分類,…,X座標,Y座標) in the middle of the data: reported, not guessed
    assert found[("invalid-coordinate", "緯度")].rows == (25,) and found[("invalid-coordinate", "緯度")].examples == ("X座標",)
    if "電話番号" in res.unmapped:                                # the toilet standard has no phone column: kept
        assert first["電話番号"] == "０３−５２４６−１３１６"
    else:                                                          # a 半角 phone column: NFKC + U+2212 → "-"
        assert first["電話番号"] == "03-5246-1316"


def test_nakano_longitude_before_latitude(ingested):
    res, table = ingested("tokyo_nakano__GIS_opendata_550070.csv")
    assert res.mapping["経度"] == "経度" and res.mapping["緯度"] == "緯度"
    assert res.columns.index("緯度") < res.columns.index("経度")
    first = table.to_pylist()[0]
    assert 35 < first["緯度"] < 36 and 139 < first["経度"] < 140
    assert not findings(ingested, "tokyo_nakano__GIS_opendata_550070.csv")


def test_takamatsu_population_us_dates(ingested):
    res, table = ingested("takamatsu__0066_202304_population_sjis.csv")
    date_col = res.mapping["surveyDate"]
    assert set(table.column(date_col).to_pylist()) == {dt.date(2023, 4, 1)}
    if "緯度" in [c.name for c in load_standard("population").columns]:
        assert res.mapping["location"] == "緯度,経度" and table.column("緯度").null_count == 0
    else:                                                          # no coordinates in this standard: kept as is
        assert "location" in res.unmapped and table.column("location").to_pylist()[0] == "34.342286,134.055021"
    # 高松市 writes its code with 5 digits (37201): published with the check digit, and said so
    assert set(table.column("全国地方公共団体コード").to_pylist()) == {"372013"}
    repaired = next(f for f in res.findings if f.type == "lg-code-repaired")
    assert (repaired.count, repaired.rows[:2], repaired.examples) == (235, (2, 3), ("37201",))


def test_childcare_wareki_and_full_width_time_ranges(ingested):
    res, table = ingested("takamatsu__0079_unapproved_childcare.csv")
    by_line = {r["_row"]: r for r in table.to_pylist()}
    date_col = res.mapping["fiscalYearStartDay"]
    assert by_line[10][date_col] == dt.date(1972, 4, 1)                # S47.4.1
    assert by_line[12][date_col] == dt.date(2000, 10, 15)              # H12.10.15
    assert (by_line[10]["開始時間"], by_line[10]["終了時間"]) == ("07:30", "18:30")      # 7：30～18：30
    found = findings(ingested, "takamatsu__0079_unapproved_childcare.csv")
    assert found[("time-range-split", "開始時間")].count == 10
    assert found[("invalid-time", "終了時間")].examples == ("9：00～25：00",)    # the end of a range, reported
    assert "9：00～18：00（8：00～9：00,18：00～23：00）" in found[("invalid-time", "開始時間")].examples
    assert by_line[11]["開始時間"] is None                              # reported, never guessed


def test_yaizu_preschool_header_with_horizontal_bar_maps(ingested):
    res, table = ingested("yaizu__222127_preschool.csv")
    assert res.mapping["都道府県コ\u2015ド又は市区町村コ\u2015ド"] == "全国地方公共団体コード"
    assert set(table.column("全国地方公共団体コード").to_pylist()) == {"222127"}


def test_hospital_telephone_header_with_ideographic_space_maps(ingested):
    res, table = ingested("takamatsu__hospital_data.csv")
    assert res.mapping["telephone\u3000number"] == "電話番号"
    first = table.to_pylist()[0]
    assert first["電話番号"] == "087-841-2146" and first["開設年月日"] == dt.date(1947, 4, 1)
    assert findings(ingested, "takamatsu__hospital_data.csv")[("invalid-integer", "病床数")].examples == ("19（休床中）",)


def test_cultural_property_xlsx_zero_latitude_and_multi_dates(ingested):
    res, table = ingested("takamatsu__cultural_property_data.xlsx")
    assert res.metadata["format"] == "xlsx" and res.metadata["sheet"] == "Sheet1"
    found = findings(ingested, "takamatsu__cultural_property_data.xlsx")
    assert found[("zero-coordinate", "緯度")].count == 130 and found[("zero-coordinate", "緯度")].severity == "warning"
    assert table.column("緯度").null_count == 130
    bad = found[("invalid-date", "文化財指定日")]
    assert bad.count == 3 and all("、" in e for e in bad.examples)
    assert table.to_pylist()[0]["文化財指定日"] == dt.date(1904, 8, 29)


def test_event_list_us_dates_typos_and_empty_times(ingested):
    res, table = ingested("takamatsu__0081_event_list.csv")
    assert len(res.metadata["comments"]) == 9
    col = res.mapping["startDate"]
    by_line = {r["_row"]: r for r in table.to_pylist()}
    assert by_line[10][col] == dt.date(2020, 5, 16)
    assert dt.date(2020, 10, 1) in table.column(col).to_pylist()         # 2020.10/1
    assert table.column(res.mapping["startTime"]).null_count >= 230
    assert not [f for f in res.findings if f.type == "invalid-date"]
    assert any("\\1,500" in (v or "") for v in table.column(res.mapping["overview"]).to_pylist())


def test_koto_hh_mm_ss_times(ingested):
    table = ingested("tokyo_koto__GIS_131083_public_toilet.csv")[1]
    first = table.to_pylist()[0]
    assert (first["利用開始時間"], first["利用終了時間"]) == ("00:00", "23:59")
    assert first["ID"] == "131083C00001"


def test_yaizu_aed_old_header_and_zero_padded_ids(ingested):
    res, table = ingested("yaizu__222127_aed.csv")
    assert res.mapping["都道府県コード又は市区町村コード"] == "全国地方公共団体コード"
    first = table.to_pylist()[0]
    assert first["ID"] == "0000000001" and first["電話番号"] == "(054)626-1139"


def test_fire_hydrant_codes_keep_leading_zeros(ingested):
    table = ingested("yaizu__222127_fire_hydrant.csv")[1]
    assert table.to_pylist()[0]["町字ID"] == "0003000"
    kinds = table.column("種別").to_pylist()
    assert (kinds.count("井戸"), kinds.count("防火水そう")) == (101, 92)


def test_tourism_cp932_multiline_fields_and_local_columns(ingested):
    res, table = ingested("yaizu__222127_tourism__d697de8_cp932.csv")
    lines = table.column("_row").to_pylist()
    assert lines[0] == 2 and lines[-1] <= 248 and lines[-1] > 217
    assert {"区分1", "休業日", "ふるさと納税"} <= set(res.unmapped)


def test_yohairyosya_cp932_only_characters_without_a_standard(ingested):
    res, table = ingested("yaizu__yohairyosya_cp932.csv")
    assert res.columns[0] == "№" and table.schema.field("緯度").type == "double"
    assert table.to_pylist()[0]["地域防災計画分類"] == "①障害福祉サービス等提供施設"
    assert table.column("_row").to_pylist()[-1] > 277                   # multi-line records


def test_meguro_old_header_keeps_local_extra_column(ingested):
    res, table = ingested("tokyo_meguro__GIS_131105_public_toilet_20210401.csv")
    assert "備考（床面積㎡）" in res.unmapped and res.columns[-2] in res.unmapped
    assert table.to_pylist()[0]["備考（床面積㎡）"] == "30.95"


def test_school_lunch_menu_keeps_full_width_spaces(ingested):
    res, table = ingested("takamatsu__0084_202307_school_lunch_menu_cp932.csv")
    assert "米粒麦\u3000自校" in table.column("foodName").to_pylist()
