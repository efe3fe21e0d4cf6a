"""Search finds what people type: kana folding, long vowels and the synonym dictionary, measured as recall@10
over queries people type against a catalog of realistic dataset titles (Tokyo catalog style), with precision
guards so that a synonym never drags in unrelated datasets."""
from __future__ import annotations

import pytest

from catalog.search import synonyms
from tests.catalog import helpers

DATASETS = {  # name -> (title, tags)
    "koto-toilets": ("公衆トイレ一覧", ["トイレ"]),
    "meguro-toilets": ("区立公園の公衆便所", ["公園"]),
    "taito-accessible-wc": ("多機能トイレ設置場所", ["バリアフリー"]),
    "chiyoda-aed": ("AED設置箇所一覧", ["AED"]),
    "nakano-aed": ("自動体外式除細動器の設置施設", []),
    "kita-evacuation": ("指定緊急避難場所一覧", ["防災"]),
    "kita-shelters": ("避難施設一覧", ["防災"]),
    "minato-welfare-shelters": ("福祉避難所一覧", []),
    "tachikawa-wifi": ("公衆無線LANアクセスポイント一覧", []),
    "tokyo-free-wifi": ("都立施設のフリーWi-Fiスポット", ["Wi-Fi"]),
    "tokyo-population": ("住民基本台帳による世帯と人口", ["人口"]),
    "tokyo-age": ("年齢別人口（町丁別）", []),
    "koto-hydrants": ("消火栓一覧", []),
    "koto-water-tanks": ("防火水槽の位置", []),
    "taito-culture": ("指定文化財一覧", ["文化財"]),
    "taito-sights": ("観光スポット一覧", ["観光"]),
    "shibuya-events": ("区の催し物カレンダー", []),
    "shinjuku-clinics": ("医療機関一覧（病院・診療所）", []),
    "setagaya-care": ("介護サービス事業所一覧", []),
    "nerima-nurseries": ("認可保育所の空き状況", ["保育園"]),
    "nerima-unlicensed": ("認可外保育施設一覧", []),
    "adachi-kindergartens": ("幼稚園・認定こども園一覧", []),
    "adachi-lunch": ("学校給食献立表", []),
    "bunkyo-libraries": ("区立図書館の蔵書数", []),
    "edogawa-parks": ("都市公園一覧", []),
    "ota-bicycle": ("自転車駐車場一覧", []),
    "ota-bus": ("コミュニティバス停留所", []),
    "tokyo-radiation": ("空間放射線量の測定結果", []),
    "tokyo-flood": ("洪水浸水想定区域図", []),
    "tokyo-landslide": ("土砂災害警戒区域等の指定状況", []),
    "tokyo-crime": ("区市町村別の刑法犯認知件数", []),
    "tokyo-accidents": ("交通事故発生状況", []),
    "tokyo-budget": ("一般会計当初予算", []),
    "tokyo-settlement": ("決算書", []),
    "tokyo-elections": ("選挙の投票率", []),
    "tokyo-births": ("出生数の推移", []),
    "tokyo-foreigners": ("外国人住民数（国籍別）", []),
    "tokyo-elderly": ("高齢者人口と高齢化率", []),
    "tokyo-disabled": ("障がい者手帳の交付数", []),
    "tokyo-welfare": ("被保護者数の推移", []),
    "tokyo-vaccines": ("予防接種の実施状況", []),
    "tokyo-pharmacies": ("調剤薬局一覧", []),
    "tokyo-smoking": ("指定喫煙所の位置", []),
    "tokyo-nursing-rooms": ("赤ちゃん休憩室（授乳室）", []),
    "tokyo-elevators": ("駅のエレベータ設置状況", []),
    "tokyo-hotels": ("宿泊施設一覧（ホテル・旅館）", []),
    "tokyo-food-permits": ("食品等営業許可施設", []),
    "tokyo-land-prices": ("公示地価", []),
    "tokyo-vacant-houses": ("空家等の実態調査", []),
    "tokyo-olympics": ("東京2020大会の競技会場", ["オリンピック"]),
    "tokyo-museums": ("都立ミュージアム入館者数", []),
    "tokyo-wheelchair": ("車いす貸出場所", []),
    "tokyo-computers": ("区立学校のコンピュータ整備状況", []),
}
QUERIES = {  # what people type -> datasets it must find (in the top 10)
    "トイレ": {"koto-toilets", "meguro-toilets", "taito-accessible-wc"},
    "といれ": {"koto-toilets", "meguro-toilets", "taito-accessible-wc"},
    "ﾄｲﾚ": {"koto-toilets", "meguro-toilets", "taito-accessible-wc"},
    "便所": {"koto-toilets", "meguro-toilets"},
    "公衆便所": {"koto-toilets", "meguro-toilets"},
    "WC": {"koto-toilets", "meguro-toilets"},
    "多目的トイレ": {"taito-accessible-wc"},
    "AED": {"chiyoda-aed", "nakano-aed"},
    "aed": {"chiyoda-aed", "nakano-aed"},
    "ＡＥＤ": {"chiyoda-aed", "nakano-aed"},
    "自動体外式除細動器": {"chiyoda-aed", "nakano-aed"},
    "避難所": {"kita-evacuation", "kita-shelters", "minato-welfare-shelters"},
    "避難場所": {"kita-evacuation", "kita-shelters"},
    "ひなんじょ": set(),  # readings are not synonyms: allowed to find nothing (no reading dictionary)
    "要配慮者避難所": {"minato-welfare-shelters"},
    "Wi-Fi": {"tachikawa-wifi", "tokyo-free-wifi"},
    "wifi": {"tachikawa-wifi", "tokyo-free-wifi"},
    "無線LAN": {"tachikawa-wifi", "tokyo-free-wifi"},
    "ワイファイ": {"tachikawa-wifi", "tokyo-free-wifi"},
    "人口": {"tokyo-population", "tokyo-age", "tokyo-elderly"},
    "年齢別": {"tokyo-age"},
    "消防水利": {"koto-hydrants", "koto-water-tanks"},
    "消火栓": {"koto-hydrants"},
    "文化財": {"taito-culture"},
    "観光地": {"taito-sights"},
    "イベント": {"shibuya-events"},
    "病院": {"shinjuku-clinics"},
    "クリニック": {"shinjuku-clinics"},
    "介護施設": {"setagaya-care"},
    "保育園": {"nerima-nurseries", "nerima-unlicensed"},
    "ほいくえん": set(),
    "無認可保育園": {"nerima-unlicensed"},
    "こども園": {"adachi-kindergartens"},
    "給食": {"adachi-lunch"},
    "献立": {"adachi-lunch"},
    "図書館": {"bunkyo-libraries"},
    "公園": {"edogawa-parks", "meguro-toilets"},
    "駐輪場": {"ota-bicycle"},
    "バス停": {"ota-bus"},
    "放射線": {"tokyo-radiation"},
    "浸水": {"tokyo-flood"},
    "がけ崩れ": {"tokyo-landslide"},
    "犯罪": {"tokyo-crime"},
    "事故発生": {"tokyo-accidents"},
    "予算": {"tokyo-budget"},
    "決算": {"tokyo-settlement"},
    "投票率": {"tokyo-elections"},
    "出生": {"tokyo-births"},
    "在留外国人": {"tokyo-foreigners"},
    "高齢者": {"tokyo-elderly"},
    "障害者": {"tokyo-disabled"},
    "障碍者": {"tokyo-disabled"},
    "生活保護": {"tokyo-welfare"},
    "ワクチン接種": {"tokyo-vaccines"},
    "薬局": {"tokyo-pharmacies"},
    "喫煙所": {"tokyo-smoking"},
    "授乳室": {"tokyo-nursing-rooms"},
    "ベビールーム": {"tokyo-nursing-rooms"},
    "エレベーター": {"tokyo-elevators"},
    "ホテル": {"tokyo-hotels"},
    "営業許可": {"tokyo-food-permits"},
    "地価": {"tokyo-land-prices"},
    "空き家": {"tokyo-vacant-houses"},
    "五輪": {"tokyo-olympics"},
    "博物館": {"tokyo-museums"},
    "車椅子": {"tokyo-wheelchair"},
    "車イス": {"tokyo-wheelchair"},
    "くるまいす": {"tokyo-wheelchair"},
    "コンピューター": {"tokyo-computers"},
}
MUST_NOT = {  # precision guards: a synonym must not pull these in
    "公衆トイレ": {"chiyoda-aed", "tachikawa-wifi"},
    "人口": {"tokyo-budget"},
    "避難所": {"koto-toilets", "tokyo-hotels"},
    "保育園": {"adachi-lunch"},
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from catalog.local import LocalCatalog
    from catalog.store import close_store, users

    home = tmp_path_factory.mktemp("quality")
    users.ensure_user(home, "admin", sysadmin=True)
    cat = LocalCatalog(home, user="admin", site_url=helpers.SITE)
    cat.call_action("organization_create", {"name": "t130001", "title": "東京都"})
    for name, (title, tags) in DATASETS.items():
        cat.call_action("package_create", {"name": name, "title": title, "owner_org": "t130001",
                                           "tags": [{"name": t} for t in tags]})
    yield cat
    close_store(home)


def found(catalog, q: str) -> list[str]:
    return [p["name"] for p in catalog.call_action("package_search", {"q": q, "rows": 10})["results"]]


def test_recall_at_10_over_what_people_type(catalog):
    assert len(QUERIES) >= 50 and len(synonyms.groups()) >= 100
    wanted = sum(len(v) for v in QUERIES.values())
    misses = {q: sorted(v - set(found(catalog, q))) for q, v in QUERIES.items() if v - set(found(catalog, q))}
    recall = 1 - sum(len(m) for m in misses.values()) / wanted
    assert recall >= 0.95, f"recall@10 {recall:.3f}; missed: {misses}"


@pytest.mark.parametrize("q", sorted(MUST_NOT))
def test_synonyms_do_not_drag_in_unrelated_datasets(catalog, q):
    assert not set(found(catalog, q)) & MUST_NOT[q]


def test_kana_variants_and_lookup_keys():
    assert set(synonyms.kana_variants("といれ")) >= {"といれ", "トイレ"}
    assert "コンピュータ" in synonyms.kana_variants("コンピューター")
    assert synonyms.key("ﾄｲﾚ") == synonyms.key("といれ") == synonyms.key("トイレ")
    assert "便所" in synonyms.alternatives("といれ")
    assert "トイレ" not in synonyms.alternatives("公衆トイレ")  # a part of the word is broader, not the same


def test_every_group_says_where_it_came_from():
    import yaml

    data = yaml.safe_load(synonyms.SYNONYMS.read_text("utf-8"))
    allowed = {"standard", "realdata", "catalog", "usage"}
    for group in data["groups"]:
        assert len(group["words"]) >= 2 and set(group["source"].split("+")) <= allowed, group
