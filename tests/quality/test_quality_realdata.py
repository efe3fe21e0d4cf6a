"""Real municipal files (shared/realdata) through map_headers + validate_table: specific findings asserted.

The files are read by a small test-local reader (quality_reader.py); the pipeline's reader is separate.
Tests needing ../shared skip when it is absent; the fixture-based ones always run.
"""
from functools import cache

import pytest

from quality import load_standard, validate_table
from tests.quality.quality_reader import FIXTURES, REALDATA, read_csv, read_xlsx, standardize

needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not available")


@cache
def report(name: str, slug: str, publisher: str, folder=None):
    path = (folder or REALDATA) / name
    raw = read_xlsx(path) if name.endswith(".xlsx") else read_csv(path)
    std = load_standard(slug)
    return validate_table(standardize(raw, std), std, publisher_code=publisher)


def summary(rep, keys=("severity", "type", "column", "count")):
    return [tuple(row) for row in rep.flatten(list(keys))]


# Always available (fixtures)

def test_yaizu_evacuation_space_fixture():
    rep = report("yaizu__222127_evacuation_space.csv", "evacuation_space", "222127", FIXTURES)
    # Yaizu marks 災害種別 with ○ where the definition says 1 (or blank): warnings, nothing blocks
    assert summary(rep) == [
        ("warning", "not-in-vocabulary", "災害種別_崖崩れ、土石流及び地滑り", 5),
        ("warning", "not-in-vocabulary", "災害種別_地震", 26),
        ("warning", "not-in-vocabulary", "災害種別_津波", 26),
        ("warning", "not-in-vocabulary", "指定避難所との重複", 5),
    ]
    assert rep.valid and rep.stats["conformant"] and rep.stats["rows"] == 31
    assert rep.findings[0].rows == (27, 28, 29, 30, 31) and rep.findings[0].examples == ("○",)


def test_yaizu_public_wireless_lan_fixture_is_clean():
    rep = report("yaizu__222127_public_wireless_lan.csv", "public_wireless_lan", "222127", FIXTURES)
    assert rep.findings == [] and rep.valid and rep.stats["rows"] == 17


def test_synthetic_takamatsu_style_file_blocks_on_names_with_source_lines():
    rep = report("synthetic_childcare_takamatsu_style.csv", "preschool", "372013", FIXTURES)
    assert rep.flatten(["type", "column", "rows", "examples"]) == [
        ["invalid-phone", "電話番号", (9,), ("087-000-0003, 090-0000-0004",)],
        ["personal-name", "設置者", (6, 9), ("株式会社テスト　代表取締役　山**　**", "佐**　**")],
    ]
    assert not rep.valid


# shared/realdata

@needs_realdata
def test_yaizu_aed_old_header_is_clean():
    rep = report("yaizu__222127_aed.csv", "aed", "222127")
    assert rep.findings == [] and rep.valid and rep.stats["rows"] == 82 and rep.stats["conformant"]


@needs_realdata
def test_yaizu_public_toilet():
    rep = report("yaizu__222127_public_toilet.csv", "public_toilet", "222127")
    assert rep.flatten(["type", "column", "rows", "examples"]) == [
        ["not-in-vocabulary", "高度の種別", (14, 15, 17, 19, 20), ("階",)],     # the vocabulary word is 階数
    ]
    assert rep.valid and rep.stats["rows"] == 112


@needs_realdata
def test_yaizu_fire_hydrant_is_clean():
    rep = report("yaizu__222127_fire_hydrant.csv", "fire_hydrant", "222127")
    assert rep.findings == [] and rep.stats["rows"] == 193


@needs_realdata
def test_yaizu_preschool_kana_with_horizontal_bar():
    rep = report("yaizu__222127_preschool.csv", "preschool", "222127")
    assert summary(rep) == [("warning", "not-katakana", "名称_カナ", 9)]
    assert rep.findings[0].examples[0] == "ハ―トリンクヤイヅホイクエン"          # U+2015 instead of ー
    assert rep.valid and rep.stats["rows"] == 60


