"""The resource page and its data explorer without JavaScript: plain HTML (links and GET forms) and the CSV of
the filtered view, in process."""
from __future__ import annotations

import csv
import io
import re

import pytest


@pytest.fixture
def dataset(client) -> dict:
    return client.get("/dataset/koto-public-toilets.json").json()


def _csv_resource(dataset) -> dict:
    return next(r for r in dataset["resources"] if r["format"] == "CSV")


def _url(dataset, lang: str = "") -> str:
    return f"{lang}/dataset/koto-public-toilets/resource/{_csv_resource(dataset)['id']}"


def _names(page: dict) -> list[str]:
    names = [c["id"] for c in page["explorer"]["columns"]]
    return [row[names.index("名称")] for row in page["explorer"]["rows"]]


def test_resource_page_metadata_and_fields(client, dataset):
    res = _csv_resource(dataset)
    page = client.get(_url(dataset) + ".json").json()
    assert page["id"] == res["id"] and page["format"] == "CSV" and page["size"] > 0 and page["last_modified"]
    assert page["url"] == res["url"] and page["datastore_active"] is True
    assert [f["id"] for f in page["fields"]] == ["名称", "緯度", "経度", "電話番号", "備考"]
    assert {f["id"]: f["type"] for f in page["fields"]}["緯度"] == "float8"
    html = client.get(_url(dataset)).text
    assert "<h1>" in html and f'href="{res["url"]}"' in html and "float8" in html and "列と型" in html
    en = client.get(_url(dataset, "/en")).text
    assert "Data explorer" in en and "Columns and types" in en and 'href="/en/dataset/koto-public-toilets"' in en
    assert client.get("/dataset/koto-public-toilets/resource/no-such-resource").status_code == 404


def test_dataset_page_links_each_resource_and_the_explorer(client, dataset):
    html = client.get("/dataset/koto-public-toilets").text
    for res in dataset["resources"]:
        assert f'href="/dataset/koto-public-toilets/resource/{res["id"]}"' in html
    assert "データエクスプローラーで全行を見る" in html


def test_paging_through_every_row(client, dataset):
    first = client.get(_url(dataset) + ".json", params={"size": 25}).json()["explorer"]
    assert first["total"] == 5 and first["pages"] == 1 and [r[0] for r in first["rows"]] == [1, 2, 3, 4, 5]
    # a page size not offered falls back to the default; a page past the end shows the last page
    odd = client.get(_url(dataset) + ".json", params={"size": 2, "page": 99}).json()["explorer"]
    assert odd["size"] == 50 and odd["page"] == 1


def test_sort_by_any_column_both_ways(client, dataset):
    asc = client.get(_url(dataset) + ".json", params={"sort": "緯度", "dir": "asc"}).json()
    lats = [row[2] for row in asc["explorer"]["rows"]]
    assert lats == sorted(lats)
    desc = client.get(_url(dataset) + ".json", params={"sort": "緯度", "dir": "desc"}).json()
    assert [row[2] for row in desc["explorer"]["rows"]] == sorted(lats, reverse=True)
    html = client.get(_url(dataset), params={"sort": "緯度", "dir": "asc"}).text
    assert 'aria-sort="ascending"' in html
    # the heading's link toggles the direction and keeps the rest of the state
    link = re.search(r'data-column="緯度">\s*<a class="sort-link" href="([^"]+)"', html).group(1)
    assert "dir=desc" in link.replace("&amp;", "&")


def test_column_filters_and_full_text(client, dataset):
    page = client.get(_url(dataset) + ".json", params={"f.名称": "公園"}).json()
    assert sorted(_names(page)) == ["木場公園トイレ", "豊洲公園トイレ"] and page["explorer"]["total"] == 2
    exact = client.get(_url(dataset) + ".json", params={"f._id": "3"}).json()
    assert [r[0] for r in exact["explorer"]["rows"]] == [3]
    lat = client.get(_url(dataset) + ".json", params={"f.緯度": "35.6535"}).json()
    assert _names(lat) == ["豊洲公園トイレ"]
    text = client.get(_url(dataset) + ".json", params={"q": "亀戸"}).json()
    assert _names(text) == ["亀戸駅前トイレ"]
    both = client.get(_url(dataset) + ".json", params={"q": "トイレ", "f.名称": "有明"}).json()
    assert _names(both) == ["有明トイレ"]
    bad = client.get(_url(dataset), params={"f.緯度": "north"})
    assert bad.status_code == 200 and "列の型に合わない" in bad.text


def test_no_js_form_is_a_plain_get_form_with_the_state(client, dataset):
    html = client.get(_url(dataset), params={"sort": "名称", "dir": "desc", "size": 25}).text
    form = re.search(r'<form method="get" action="([^"]+)" id="explorer-form"', html)
    assert form and form.group(1) == _url(dataset)
    assert 'name="sort" value="名称"' in html and 'name="dir" value="desc"' in html
    assert 'name="f.名称"' in html and 'name="q"' in html and "<script" not in html.split("</footer>")[0].split("<body>")[1]


def test_csv_of_the_filtered_sorted_view(client, dataset):
    r = client.get(_url(dataset) + ".csv", params={"f.名称": "公園", "sort": "名称", "dir": "desc"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "緯度", "経度", "電話番号", "備考"]
    assert [row[0] for row in rows[1:]] == sorted(["木場公園トイレ", "豊洲公園トイレ"], reverse=True)
    html = client.get(_url(dataset), params={"f.名称": "公園"}).text
    link = re.search(r'<a class="button small csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith(_url(dataset) + ".csv?") and "f.%E5%90%8D%E7%A7%B0=" in link
    assert client.get("/en" + _url(dataset) + ".csv").status_code == 200
