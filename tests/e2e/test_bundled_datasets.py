"""The README's main path: every bundled dataset is ingested, validated and published, then served by
``opendata serve`` (a real process on 127.0.0.1) and read with the real ``ckanapi`` client."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import ckanapi
import pytest
import requests

from pipelines.home import DEFAULT_DATASETS
from pipelines.resources import CatalogTarget
from pipelines.runner import ingest
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    summary = ingest(DEFAULT_DATASETS, home, catalog=CatalogTarget(url=url), progress=False)
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 90          # imports are slow on a loaded 2-core machine
        while time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                requests.get(f"{url}/api/3", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield summary, url, home
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_every_bundled_dataset_is_published(served):
    summary, url, _ = served
    assert {o.id: o.status for o in summary.outcomes} == {
        "koto-aed": "published", "koto-public-toilets": "published", "kita-evacuation-spaces": "published",
        "tachikawa-wifi": "published", "tachikawa-public-toilets": "published",
        "tokyo-population-by-age": "published", "tokyo-free-wifi-spots": "published"}
    ckan = ckanapi.RemoteCKAN(url)
    assert sorted(ckan.action.package_list()) == sorted(o.id for o in summary.outcomes)
    orgs = ckan.action.organization_list()
    assert {"t131083", "t131172", "t132021", "t000029"} <= set(orgs)


def test_japanese_search_and_downloads_keep_every_character(served):
    _, url, _ = served
    ckan = ckanapi.RemoteCKAN(url)
    toilets = ckan.action.package_search(q="トイレ", rows=100)
    names = {p["name"] for p in toilets["results"]}
    assert {"koto-public-toilets", "tachikawa-public-toilets"} <= names and "koto-aed" not in names
    aed = ckan.action.package_show(id="koto-aed")
    csv = next(r for r in aed["resources"] if r["format"] == "CSV")
    body = requests.get(csv["url"], timeout=10).content
    assert body.startswith(b"\xef\xbb\xbf")                     # UTF-8 with BOM for Excel
    text = body.decode("utf-8-sig")
    assert "江東区役所" in text and "①" in text and "\ufffd" not in text   # CP932-only characters survived
    assert text.count("\n") >= 29                               # header + 28 rows
    home = requests.get(url + "/", timeout=10).text
    assert "AED設置箇所一覧" in home


def test_publication_rates_are_served(served):
    _, url, _ = served
    rows = ckanapi.RemoteCKAN(url).call_action("publication_rate_show", {"publisher": "t131083"})
    rows = rows["results"]
    published = next(r for r in rows if r["scope"] == "publisher" and r["measure"] == "published")
    assert (published["numerator"], published["denominator"]) == (2, 14)


def test_the_bundled_catalogs_dcat_conforms_to_dcat_ap(served):
    """pyshacl with the SEMIC DCAT-AP 3.0.1 and 2.1.1 shapes: 0 violations in the catalog and every dataset."""
    from tests.catalog.shacl import SHAPE_FILES, violations

    summary, url, _ = served
    for profile in SHAPE_FILES:
        for fmt in ("ttl", "jsonld", "rdf"):
            body = requests.get(f"{url}/catalog.{fmt}", params={"profiles": profile}, timeout=30).content
            assert violations(body, fmt, profile) == [], (profile, fmt)
        for outcome in summary.outcomes:
            body = requests.get(f"{url}/dataset/{outcome.id}.ttl", params={"profiles": profile}, timeout=30).content
            assert violations(body, "ttl", profile) == [], (profile, outcome.id)


def test_every_ingest_leaves_gx_artifacts_linked_from_the_quality_page(served):
    """Issue 16.4: each ingested version's ExpectationSuite (JSON), validation result (JSON) and Data Docs pages
    are under the data home; the quality page links them and they load offline (no request leaves the site)."""
    import json
    import re
    from urllib.parse import urljoin

    summary, url, home = served
    gx = home / "reports" / "gx"
    for outcome in summary.outcomes:
        version = requests.get(f"{url}/dataset/{outcome.id}/quality.json", timeout=30).json()["version"]
        suite = json.loads((gx / "expectations" / f"{outcome.id}__{version}.json").read_text("utf-8"))
        assert len(suite["expectations"]) >= 3, outcome.id
        results = list((gx / "uncommitted" / "validations" / f"{outcome.id}__{version}").rglob("*.json"))
        assert len(results) == 1 and json.loads(results[0].read_text("utf-8"))["suite_name"] == suite["name"]
        html = requests.get(f"{url}/dataset/{outcome.id}/quality", timeout=30).text
        links = re.findall(r'<p class="gx-docs"><a href="([^"]+)">.*?<a href="([^"]+)">', html)
        assert links, outcome.id
        for page_url in links[0]:
            page = requests.get(urljoin(url, page_url), timeout=30)
            assert page.status_code == 200 and "Great Expectations" in page.text, page_url
            for expectation in suite["expectations"]:       # GX renders each by its column, built-ins in words
                column = expectation["kwargs"].get("column")
                assert column is None or column in page.text, (page_url, column)
            assert any(e["type"] in page.text for e in suite["expectations"]), page_url   # our custom ones by name
            refs = re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref|img[^>]*\ssrc)="([^"#]+)"', page.text)
            assert refs and not [r for r in refs if r.startswith(("http:", "https:", "//"))], page_url
            for ref in refs:
                if "static/vendor/" in ref:
                    assert requests.get(urljoin(urljoin(url, page_url), ref), timeout=30).status_code == 200, ref
