"""A real catalog server with one organization, a dataset and a DataStore table, attacked as the internet would."""
from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.store import close_store, users
from catalog.local import LocalCatalog
from tests.servers import ServerProcess

ROWS = 3000  # enough for a self-join to run for minutes


def populate(home) -> dict:
    users.ensure_user(home, "admin", sysadmin=True)
    catalog = LocalCatalog(home, user="admin", site_url="http://127.0.0.1")
    catalog.call_action("organization_create", {"name": "t131083", "title": "江東区"})
    catalog.call_action("package_create", {"name": "wards", "title": "区の人口", "owner_org": "t131083"})
    table = pa.table({"ward": [f"区{i}" for i in range(ROWS)], "population": list(range(ROWS))})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    buf.seek(0)
    resource = catalog.call_action("resource_create", {"package_id": "wards", "name": "wards.parquet",
                                                       "upload": ("wards.parquet", buf)})
    return {"resource_id": resource["id"], "token": users.create_token(home, "admin", "security")}


@pytest.fixture(scope="package")
def target(tmp_path_factory):
    """(server, facts): a running ``opendata serve`` in its own process over a populated home."""
    home = tmp_path_factory.mktemp("security") / "home"
    facts = populate(home)
    close_store(home)
    server = ServerProcess(home)
    yield server, facts
    server.stop()
