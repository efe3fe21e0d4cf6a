"""Standards load, carry their provenance, and map real-world header variants onto their columns."""
import pytest

from quality.headers import map_headers, match_standard
from quality.standards import header_key, list_standards, load_standard

SLUGS = ["aed", "care_service", "cultural_property", "event", "evacuation_space", "fire_hydrant",
         "medical_institution", "open_data_list", "population", "preschool", "public_facility",
         "public_toilet", "public_wireless_lan", "tourism"]


def test_all_fourteen_standards_exist():
    assert list_standards() == sorted(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_standard_has_source_columns_and_unique_aliases(slug):
    std = load_standard(slug)
    assert std.slug == slug and std.title and std.title_en and len(std.source) > 40
    assert std.required, "every standard names at least one 必須 column"
    keys = [header_key(n) for c in std.columns for n in [c.name, *c.aliases]]
    owners = {}
    for c in std.columns:
        for n in [c.name, *c.aliases]:
            assert owners.setdefault(header_key(n), c.name) == c.name, f"{n} maps to two columns"
    assert len(keys) >= len(std.columns)


def test_public_toilet_is_the_official_39_items_in_order():
    std = load_standard("public_toilet")
    names = [c.name for c in std.columns]
    assert len(names) == 39 and names[:4] == ["全国地方公共団体コード", "ID", "地方公共団体名", "名称"]
    assert names[-3:] == ["画像", "画像_ライセンス", "備考"]
    assert std.required == ["名称", "所在地_連結表記", "設置位置"]
    assert std.column("車椅子使用者用トイレ有無").vocabulary == ["有", "無"]


def test_facility_head_order():
    head = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語",
            "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村",
            "所在地_町字", "所在地_番地以下", "建物名等(方書)"]
    for slug in ["aed", "public_toilet", "public_wireless_lan", "preschool", "public_facility"]:
        assert [c.name for c in load_standard(slug).columns][:14] == head


def test_population_age_bands():
    std = load_standard("population")
    assert std.id_column is None
    assert std.column("0-4歳の男性").aliases[0] == "man1"
    assert std.column("85歳以上の女性").aliases[0] == "woman18"
    assert {"調査年月日", "地域名", "総数", "男性", "女性"} <= set(std.required)


@pytest.mark.parametrize("header, slug, expected", [
    ("都道府県コ―ド又は市区町村コ―ド", "preschool", "全国地方公共団体コード"),    # U+2015 (Yaizu)
    ("全国地方公共団体ｺｰﾄﾞ", "public_toilet", "全国地方公共団体コード"),           # half-width kana
    ("名称_ｶﾅ", "public_toilet", "名称_カナ"),
    ("telephone\u3000number", "medical_institution", "電話番号"),                  # U+3000 (Takamatsu)
    ("telephoneNumber", "aed", "電話番号"),
    ("NO", "aed", "ID"),
    ("住所", "aed", "所在地_連結表記"),
    ("方書", "aed", "建物名等(方書)"),
    ("多機能トイレ数", "public_toilet", "バリアフリートイレ数"),
    ("名称_英字", "evacuation_space", "名称_英語"),
    ("corporateRepresentative", "medical_institution", "代表者"),
    ("Establisher", "preschool", "設置者"),
    ("prefCode", "population", "全国地方公共団体コード"),
    ("man1", "population", "0-4歳の男性"),
    ("\ufeff名称", "aed", "名称"),
])
def test_header_aliases_map(header, slug, expected):
    mapping, unmapped = map_headers([header], load_standard(slug))
    assert mapping == {header: expected} and unmapped == []


def test_map_headers_collision_and_extra():
    std = load_standard("cultural_property")
    mapping, unmapped = map_headers(["#property", "identification", "トイレ名"], std, {"トイレ名": "名称"})
    assert mapping == {"#property": "ID", "トイレ名": "名称"}
    assert unmapped == ["identification"]


def test_map_headers_old_evacuation_file():
    headers = ["NO", "名称", "名称_カナ", "住所", "方書", "緯度", "経度", "標高", "電話番号", "内線番号", "市区町村コード",
               "都道府県名", "市区町村名"]
    mapping, unmapped = map_headers(headers, load_standard("evacuation_space"))
    assert mapping["NO"] == "ID" and mapping["市区町村コード"] == "市区町村コード"
    assert unmapped == ["都道府県名", "市区町村名"]


@pytest.mark.parametrize("headers, slug", [
    (["全国地方公共団体コード", "ID", "種別", "所在地_連結表記", "緯度", "経度", "口径"], "fire_hydrant"),
    (["名称", "住所", "設置位置", "小児対応設備の有無"], "aed"),
    (["名称", "住所", "多機能トイレ数", "オストメイト設置トイレ有無"], "public_toilet"),
    (["prefCode", "surveyDate", "regionName", "totalPopulation", "male", "woman", "man1", "woman1"], "population"),
    (["名称", "住所", "SSID", "提供エリア"], "public_wireless_lan"),
])
def test_match_standard_ranks_the_right_one_first(headers, slug):
    best, score, mapping = match_standard(headers)[0]
    assert best == slug and score == 1.0 and len(mapping) == len(headers)
