"""Every page and its ``.json`` in Japanese and English, in-process: one computed dict, typed contexts, switches."""
from __future__ import annotations

import dataclasses
import re

import pytest

from catalog.web.contexts import dashboard, dataset, home, organization, quality, search

PAGES = [  # (path, the dataclass the page renders)
    ("/", home.HomePage),
    ("/dataset", search.SearchPage),
    ("/dataset?q=トイレ", search.SearchPage),
    ("/dataset/koto-public-toilets", dataset.DatasetPage),
    ("/dataset/koto-public-toilets/quality", quality.QualityPage),
    ("/dataset/koto-public-toilets/quality/v2", quality.QualityPage),
    ("/organization", organization.OrganizationListPage),
    ("/organization/t131083", organization.OrganizationPage),
    ("/dashboard", dashboard.DashboardPage),
]


def _json_url(path: str) -> str:
    base, _, query = path.partition("?")
    url = "/index.json" if base == "/" else ("/en/index.json" if base == "/en/" else base + ".json")
    return url + (f"?{query}" if query else "")


@pytest.mark.parametrize("lang", ["", "/en"])
@pytest.mark.parametrize(("path", "context"), PAGES)
def test_page_and_its_json_come_from_one_typed_context(client, path, context, lang):
    page_path = (lang + path) if path != "/" else (lang + "/" if lang else "/")
    r = client.get(page_path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    expected_lang = "en" if lang else "ja"
    assert f'<html lang="{expected_lang}">' in r.text
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in r.text
    alternate = _json_url(page_path)
    assert r.headers["link"].split(">")[0].lstrip("<").split("?")[0] == alternate.split("?")[0]
    data = client.get(alternate).json()
    assert set(data) == {f.name for f in dataclasses.fields(context)}   # the template contract
    assert data["lang"] == expected_lang


@pytest.mark.parametrize(("path", "english"), [("/dataset/koto-public-toilets?x=1", "/en/dataset/koto-public-toilets?x=1"),
                                              ("/dashboard?type=区", "/en/dashboard?type=%E5%8C%BA"), ("/", "/en/")])
def test_language_switch_keeps_the_page_and_query(client, path, english):
    switch = re.search(r'class="lang-switch" href="([^"]+)"', client.get(path).text).group(1)
    assert switch == english
    en = client.get(switch)
    assert en.status_code == 200 and '<html lang="en">' in en.text
    back = re.search(r'class="lang-switch" href="([^"]+)"', en.text).group(1)
    assert back == english.removeprefix("/en") or (back == "/" and english == "/en/")


def test_home_shows_counts_categories_recent_and_rate(client, seeded):
    data = client.get("/index.json").json()
    api = client.get("/api/3/action/package_search", params={"rows": 0}).json()["result"]
    assert data["dataset_count"] == api["count"] == 25          # the internal dataset is not counted anonymously
    assert data["organization_count"] == 4
    assert [c["id"] for c in data["categories"]] == [f"c{i:03d}" for i in range(1, 15)]
    assert {c["id"]: c["count"] for c in data["categories"]}["c006"] == 2
    assert data["categories"][0]["name"] == "防災・災害計画"
    assert client.get("/en/index.json").json()["categories"][0]["name"] == "Disaster prevention and planning"
    assert len(data["recent"]) == home.RECENT
    rate = client.get("/api/3/action/publication_rate_show",
                      params={"scope": "overall", "measure": "published"}).json()["result"]["results"][0]
    assert data["publication_rate"]["rate"] == rate["rate"] and data["publication_rate"]["numerator"] == 3
    html = client.get("/").text
    assert 'role="search"' in html and "c014" in html and "その他" in html and "30.0%" in html


def test_not_found_pages_and_json_errors(client):
    r = client.get("/dataset/no-such-dataset")
    assert r.status_code == 404 and "ページが見つかりません" in r.text
    assert "Page not found" in client.get("/en/dataset/no-such-dataset").text
    r = client.get("/dataset/no-such-dataset.json")
    assert r.status_code == 404 and r.json()["ok"] is False and r.json()["status"] == 404
    assert client.get("/dataset/koto-public-toilets/quality/nope").status_code == 200   # page says: no report
    assert client.get("/dataset/koto-public-toilets/quality/nope.json").json()["found"] is False


def test_static_files_and_vendor_leaflet_are_served_locally(client):
    assert client.get("/static/site.css").status_code == 200
    assert "L.map" in client.get("/static/map.js").text
    r = client.get("/static/vendor/leaflet/leaflet.js")
    assert r.status_code == 200 and "Leaflet" in r.text[:400]
    html = client.get("/dataset/koto-public-toilets").text
    assert "https://" not in "".join(re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html))
