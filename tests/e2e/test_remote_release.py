"""Release goes through ``call_action`` only: the same pipeline publishes to a remote CKAN via ckanapi.RemoteCKAN
(here: our catalog served by a real uvicorn on 127.0.0.1, written to with an API token over HTTP)."""
from __future__ import annotations

import socket
import threading
import time

import ckanapi
import pytest
import uvicorn

from catalog.store import users
from catalog.app import create_app
from pipelines.resources import CatalogTarget
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER

pytestmark = pytest.mark.slow


def _serve(home, port):
    server = uvicorn.Server(uvicorn.Config(create_app(home, f"http://127.0.0.1:{port}"), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread


def test_pipeline_publishes_to_a_remote_ckan_with_a_token(ws, tmp_path):
    remote_home = tmp_path / "remote"
    users.ensure_user(remote_home, "harvest-bot", sysadmin=True)
    token = users.create_token(remote_home, "harvest-bot", "pipeline")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server, thread = _serve(remote_home, port)
    try:
        url = f"http://127.0.0.1:{port}"
        ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
        target = CatalogTarget(kind="remote", url=url, api_key=token)
        summary = ingest(ws.datasets, ws.home, catalog=target, progress=False)
        assert [(o.id, o.status) for o in summary.outcomes] == [("koto-toilets", "published")], summary
        pkg = ckanapi.RemoteCKAN(url).action.package_show(id="koto-toilets")
        assert pkg["organization"]["name"] == "t131083" and pkg["organization"]["title"] == "江東区"
        assert {r["format"] for r in pkg["resources"]} == {"CSV", "Parquet", "JSON", "GeoJSON"}
        assert all(r["url_type"] == "upload" and r["size"] > 0 for r in pkg["resources"])
        # without a token the same pipeline is refused by the remote catalog (403, not silently skipped)
        ws.add("koto-other", HEADER + GOOD_ROWS[0])
        denied = ingest(ws.datasets, ws.home, ["koto-other"], catalog=CatalogTarget(kind="remote", url=url),
                        progress=False)
        assert denied.outcomes[0].status == "failed" and "Authorization" in denied.outcomes[0].reason
    finally:
        server.should_exit = True
        thread.join(timeout=10)
