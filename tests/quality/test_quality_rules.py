"""One test per rule: a tiny table through validate_table, asserting the exact findings (type, column, rows)."""
import pyarrow as pa
import pytest

from quality import validate_table
from quality.standards import Column, Standard

STD = Standard(slug="test", title="テスト一覧", title_en="Test", source="unit test", id_column="ID", columns=[
    Column(name="全国地方公共団体コード", type="lg_code"),
    Column(name="ID"),
    Column(name="名称", requirement="必須"),
    Column(name="名称_カナ", kana=True),
    Column(name="所在地_全国地方公共団体コード", type="lg_code"),
    Column(name="緯度", type="latitude"),
    Column(name="経度", type="longitude"),
    Column(name="電話番号", type="phone"),
    Column(name="郵便番号", type="postal_code"),
    Column(name="開設日", type="date"),
    Column(name="開始時間", type="time"),
    Column(name="法人番号", type="corporate_number"),
    Column(name="URL", type="url"),
    Column(name="定員", type="integer"),
    Column(name="有無", vocabulary=["有", "無"]),
    Column(name="代表者", personal=True),
])


def run(columns: dict, standard=STD, rows=None, **kw):
    n = len(next(iter(columns.values())))
    data = {"名称": ["x"] * n, **columns, "_row": rows or list(range(2, n + 2))}
    return validate_table(pa.table(data), standard, **kw)


def flat(report, keys=("type", "column", "rows")):
    return [[list(v) if isinstance(v, tuple) else v for v in r] for r in report.flatten(list(keys))]


def test_clean_table_is_valid():
    r = run({"全国地方公共団体コード": ["131083"], "緯度": ["35.68"], "経度": ["139.79"], "電話番号": ["03-3647-9111"]},
            publisher_code="131083")
    assert r.valid and r.findings == [] and r.stats["conformant"] is True
    assert r.stats["rows"] == 1 and r.stats["expectations"] >= 8 and r.stats["seconds"] > 0


def test_missing_required_column():
    r = validate_table(pa.table({"ID": ["1"], "_row": [2]}), STD)
    assert flat(r) == [["missing-required-column", "名称", []]]
    assert not r.valid and r.stats["conformant"] is False
    assert r.findings[0].message_ja == "必須列「名称」がありません"


def test_required_override_and_missing_value():
    r = run({"名称": ["a", None, " "], "ID": ["1", "2", "3"]}, overrides={"required": ["法人番号"]})
    assert flat(r) == [["missing-required-value", "名称", [3, 4]], ["missing-required-column", "法人番号", []]]


def test_rows_are_source_line_numbers_not_index():
    r = run({"緯度": ["35.6", "0", "0"]}, rows=[10, 14, 20])
    assert flat(r) == [["coordinate-zero", "緯度", [14, 20]]]


def test_lg_code_check_digit_and_five_digits():
    r = run({"全国地方公共団体コード": ["131083", "131084", "13108", "abc", "1310830"]})
    assert flat(r, ("type", "severity", "rows", "examples")) == [
        ["invalid-lg-code", "error", [3, 5, 6], ["131084", "abc", "1310830"]],
        ["lg-code-without-check-digit", "warning", [4], ["13108"]],
    ]


def test_lg_code_must_be_the_publisher_and_location_in_its_area():
    r = run({"全国地方公共団体コード": ["131083", "131016"], "所在地_全国地方公共団体コード": ["131083", "131016"]},
            publisher_code="131083")
    assert flat(r) == [["lg-code-not-publisher", "全国地方公共団体コード", [3]],
                       ["location-outside-publisher-area", "所在地_全国地方公共団体コード", [3]]]
    # a prefectural publisher accepts any municipality of its prefecture
    r = run({"所在地_全国地方公共団体コード": ["131083", "221309"]}, publisher_code="130001")
    assert flat(r) == [["location-outside-publisher-area", "所在地_全国地方公共団体コード", [3]]]


def test_coordinates():
    r = run({"緯度": ["35.68", "0", "50.1", "北緯35度", "35.9"], "経度": ["139.79", "0", "139.80", "139.80", "139.79"]},
            publisher_code="131083")
    assert flat(r, ("type", "severity", "column", "rows")) == [
        ["invalid-coordinate", "error", "緯度", [5]],
        ["coordinate-zero", "warning", "緯度", [3]],
        ["coordinate-outside-japan", "error", "緯度", [4]],
        ["coordinate-outside-municipality", "warning", "緯度", [6]],
        ["coordinate-zero", "warning", "経度", [3]],
    ]
    zero = r.findings[1]
    assert (zero.message_ja, zero.message_en) == ("緯度が0です（座標未設定）", "latitude is 0 (missing coordinate)")


