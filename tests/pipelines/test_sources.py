"""Source fetching against real servers on 127.0.0.1: file, http (conditional GET, retries, limits), ckan."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from pipelines.declarations import Dataset
from pipelines.read import http
from pipelines.read.http import FetchError
from pipelines.sources import fetch_source, fetch_url

BODY = "名称,緯度,経度\r\n猿江恩賜公園,35.68892,139.81843\r\n".encode("cp932")


class Site:
    """A tiny web server: static files with ETag/Last-Modified, failures on demand, and a fake CKAN API."""

    def __init__(self):
        self.files: dict[str, tuple[bytes, dict]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.fail: dict[str, list[int]] = {}
        self.packages: dict[str, dict] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                site.requests.append(("GET", self.path, dict(self.headers)))
                site.serve(self)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                site.requests.append(("POST", self.path, dict(self.headers)))
                site.ckan(self, json.loads(body or b"{}"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, h: BaseHTTPRequestHandler) -> None:
        path = urlparse(h.path).path
        if self.fail.get(path):
            status = self.fail[path].pop(0)
            if status == 0:                       # hang longer than the client's timeout
                time.sleep(1.5)
                status = 200
            h.send_response(status)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if path == "/loop":
            h.send_response(302)
            h.send_header("Location", "/loop")
            h.end_headers()
            return
        if path == "/moved":
            h.send_response(301)
            h.send_header("Location", "/data.csv")
            h.end_headers()
            return
        if path not in self.files:
            h.send_response(404)
            h.end_headers()
            return
        body, headers = self.files[path]
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("ETag", etag)
        h.send_header("Last-Modified", "Mon, 01 Apr 2024 00:00:00 GMT")
        for k, v in headers.items():
            h.send_header(k, v)
        if "Transfer-Encoding" not in headers:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def ckan(self, h: BaseHTTPRequestHandler, data: dict) -> None:
        pkg = self.packages.get(data.get("id"))
        if h.path.endswith("/package_show") and pkg:
            status, reply = 200, {"success": True, "result": pkg}
        else:
            status, reply = 404, {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}
        out = json.dumps(reply).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(out)))
        h.end_headers()
        h.wfile.write(out)

    def gets(self, path: str) -> list[dict]:
        return [hdr for method, p, hdr in self.requests if method == "GET" and urlparse(p).path == path]


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BACKOFF", 0.01)


def dataset(source: dict) -> Dataset:
    return Dataset.model_validate({"id": "src-test", "publisher": "t131083", "title": {"ja": "テスト"}, "source": source})


def index_rows(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "raw" / "index.sqlite") as con:
        return con.execute("SELECT source, sha256, etag, last_modified, not_modified FROM fetches ORDER BY id").fetchall()


def test_file_source_is_content_addressed_and_never_rewritten(tmp_path):
    root, home = tmp_path / "datasets", tmp_path / "home"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "a.csv").write_bytes(BODY)
    ds = dataset({"kind": "file", "path": "sources/a.csv"})
    first = fetch_source(ds, root, home)
    assert first.sha256 == hashlib.sha256(BODY).hexdigest() and first.path == home / "raw" / first.sha256
    assert first.path.read_bytes() == BODY and first.filename == "a.csv"
    mtime = first.path.stat().st_mtime_ns
    again = fetch_source(ds, root, home)
    assert again.sha256 == first.sha256 and first.path.stat().st_mtime_ns == mtime
    (root / "sources" / "a.csv").write_bytes(BODY + b"x,1,2\r\n")
    changed = fetch_source(ds, root, home)
    assert changed.sha256 != first.sha256 and first.path.read_bytes() == BODY
    assert [r[1] for r in index_rows(home)] == [first.sha256, first.sha256, changed.sha256]
    assert {p.name for p in (home / "raw").iterdir()} == {first.sha256, changed.sha256, "index.sqlite"}
    assert first.meta["fetched_at"] and first.meta["path"].endswith("a.csv")


def test_missing_file_source_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        fetch_source(dataset({"kind": "file", "path": "nope.csv"}), tmp_path, tmp_path / "home")


def test_http_conditional_get_does_not_download_an_unchanged_file(site, tmp_path):
    site.files["/data.csv"] = (BODY, {})
    ds = dataset({"kind": "http", "url": site.url + "/data.csv"})
    first = fetch_source(ds, tmp_path, tmp_path)
    assert first.path.read_bytes() == BODY and first.meta["etag"] and not first.meta["not_modified"]
    second = fetch_source(ds, tmp_path, tmp_path)
    assert second.sha256 == first.sha256 and second.meta["not_modified"] is True
    sent = site.gets("/data.csv")
    assert "If-None-Match" not in sent[0] and sent[1]["If-None-Match"] == first.meta["etag"]
    assert sent[1]["If-Modified-Since"] == "Mon, 01 Apr 2024 00:00:00 GMT"
    site.files["/data.csv"] = (BODY + b"x,1,2\r\n", {})
    third = fetch_source(ds, tmp_path, tmp_path)
    assert third.sha256 != first.sha256 and not third.meta["not_modified"]
    assert [r[4] for r in index_rows(tmp_path)] == [0, 1, 0]


def test_http_refetches_when_the_blob_is_gone(site, tmp_path):
    site.files["/data.csv"] = (BODY, {})
    first = fetch_url(site.url + "/data.csv", tmp_path)
    first.path.chmod(0o644)
    first.path.unlink()
    again = fetch_url(site.url + "/data.csv", tmp_path)
    assert again.path.read_bytes() == BODY and "If-None-Match" not in site.gets("/data.csv")[1]


def test_http_retries_server_errors_with_backoff_then_succeeds(site, tmp_path):
    site.files["/data.csv"] = (BODY, {})
    site.fail["/data.csv"] = [503, 502]
    got = fetch_url(site.url + "/data.csv", tmp_path)
    assert got.path.read_bytes() == BODY and len(site.gets("/data.csv")) == 3


def test_http_gives_up_after_bounded_retries(site, tmp_path):
    site.fail["/data.csv"] = [503] * 10
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_url(site.url + "/data.csv", tmp_path)
    assert len(site.gets("/data.csv")) == http.RETRIES + 1


def test_http_client_errors_are_not_retried(site, tmp_path):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url(site.url + "/missing.csv", tmp_path)
    assert len(site.gets("/missing.csv")) == 1


def test_http_timeout_is_retried_then_reported(site, tmp_path):
    site.files["/slow.csv"] = (BODY, {})
    site.fail["/slow.csv"] = [0, 0, 0, 0]
    with pytest.raises(FetchError, match="Timeout|timed out"):
        fetch_url(site.url + "/slow.csv", tmp_path, timeout=0.3)


def test_http_size_limit_with_and_without_content_length(site, tmp_path):
    site.files["/big.csv"] = (b"a\n" * 5000, {})
    with pytest.raises(FetchError, match="over the limit"):
        fetch_url(site.url + "/big.csv", tmp_path, max_bytes=1000)
    site.files["/chunked.csv"] = (b"a\n" * 5000, {"Transfer-Encoding": "identity", "Connection": "close"})
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch_url(site.url + "/chunked.csv", tmp_path, max_bytes=1000)
    assert [p.name for p in (tmp_path / "raw").iterdir()] == ["index.sqlite"]


def test_http_redirects_are_followed_but_limited(site, tmp_path):
    site.files["/data.csv"] = (BODY, {})
    got = fetch_url(site.url + "/moved", tmp_path)
    assert got.meta["final_url"].endswith("/data.csv") and got.filename == "data.csv"
    with pytest.raises(FetchError, match="redirects"):
        fetch_url(site.url + "/loop", tmp_path)


def test_http_filename_from_content_disposition(site, tmp_path):
    name = "131083_公衆トイレ.csv"
    site.files["/dl"] = (BODY, {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
    assert fetch_url(site.url + "/dl", tmp_path).filename == name


def test_ckan_source_finds_the_resource_by_name_or_id_and_downloads_it(site, tmp_path):
    site.files["/files/toilet.csv"] = (BODY, {})
    site.packages["koto-toilets"] = {"name": "koto-toilets", "resources": [
        {"id": "r-json", "name": "公衆トイレ一覧 JSON", "url": site.url + "/files/none.json", "format": "JSON"},
        {"id": "r-csv", "name": "公衆トイレ一覧 CSV", "url": site.url + "/files/toilet.csv", "format": "CSV"},
    ]}
    by_name = fetch_source(dataset({"kind": "ckan", "url": site.url, "dataset": "koto-toilets",
                                    "resource": "公衆トイレ一覧 CSV"}), tmp_path, tmp_path)
    assert by_name.path.read_bytes() == BODY and by_name.meta["ckan_resource_id"] == "r-csv"
    by_id = fetch_source(dataset({"kind": "ckan", "url": site.url, "dataset": "koto-toilets", "resource": "r-csv"}),
                         tmp_path, tmp_path)
    assert by_id.sha256 == by_name.sha256 and by_id.meta["not_modified"] is True
    assert any(m == "POST" and p.endswith("/action/package_show") for m, p, _ in site.requests)


def test_ckan_missing_dataset_or_resource_is_a_clear_error(site, tmp_path):
    site.packages["koto-toilets"] = {"name": "koto-toilets", "resources": [{"id": "r1", "name": "CSV", "url": "x"}]}
    with pytest.raises(FetchError, match="no resource 'PDF'.*'CSV'"):
        fetch_source(dataset({"kind": "ckan", "url": site.url, "dataset": "koto-toilets", "resource": "PDF"}),
                     tmp_path, tmp_path)
    with pytest.raises(FetchError, match="dataset 'nope' not found"):
        fetch_source(dataset({"kind": "ckan", "url": site.url, "dataset": "nope", "resource": "CSV"}), tmp_path, tmp_path)
