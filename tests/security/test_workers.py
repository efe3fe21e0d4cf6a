"""``opendata serve --workers N``: several processes over one SQLite WAL store; concurrent writers lose nothing,
and answers are gzip-compressed for clients that accept it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from catalog.store import close_store
from tests.security.conftest import populate
from tests.servers import ServerProcess

WRITES = 40


def test_two_workers_share_the_store_and_lose_no_write(tmp_path):
    home = tmp_path / "home"
    facts = populate(home)
    close_store(home)
    server = ServerProcess(home, "--workers", "2")
    try:
        def create(i: int) -> int:
            return requests.post(f"{server.url}/api/3/action/package_create", timeout=60,
                                 headers={"Authorization": facts["token"]},
                                 json={"name": f"written-{i:03d}", "title": f"書き込み {i}", "owner_org": "t131083"}
                                 ).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(create, range(WRITES)))
        assert codes == [200] * WRITES
        names = requests.get(f"{server.url}/api/3/action/package_list", timeout=30).json()["result"]
        assert sorted(n for n in names if n.startswith("written-")) == [f"written-{i:03d}" for i in range(WRITES)]
    finally:
        server.stop()


def test_answers_are_gzipped_for_clients_that_accept_it(target):
    server, _ = target
    for path in ("/api/3/action/package_search?rows=100", "/", "/dataset/wards", "/catalog.ttl"):
        r = requests.get(server.url + path, headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
    r = requests.get(server.url + "/api/3/action/package_search", headers={"Accept-Encoding": "identity"},
                     timeout=30)
    assert "content-encoding" not in r.headers
