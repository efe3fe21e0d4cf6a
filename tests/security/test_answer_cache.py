"""The per-worker answer cache (``catalog.web.cache``): anonymous GETs come from memory, and no write — through the
API, the DataStore files, another worker or another process — is ever hidden from the next request."""
from __future__ import annotations

import asyncio

import requests

from catalog.local import LocalCatalog
from catalog.store import close_store, users
from catalog.web.cache import AnswerCache
from tests.security.conftest import populate
from tests.servers import ServerProcess

SHOW = "/api/3/action/package_show?id=wards"


def _title(server, **headers) -> tuple[str, str]:
    r = requests.get(server.url + SHOW, headers=headers, timeout=30)
    assert r.status_code == 200
    return r.json()["result"]["title"], r.headers["x-cache"]


def test_repeated_anonymous_reads_are_hits_and_every_write_is_seen_at_once_by_every_worker(tmp_path):
    home = tmp_path / "home"
    facts = populate(home)
    close_store(home)
    server = ServerProcess(home, "--workers", "2")
    auth = {"Authorization": facts["token"]}
    try:
        caches = [_title(server)[1] for _ in range(20)]
        assert caches.count("hit") >= 10                       # two workers, each misses once
        for i in range(5):                                     # an API write, then reads landing on both workers
            r = requests.post(f"{server.url}/api/3/action/package_patch", headers=auth, timeout=30,
                              json={"id": "wards", "title": f"区の人口 {i}"})
            assert r.status_code == 200
            assert {_title(server)[0] for _ in range(8)} == {f"区の人口 {i}"}
        # a write by another process (the pipeline's LocalCatalog), not through this server
        LocalCatalog(home, user="admin", site_url="http://127.0.0.1").call_action(
            "package_patch", {"id": "wards", "title": "別プロセス"})
        assert {_title(server)[0] for _ in range(8)} == {"別プロセス"}
        # DataStore writes change Parquet files, not (only) SQLite rows
        rid, search = facts["resource_id"], f"{server.url}/api/3/action/datastore_search"
        before = requests.get(search, params={"resource_id": rid, "q": "新区"}, timeout=30).json()["result"]["total"]
        for _ in range(3):
            requests.get(search, params={"resource_id": rid, "q": "新区"}, timeout=30)
        r = requests.post(f"{server.url}/api/3/action/datastore_upsert", headers=auth, timeout=30,
                          json={"resource_id": rid, "method": "insert", "force": True,
                                "records": [{"ward": "新区", "population": 1}]})
        assert r.status_code == 200, r.text
        after = {requests.get(search, params={"resource_id": rid, "q": "新区"}, timeout=30).json()["result"]["total"]
                 for _ in range(8)}
        assert after == {before + 1}
    finally:
        server.stop()


def test_credentials_and_sessions_never_share_an_anonymous_answer(tmp_path):
    home = tmp_path / "home"
    facts = populate(home)
    LocalCatalog(home, user="admin", site_url="http://127.0.0.1").call_action(
        "package_patch", {"id": "wards", "private": True})
    close_store(home)
    server = ServerProcess(home)
    try:
        for _ in range(3):
            assert requests.get(server.url + SHOW, timeout=30).status_code == 403
            r = requests.get(server.url + SHOW, headers={"Authorization": facts["token"]}, timeout=30)
            assert r.status_code == 200 and "x-cache" not in r.headers
        page = requests.get(server.url + "/dataset/wards", headers={"Authorization": facts["token"]}, timeout=30)
        assert page.status_code == 200 and "x-cache" not in page.headers
        assert requests.get(server.url + "/dataset/wards", timeout=30).status_code in (403, 404)
        # the sign-in page sets a session cookie: never stored
        login = [requests.get(server.url + "/user/login", timeout=30) for _ in range(2)]
        assert all("x-cache" not in r.headers for r in login)
    finally:
        server.stop()


def test_links_follow_the_proxy_that_asked(tmp_path):
    home = tmp_path / "home"
    populate(home)
    close_store(home)
    server = ServerProcess(home, "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")
    try:
        def url_of(host: str | None) -> str:
            headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"} if host else {}
            pkg = requests.get(server.url + SHOW, headers=headers, timeout=30).json()["result"]
            return pkg["resources"][0]["url"]

        for _ in range(3):
            assert url_of("a.example.jp").startswith("https://a.example.jp/")
            assert url_of("b.example.jp").startswith("https://b.example.jp/")
            assert url_of(None).startswith(server.url + "/")
    finally:
        server.stop()


def test_memory_is_bounded_and_only_complete_200s_without_cookies_are_kept():
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["path"])
        status = 404 if scope["path"] == "/missing" else 200
        headers = [(b"set-cookie", b"s=1")] if scope["path"] == "/cookie" else []
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * (2000 if scope["path"] == "/big" else 100)})

    cache = AnswerCache(app, generation=lambda: (1, 1), max_entries=50, max_bytes=3000, max_body=1000)

    def get(path: str, **headers) -> None:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "scheme": "http",
                 "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}

        async def send(_message):
            pass

        asyncio.run(cache(scope, None, send))

    for i in range(500):
        get(f"/dataset/{i}")
    assert len(cache.entries) <= 50 and cache.bytes <= 3000
    for path in ("/missing", "/cookie", "/big", "/static/site.css"):
        calls.clear()
        get(path)
        get(path)
        assert calls == [path, path], path                     # never answered from memory
    calls.clear()
    get("/dataset/499")
    get("/dataset/499", authorization="token")
    get("/dataset/499", cookie="opendata_session=abc")
    assert calls == ["/dataset/499", "/dataset/499"]           # a hit, then two that bypass the cache