def test_typed_coordinates_and_island_municipality():
    # 小笠原村: 父島 and 南鳥島 are inside its box; 江東区's latitude is not (its longitude lies inside the
    # box's huge 136–154° span, which runs from 沖ノ鳥島 to 南鳥島)
    r = run({"緯度": [27.09, 24.28, 35.68], "経度": [142.19, 153.98, 139.79]}, publisher_code="134210")
    assert flat(r) == [["coordinate-outside-municipality", "緯度", [4]]]


def test_phone_gif_forms():
    good = ["(054)626-1139", "03-1234-5678", "+81 (03)5253-5111", "+81-3-5253-5111", "090-9999-9999",
            "03-1234-5678 / 090-9999-9999", "03-1234-5678 内線123", "0120-123-456"]
    bad = ["0312345678", "03-1234-567", "087-865-3111, 080-2972-4406", "０３−５２４６−１３１６"]
    r = run({"電話番号": good + bad})
    assert flat(r) == [["invalid-phone", "電話番号", [10, 11, 12, 13]]]


def test_postal_date_time_url():
    r = run({"郵便番号": ["135-8383", "1358383", None], "開設日": ["2024-04-01", "2024-02-30", "H19.4.1"],
             "開始時間": ["09:00", "24:00", "00:00:00"], "URL": ["https://www.city.koto.lg.jp/a?b=1", "www.x.jp", None]})
    assert flat(r) == [["invalid-postal-code", "郵便番号", [3]], ["invalid-date", "開設日", [3, 4]],
                       ["invalid-time", "開始時間", [4]], ["invalid-url", "URL", [3]]]


def test_corporate_number_and_integer():
    r = run({"法人番号": ["8000020130001", "8000020130002"], "定員": ["70", "７０"]})
    assert flat(r, ("type", "severity", "rows")) == [["invalid-corporate-number", "error", [3]],
                                                      ["invalid-number", "warning", [3]]]


def test_katakana_vocabulary_duplicate_id():
    r = run({"名称_カナ": ["コウトウク", "ｺｳﾄｳｸ", "こうとうく"], "有無": ["有", "○", "無"], "ID": ["1", "2", "1"]})
    assert flat(r) == [["duplicate-id", "ID", [2, 4]], ["not-katakana", "名称_カナ", [3, 4]],
                       ["not-in-vocabulary", "有無", [3]]]


def test_overrides_disable_and_warn():
    cols = {"緯度": ["0", "50"], "ID": ["1", "1"]}
    r = run(cols, overrides={"disable": ["coordinate-zero"], "warn": ["duplicate-id", "coordinate-outside-japan"]})
    assert flat(r, ("type", "severity")) == [["duplicate-id", "warning"], ["coordinate-outside-japan", "warning"]]
    assert r.valid


def test_extra_findings_are_merged_and_block():
    from quality import Finding
    conv = Finding("date-not-converted", "error", "conversion", "変換できません", "could not convert", "開設日", (5,), 1)
    r = run({"ID": ["1"]}, extra_findings=[conv])
    assert flat(r) == [["date-not-converted", "開設日", [5]]] and not r.valid


def test_no_standard_gets_code_geo_and_personal_checks_only():
    table = pa.table({"名前": ["理事長　山田　太郎"], "代表者": ["理事長　山田　太郎"], "latitude": ["0"],
                      "全国地方公共団体コード": ["131084"], "開始時間": ["9時"], "_row": [3]})
    r = validate_table(table, None)
    assert flat(r) == [["personal-name", "代表者", [3]], ["coordinate-zero", "latitude", [3]],
                       ["invalid-lg-code", "全国地方公共団体コード", [3]]]
    assert r.stats["conformant"] is False and r.stats["standard"] is None


def test_missing_row_column_is_assumed_from_position():
    r = validate_table(pa.table({"名称": ["a", None]}), STD)
    assert flat(r) == [["missing-required-value", "名称", [3]]] and r.stats["row_numbers"] == "assumed"


def test_check_that_cannot_run_makes_the_report_partial(monkeypatch):
    from quality import checks

    def boom(series):
        raise RuntimeError("broken rule")
    monkeypatch.setattr(checks, "text", boom)       # every text-based predicate now raises inside GX
    r = run({"電話番号": ["03-1234-5678"]})
    assert r.partial and not r.valid
    assert flat(r, ("type", "severity", "column")) == [["check-not-run", "warning", "電話番号"]]
    assert "expect_column_values_to_be_gif_phone_number" in r.findings[0].message_en


def test_partial_report_is_never_valid():
    from quality import QualityReport
    assert QualityReport(findings=[], partial=True).valid is False


def test_license_check():
    from quality import check_license
    assert check_license("CC-BY-4.0") is None and check_license("PDL1.0") is None and check_license("cc-zero") is None
    for bad in ["CC-BY-NC-ND-4.0", "CC-BY-ND-4.0", "CC-BY-NC-4.0", "cc-nc", "other-nc", "other-closed"]:
        f = check_license(bad)
        assert (f.type, f.severity, f.family, f.examples) == ("non-open-license", "error", "license", (bad,))