@needs_realdata
def test_takamatsu_cultural_properties_latitude_zero_and_owner_names():
    rep = report("takamatsu__cultural_property_data.xlsx", "cultural_property", "372013")
    assert summary(rep) == [
        ("error", "missing-required-value", "所在地_連結表記", 4),
        ("warning", "coordinate-zero", "緯度", 130),
        ("warning", "coordinate-zero", "経度", 130),
        ("warning", "lg-code-without-check-digit", "全国地方公共団体コード", 183),
        ("warning", "not-in-vocabulary", "種類", 152),
        ("error", "personal-name", "所有者等", 4),
        ("warning", "invalid-date", "文化財指定日", 3),
    ]
    zero = rep.findings[1]
    assert zero.message_ja == "緯度が0です（座標未設定）" and zero.rows[:3] == (2, 4, 5) and len(zero.rows) == 130
    owners = rep.findings[5]
    assert owners.rows == (40, 79, 80, 81)
    assert all("**" in e for e in owners.examples) and not rep.valid


@needs_realdata
def test_takamatsu_hospitals_blocked_by_representative_and_establisher_names():
    rep = report("takamatsu__hospital_data.csv", "medical_institution", "372013")
    names = {f.column: f for f in rep.by_family("personal-data")}
    assert set(names) == {"代表者", "開設者"}
    rep_names, est = names["代表者"], names["開設者"]
    assert (rep_names.type, rep_names.severity, rep_names.count) == ("personal-name", "error", 332)
    assert (est.count, est.rows[:3]) == (285, (23, 35, 45))
    assert rep_names.examples[:2] == ("理事長　新**　**", "社長　清**　**")
    assert est.examples[0] == "吉**　**"
    assert not rep.valid
    assert "新木" not in str(rep.to_dict()) and "吉峰" not in str(rep.to_dict())


@needs_realdata
def test_takamatsu_unapproved_childcare_blocked_by_establisher_names():
    rep = report("takamatsu__0079_unapproved_childcare.csv", "preschool", "372013")
    f = next(f for f in rep.findings if f.type == "personal-name")
    assert (f.column, f.count, f.rows[:3]) == ("設置者", 33, (10, 11, 12))
    assert f.examples[:2] == ("宗教法人　高善寺　代表役員　鎌**　**", "有限会社　Fine　Style　代表取締役　桒**　**")
    assert f.message_en == "'設置者' contains a person's name" and not rep.valid


@needs_realdata
def test_takamatsu_population():
    rep = report("takamatsu__0066_202304_population_sjis.csv", "population", "372013")
    assert summary(rep) == [
        ("warning", "invalid-date", "調査年月日", 235),                       # 4/1/2023, not converted here
        ("warning", "lg-code-without-check-digit", "全国地方公共団体コード", 235),   # 37201
        ("warning", "invalid-number", "世帯数", 3),
    ]
    assert rep.stats["conformant"] and rep.valid


@needs_realdata
def test_koto_public_toilet():
    rep = report("tokyo_koto__GIS_131083_public_toilet.csv", "public_toilet", "131083")
    assert summary(rep) == [
        ("error", "missing-required-value", "設置位置", 3),
        ("warning", "invalid-time", "利用開始時間", 191),                      # 00:00:00 is hh:mm:ss
        ("warning", "invalid-time", "利用終了時間", 191),
    ]
    assert rep.findings[0].rows == (5, 20, 25)
    assert not rep.by_family("geo"), "all of Koto's points lie inside its box"


@needs_realdata
def test_meguro_old_toilet_header_and_circle_vocabulary():
    rep = report("tokyo_meguro__GIS_131105_public_toilet_20210401.csv", "public_toilet", "131105")
    assert summary(rep, ("type", "column", "count", "examples")) == [
        ("missing-required-value", "設置位置", 20, ()),
        ("not-in-vocabulary", "車椅子使用者用トイレ有無", 20, ("○", "×")),
        ("not-in-vocabulary", "乳幼児用設備設置トイレ有無", 20, ("○", "×")),
        ("not-in-vocabulary", "オストメイト設置トイレ有無", 20, ("○", "×")),
    ]


@needs_realdata
def test_event_list_personal_email_is_masked():
    rep = report("takamatsu__0081_event_list.csv", "event", "372013")
    f = next(f for f in rep.findings if f.type == "personal-email")
    assert (f.column, f.rows, f.examples) == ("説明", (5297,), ("h***@gmail.com",))
