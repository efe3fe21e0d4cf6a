"""The search page: Japanese queries as in the API, facets that combine and come off one by one, sort, paging."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from catalog.web.contexts.search import PER_PAGE


def _names(data: dict) -> list[str]:
    return [r["name"] for r in data["results"]]


def _api(client, **params) -> dict:
    return client.get("/api/3/action/package_search", params=params).json()["result"]


def test_japanese_queries_find_what_the_api_finds(client):
    for q in ("トイレ", "人口", "公衆トイレ"):
        page = client.get("/dataset.json", params={"q": q}).json()
        api = _api(client, q=q, rows=PER_PAGE)
        assert page["count"] == api["count"] > 0
        assert _names(page) == [p["name"] for p in api["results"]]
    assert sorted(_names(client.get("/dataset.json", params={"q": "トイレ"}).json())) == [
        "koto-public-toilets", "tachikawa-public-toilets"]
    assert _names(client.get("/dataset.json", params={"q": "人口"}).json()) == ["tokyo-population"]
    html = client.get("/dataset", params={"q": "トイレ"}).text
    assert "公衆トイレ一覧" in html and "<strong>2</strong>" in html


def test_facets_combine_and_each_can_be_removed(client):
    both = client.get("/dataset.json", params=[("q", "トイレ"), ("organization", "t131083"), ("groups", "c006")]).json()
    assert _names(both) == ["koto-public-toilets"]
    assert [(f["param"], f["value"]) for f in both["filters"]] == [("organization", "t131083"), ("groups", "c006")]
    assert both["filters"][0]["label"] == "江東区" and both["filters"][1]["label"] == "生活"
    # removing the organization keeps the query and the category
    remove_org = dict(parse_qsl(urlsplit(both["filters"][0]["remove_url"]).query))
    assert remove_org == {"q": "トイレ", "groups": "c006"}
    assert client.get("/dataset.json", params=remove_org).json()["count"] == 2
    # the same filters through the API (fq_list), and a selected value's link removes it
    api = _api(client, q="トイレ", fq_list=['organization:"t131083"', 'groups:"c006"'])
    assert api["count"] == both["count"] == 1
    org_facet = next(f for f in both["facets"] if f["param"] == "organization")
    selected = next(i for i in org_facet["items"] if i["value"] == "t131083")
    assert selected["selected"] and "organization=" not in selected["url"]


def test_facet_counts_equal_the_api_and_cover_extras(client):
    page = client.get("/dataset.json").json()
    api = _api(client, **{"facet.field": json.dumps(["organization", "res_format", "extras_standard",
                                                     "extras_quality_status", "license_id", "tags", "groups"]),
                          "facet.limit": 15})
    fields = {"organization": "organization", "res_format": "res_format", "standard": "extras_standard",
              "quality": "extras_quality_status", "license_id": "license_id", "tags": "tags", "groups": "groups"}
    for facet in page["facets"]:
        assert {i["value"]: i["count"] for i in facet["items"]} == api["facets"][fields[facet["param"]]], facet["param"]
    facets = {f["param"]: {i["value"]: i for i in f["items"]} for f in page["facets"]}
    assert facets["standard"]["public_toilet"]["count"] == 2 and facets["standard"]["public_toilet"]["label"] == "公衆トイレ一覧"
    assert facets["quality"]["invalid"]["label"] == "要修正"
    assert client.get("/dataset.json", params={"quality": "invalid"}).json()["count"] == 1
    assert _names(client.get("/dataset.json", params={"standard": "public_toilet", "res_format": "GeoJSON",
                                                      "organization": "t132021"}).json()) == ["tachikawa-public-toilets"]
    english = client.get("/en/dataset.json").json()
    groups = {i["value"]: i["label"] for f in english["facets"] if f["param"] == "groups" for i in f["items"]}
    assert groups["c006"] == "Daily life"


def test_sort_and_paging(client):
    first = client.get("/dataset.json", params={"sort": "name"}).json()
    assert first["count"] == 25 and first["pages"] == 2 and len(first["results"]) == PER_PAGE
    assert _names(first) == sorted(_names(first)) and first["prev_url"] is None
    second = client.get(first["next_url"].replace("/dataset?", "/dataset.json?")).json()
    assert second["page"] == 2 and len(second["results"]) == 25 - PER_PAGE and second["next_url"] is None
    assert not set(_names(first)) & set(_names(second))
    newest = client.get("/dataset.json", params={"sort": "modified"}).json()
    assert _names(newest) == [p["name"] for p in _api(client, sort="metadata_modified desc", rows=PER_PAGE)["results"]]
    html = client.get("/dataset", params={"sort": "name"}).text
    assert 'rel="next"' in html and 'aria-label="ページ送り"' in html


def test_results_show_organization_formats_update_and_quality(client):
    data = client.get("/dataset.json", params={"q": "トイレ", "sort": "name"}).json()
    koto = next(r for r in data["results"] if r["name"] == "koto-public-toilets")
    assert koto["organization_title"] == "江東区" and koto["formats"] == ["CSV", "GEOJSON", "PARQUET"]
    assert koto["quality_status"] == "valid" and len(koto["modified"]) == 10
    html = client.get("/dataset", params={"q": "トイレ"}).text
    assert "検証合格" in html and "要修正" in html and "GEOJSON" in html and "江東区" in html
    assert data["api_url"].startswith("/api/3/action/package_search?")
    assert client.get(data["api_url"]).json()["result"]["count"] == data["count"]


def test_bad_query_is_a_400_page_not_a_crash(client):
    r = client.get("/dataset", params={"q": "title:(unclosed"})
    assert r.status_code == 400 and "Cannot parse" in r.text and '<html lang="ja">' in r.text
    assert client.get("/dataset.json", params={"q": "title:(unclosed"}).json()["status"] == 400


def test_a_search_with_no_results_suggests_searches_that_find_something(client):
    # two words that never occur together: each alone finds datasets; plus tags spelled like a word, popular tags
    page = client.get("/dataset.json", params={"q": "トイレ 火山"}).json()
    assert page["count"] == 0
    labels = {s["label"]: s["count"] for s in page["suggestions"]}
    assert labels == {"トイレ": 2} and all(s["url"].startswith("/dataset?") for s in page["suggestions"])
    assert [t["label"] for t in page["popular_tags"]][:1] and all(t["count"] > 0 for t in page["popular_tags"])
    # a filter that excludes everything: the same words without it
    narrowed = client.get("/dataset.json", params=[("q", "人口"), ("organization", "t131083")]).json()
    assert narrowed["count"] == 0 and {"label": "人口", "url": "/dataset?q=%E4%BA%BA%E5%8F%A3", "count": 1} in \
        narrowed["suggestions"]
    html = client.get("/dataset", params={"q": "トイレ 火山"}).text
    assert "こちらで探してみてください" in html and "よく使われるタグ" in html
    # another spelling of a tag: the tag it resembles
    variant = client.get("/dataset.json", params={"q": "バリヤフリー"}).json()
    assert variant["count"] == 0 and [s["label"] for s in variant["suggestions"]] == ["バリアフリー"]
