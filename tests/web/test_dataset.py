"""The dataset page: metadata ja/en, licence, freshness, standard, quality, downloads, preview, map, API examples."""
from __future__ import annotations

import shlex

import pytest


@pytest.fixture
def page(client) -> dict:
    return client.get("/dataset/koto-public-toilets.json").json()


def test_metadata_in_both_languages(client, page):
    assert page["title"] == "公衆トイレ一覧" and page["title_en"] == "Public toilets"
    assert page["notes_en"].startswith("Public toilets in parks")
    assert page["organization"] == {"name": "t131083", "title": "江東区", "title_en": "Koto City",
                                    "url": "/organization/t131083"}
    assert page["license"]["id"] == "CC-BY-4.0" and page["license"]["url"].startswith("https://creativecommons.org/")
    assert page["freshness"]["frequency"] == "yearly" and page["freshness"]["fresh"] is True
    assert page["standard"] == {"slug": "public_toilet", "label": "公衆トイレ一覧", "conformant": True}
    assert page["quality"]["status"] == "valid" and page["quality"]["report_url"] == "/dataset/koto-public-toilets/quality"
    ja = client.get("/dataset/koto-public-toilets").text
    assert "<h1>公衆トイレ一覧</h1>" in ja and 'lang="en">Public toilets</p>' in ja
    assert 'rel="license"' in ja and "更新期限内" in ja and 'href="/dataset/koto-public-toilets/quality"' in ja
    en = client.get("/en/dataset/koto-public-toilets").text
    assert "<h1>Public toilets</h1>" in en and 'lang="ja">公衆トイレ一覧</p>' in en and "Up to date" in en
    assert 'href="/en/dataset/koto-public-toilets/quality"' in en
    # English names of the publisher and the licence on English pages
    assert ">Koto City</a>" in en and "Creative Commons Attribution 4.0 International (CC BY 4.0)" in en
    assert "クリエイティブ・コモンズ 表示（CC BY）" in ja and ">江東区</a>" in ja


def test_stale_dataset_says_so(client):
    data = client.get("/dataset/tachikawa-public-toilets.json").json()
    assert data["freshness"]["fresh"] is False and data["quality"]["status"] == "invalid"
    assert "更新期限切れ" in client.get("/dataset/tachikawa-public-toilets").text


def test_each_format_has_a_download_that_works(client, page):
    assert [r["format"] for r in page["resources"]] == ["CSV", "Parquet", "GeoJSON"]
    html = client.get("/dataset/koto-public-toilets").text
    for res in page["resources"]:
        assert res["url"].startswith("/dataset/") and f'href="{res["url"]}" download' in html
        assert client.get(res["url"]).status_code == 200
    csv = client.get(page["resources"][0]["url"])
    assert csv.content.startswith(b"\xef\xbb\xbf") and "豊洲公園トイレ" in csv.content.decode("utf-8-sig")


def test_preview_is_datastore_search(client, page):
    preview = page["preview"]
    api = client.get("/api/3/action/datastore_search",
                     params={"resource_id": preview["resource_id"], "limit": 10}).json()["result"]
    assert preview["columns"] == [f for f in api["fields"] if f["id"] != "_id"]
    assert [c["id"] for c in preview["columns"]] == ["名称", "緯度", "経度", "電話番号", "備考"]
    assert {c["id"]: c["type"] for c in preview["columns"]}["緯度"] == "float8"
    assert preview["rows"] == [[rec[c["id"]] for c in preview["columns"]] for rec in api["records"]]
    assert preview["total"] == 5
    html = client.get("/dataset/koto-public-toilets").text
    assert "豊洲公園トイレ" in html and "float8" in html and "全 5 行のうち先頭 5 行" in html


def test_map_points_and_geojson_without_js(client, page):
    geo = page["map"]
    assert geo["geojson_url"] == page["resources"][2]["url"]
    assert [p["name"] for p in geo["points"]][:2] == ["豊洲公園トイレ", "木場公園トイレ"]
    assert geo["points"][0] == {"name": "豊洲公園トイレ", "lat": 35.6535, "lon": 139.7953}
    html = client.get("/dataset/koto-public-toilets").text
    assert 'id="map"' in html and 'data-lat="35.6535"' in html and "/static/vendor/leaflet/leaflet.js" in html
    assert "cyberjapandata.gsi.go.jp" in html          # 地理院タイル by default
    assert client.get("/dataset/tokyo-population.json").json()["map"] is None  # no 緯度/経度, no map


def test_tile_url_is_configurable(client, monkeypatch):
    monkeypatch.setenv("OPENDATA_TILE_URL", "http://tiles.example/{z}/{x}/{y}.png")
    assert 'data-tiles="http://tiles.example/{z}/{x}/{y}.png"' in client.get("/dataset/koto-public-toilets").text


def test_api_examples_work_against_this_server(client, page, seeded):
    curl = next(s for s in page["api_examples"] if s["id"] == "curl-datastore_search")["code"]
    url = shlex.split(curl)[-1]
    assert url.startswith(seeded.site_url + "/api/3/action/datastore_search?")
    result = client.get(url.removeprefix(seeded.site_url)).json()["result"]
    assert [[r[c["id"]] for c in page["preview"]["columns"]] for r in result["records"]] == page["preview"]["rows"][:5]
    python = next(s for s in page["api_examples"] if s["id"] == "python-ckanapi")["code"]
    assert f'RemoteCKAN("{seeded.site_url}")' in python and page["preview"]["resource_id"] in python
    shown = next(s for s in page["api_examples"] if s["id"] == "curl-package_show")["code"]
    assert client.get(shlex.split(shown)[-1].removeprefix(seeded.site_url)).json()["result"]["name"] == page["name"]


def test_dcat_links(client, page):
    assert page["dcat"] == {"ttl": "/dataset/koto-public-toilets.ttl", "jsonld": "/dataset/koto-public-toilets.jsonld"}
    ttl = client.get(page["dcat"]["ttl"])
    assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle") and "dcat:Dataset" in ttl.text
    assert client.get(page["dcat"]["jsonld"]).headers["content-type"].startswith("application/ld+json")
