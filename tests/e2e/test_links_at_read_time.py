"""Links are built from the address that answers (issue 14): ingest once, then serve the same home on two ports
and behind a reverse proxy's host name; every link in package_show, DCAT, the frictionless datapackage.json
(``ckanapi dump --datapackages``) and the web pages answers 200 at the address it names."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import ckanapi
import pytest
import rdflib
import requests

from catalog.store import close_store, open_store
from pipelines.resources import CatalogTarget
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER
from tests.servers import ServerProcess

CKANAPI_CLI = str(Path(sys.executable).with_name("ckanapi"))
PROXY = {"X-Forwarded-Host": "opendata.example.jp", "X-Forwarded-Proto": "https"}
PUBLIC = "https://opendata.example.jp"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from tests.pipelines.conftest import Workspace

    ws = Workspace(tmp_path_factory.mktemp("links"))
    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    summary = ingest(ws.datasets, ws.home, catalog=CatalogTarget(url="http://127.0.0.1:8080"), progress=False)
    assert [(o.id, o.status) for o in summary.outcomes] == [("koto-toilets", "published")], summary
    close_store(ws.home)
    return ws.home


def _get(url: str, via: ServerProcess, headers: dict | None = None) -> requests.Response:
    """GET ``url`` as its address names it; the proxy's public name is reached through the proxied server."""
    if url.startswith(PUBLIC):
        return requests.get(via.url + url[len(PUBLIC):], headers=PROXY, timeout=30)
    return requests.get(url, headers=headers, timeout=30)


def _links(server: ServerProcess, site: str, headers: dict | None) -> set[str]:
    from rdflib.namespace import DCAT, FOAF  # here: pytest's collection probes module names, DCAT warns on those
    pkg = requests.get(f"{server.url}/api/3/action/package_show?id=koto-toilets", headers=headers,
                       timeout=30).json()["result"]
    links = {r["url"] for r in pkg["resources"]}
    links |= {e["value"] for e in pkg["extras"] if e["key"] == "quality_report_url"}
    for path in ("/dataset/koto-toilets.ttl", "/catalog.ttl"):
        graph = rdflib.Graph().parse(data=requests.get(server.url + path, headers=headers, timeout=30).text,
                                     format="turtle")
        # the links a DCAT client follows (subjects such as distribution URIs are identifiers, not pages here)
        for predicate in (DCAT.downloadURL, DCAT.accessURL, DCAT.landingPage, FOAF.page):
            links |= {str(o) for o in graph.objects(None, predicate) if str(o).startswith(site)}
    html = requests.get(f"{server.url}/dataset/koto-toilets", headers=headers, timeout=30).text
    for ref in re.findall(r'(?:href|src|data-geojson)="([^"#]+)"', html):
        absolute = urljoin(site + "/dataset/koto-toilets", ref.replace("&amp;", "&"))
        if absolute.startswith(site):
            links.add(absolute)
    assert pkg["resources"] and all(u.startswith(site) for u in (r["url"] for r in pkg["resources"]))
    return links


@pytest.mark.parametrize("where", ["port-a", "port-b", "proxy"])
def test_every_link_answers_at_the_address_it_names(home, where, tmp_path):
    server = ServerProcess(home, *(["--proxy-headers"] if where == "proxy" else []))
    try:
        site, headers = (PUBLIC, PROXY) if where == "proxy" else (server.url, None)
        links = _links(server, site, headers)
        assert len(links) > 10
        assert any("/download/" in u for u in links) and any(u.endswith("/quality") for u in links)
        failed = {u: _get(u, server).status_code for u in sorted(links)}
        assert {u: s for u, s in failed.items() if s != 200} == {}
        if where != "proxy":  # the frictionless datapackage ckanapi writes, files fetched from the URLs shown
            out = tmp_path / "dump"
            env = {**os.environ, "PATH": f"{Path(CKANAPI_CLI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            subprocess.run([CKANAPI_CLI, "dump", "datasets", "koto-toilets", "--datapackages", str(out), "-r",
                            server.url, "-q"], check=True, timeout=120, env=env)  # workers start from PATH
            package = json.loads((out / "koto-toilets" / "datapackage.json").read_text("utf-8"))
            assert len(package["resources"]) == 4
            for resource in package["resources"]:
                assert (out / "koto-toilets" / resource["path"]).stat().st_size > 0
    finally:
        server.stop()


def test_forwarded_headers_from_anyone_else_are_ignored(home):
    server = ServerProcess(home)  # no --proxy-headers: X-Forwarded-* is just a header
    try:
        pkg = requests.get(f"{server.url}/api/3/action/package_show?id=koto-toilets", headers=PROXY,
                           timeout=30).json()["result"]
        assert all(r["url"].startswith(server.url + "/dataset/") for r in pkg["resources"])
    finally:
        server.stop()


def test_homes_written_with_baked_in_urls_are_migrated_when_opened(home, tmp_path):
    import shutil

    old = tmp_path / "old-home"
    shutil.copytree(home / "catalog", old / "catalog")
    db = sqlite3.connect(old / "catalog" / "catalog.sqlite")
    rowid, data = db.execute("SELECT rowid, data FROM pkg_doc").fetchone()
    doc = json.loads(data)
    for r in doc["resources"]:  # what a schema-2 home stored
        r["url"] = f"http://127.0.0.1:8080/dataset/{doc['id']}/resource/{r['id']}/download/{r['url']}"
    for e in doc["extras"]:
        if e["key"] == "quality_report_url":
            e["value"] = "http://127.0.0.1:8080" + e["value"]
    db.execute("UPDATE pkg_doc SET data = ? WHERE rowid = ?", (json.dumps(doc, ensure_ascii=False), rowid))
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    store = open_store(old)
    try:
        stored = json.loads(store.one("SELECT data FROM pkg_doc")["data"])
        assert all("/" not in r["url"] for r in stored["resources"])
        assert {e["value"] for e in stored["extras"] if e["key"] == "quality_report_url"} == {
            "/dataset/koto-toilets/quality"}
        assert store.one("PRAGMA user_version")[0] == 3
    finally:
        close_store(old)
    server = ServerProcess(old)
    try:
        pkg = ckanapi.RemoteCKAN(server.url).action.package_show(id="koto-toilets")
        for r in pkg["resources"]:
            assert urlsplit(r["url"]).netloc == urlsplit(server.url).netloc
            assert requests.get(r["url"], timeout=30).status_code == 200
    finally:
        server.stop()
