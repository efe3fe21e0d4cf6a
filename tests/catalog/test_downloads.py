"""Resource downloads (served by catalog/web/endpoints.py): caching validators, byte ranges, RFC 6266 names."""
from __future__ import annotations

import io

import pytest

from tests.catalog import helpers

BODY = "名称,住所\n公衆トイレ,江東区\n".encode("utf-8-sig")


@pytest.fixture
def upload(catalog):
    org = helpers.org(catalog, name="t131083", title="江東区")
    helpers.dataset(catalog, org, name="koto-toilets", title="公衆トイレ一覧")
    res = catalog.call_action("resource_create", {"package_id": "koto-toilets", "format": "CSV",
                                                  "upload": ("公衆トイレ一覧.csv", io.BytesIO(BODY))})
    return res["url"].removeprefix(helpers.SITE)


def test_download_serves_the_file_with_headers(client, upload):
    r = client.get(upload)
    assert r.status_code == 200 and r.content == BODY
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-length"] == str(len(BODY))
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"] and r.headers["last-modified"]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%85%AC%E8%A1%86%E3%83%88%E3%82%A4%E3%83%AC%E4%B8%80%E8%A6%A7.csv" in disposition


def test_revalidation_gives_304(client, upload):
    first = client.get(upload)
    r = client.get(upload, headers={"If-None-Match": first.headers["etag"]})
    assert r.status_code == 304 and r.content == b""
    r = client.get(upload, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert r.status_code == 304
    assert client.get(upload, headers={"If-None-Match": '"other"'}).status_code == 200


def test_range_requests(client, upload):
    r = client.get(upload, headers={"Range": "bytes=0-2"})
    assert r.status_code == 206 and r.content == BODY[:3]
    assert r.headers["content-range"] == f"bytes 0-2/{len(BODY)}"


def test_unknown_resource_or_link_resource_is_404(client, catalog, upload):
    assert client.get("/dataset/x/resource/nope/download/a.csv").status_code == 404
    pkg = catalog.call_action("package_show", {"id": "koto-toilets"})
    link = catalog.call_action("resource_create", {"package_id": pkg["id"], "url": "http://example.com/a.csv"})
    assert client.get(f"/dataset/{pkg['id']}/resource/{link['id']}/download/a.csv").status_code == 404


def test_metrics_and_dcat_routes_delegate_or_404(client, monkeypatch):
    import sys
    import types

    fake = types.ModuleType("catalog.dcat")
    fake.render_catalog = lambda context, fmt, params: f"catalog {fmt} {params.get('page', '1')}"
    fake.render_dataset = lambda context, pkg_id, fmt, params: f"dataset {pkg_id} {fmt}"
    monkeypatch.setitem(sys.modules, "catalog.dcat", fake)
    r = client.get("/catalog.ttl", params={"page": "2"})
    assert (r.status_code, r.text, r.headers["content-type"]) == (200, "catalog ttl 2", "text/turtle; charset=utf-8")
    assert client.get("/dataset/abc.jsonld").text == "dataset abc jsonld"
    assert client.get("/catalog.exe").status_code == 404
    monkeypatch.setitem(sys.modules, "catalog.dcat", types.ModuleType("catalog.dcat"))
    assert client.get("/catalog.ttl").status_code == 404
