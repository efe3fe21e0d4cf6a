"""Compatibility with real CKAN clients against a real server: uvicorn on 127.0.0.1, driven by
``ckanapi.RemoteCKAN``, the ``ckanapi`` command line, and ckanext-harvest's CKANHarvester request sequence."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest
import requests

from catalog.store import users
from catalog.local import LocalCatalog
from tests.servers import catalog_server, free_port

CKANAPI_CLI = str(Path(sys.executable).with_name("ckanapi"))
N_PUBLIC = 230  # more than two harvester pages of 100


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running catalog with organizations, public, private and deleted datasets; yields (url, token, home)."""
    home = tmp_path_factory.mktemp("compat") / "home"
    url = f"http://127.0.0.1:{free_port()}"
    _populate(home, url)
    token = users.create_token(home, "admin", "compat")
    with catalog_server(home, url):
        yield url, token, home


def _populate(home: Path, url: str) -> None:
    users.ensure_user(home, "admin", sysadmin=True)
    cat = LocalCatalog(home, user="admin", site_url=url)
    for org, title in (("t131083", "江東区"), ("t131016", "千代田区"), ("t000029", "総務局")):
        cat.call_action("organization_create", {"name": org, "title": title})
    orgs = ["t131083", "t131016", "t000029"]
    for i in range(N_PUBLIC):
        cat.call_action("package_create", {"name": f"ds-{i:03d}", "title": f"東京都の人口統計 その{i}",
                                           "owner_org": orgs[i % 3], "tags": [{"name": "人口"}]})
    cat.call_action("package_create", {"name": "secret", "title": "庁内の人口", "owner_org": "t131083",
                                       "private": True})
    cat.call_action("package_create", {"name": "gone", "title": "削除済み", "owner_org": "t131083"})
    cat.call_action("package_delete", {"id": "gone"})


def test_remote_ckan_reads(server):
    url, _, _ = server
    ckan = ckanapi.RemoteCKAN(url)
    found = ckan.action.package_search(q="人口", fq="organization:t131083", rows=5,
                                       **{"facet.field": '["organization","tags"]'})
    assert found["count"] == 77 and len(found["results"]) == 5
    assert found["facets"]["organization"] == {"t131083": 77}
    shown = ckan.action.package_show(id="ds-000")
    assert shown["organization"]["title"] == "江東区"
    assert ckan.action.organization_list() == ["t131016", "t131083", "t000029"]  # by title: 千代田区, 江東区, 総務局
    assert ckan.call_action("status_show")["site_url"] == url
    get_only = ckanapi.RemoteCKAN(url, get_only=True)
    assert get_only.action.package_search(fq_list=["tags:人口", "organization:t000029"])["count"] == 76


def test_remote_ckan_errors_become_ckanapi_exceptions(server):
    url, token, _ = server
    anonymous = ckanapi.RemoteCKAN(url)
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="nope")
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_show(id="secret")
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_create(name="x-anon", owner_org="t131083")
    with pytest.raises(ckanapi.SearchQueryError):
        anonymous.action.package_search(foo="bar")
    admin = ckanapi.RemoteCKAN(url, apikey=token)
    with pytest.raises(ckanapi.ValidationError) as exc:
        admin.action.package_create(name="ds-000", owner_org="t131083")
    assert exc.value.error_dict["name"] == ["That URL is already in use."]


def test_remote_ckan_writes_and_multipart_upload(server, tmp_path):
    url, token, _ = server
    admin = ckanapi.RemoteCKAN(url, apikey=token)
    pkg = admin.action.package_create(name="koto-toilets", title="公衆トイレ一覧", owner_org="t131083",
                                      extras=[{"key": "quality_status", "value": "valid"}])
    csv = tmp_path / "公衆トイレ.csv"
    csv.write_bytes("名称\n公衆トイレ\n".encode("utf-8-sig"))
    with csv.open("rb") as f:
        res = admin.action.resource_create(package_id=pkg["id"], name="CSV", format="CSV", upload=f)
    assert res["url_type"] == "upload" and res["size"] == csv.stat().st_size and res["datastore_active"] is True
    download = requests.get(res["url"], timeout=10)
    assert download.content == csv.read_bytes()
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    patched = admin.action.package_patch(id="koto-toilets", notes="更新")
    assert patched["notes"] == "更新" and patched["num_resources"] == 1
    assert ckanapi.RemoteCKAN(url).action.package_search(q="トイレ")["count"] == 1
    views = ckanapi.RemoteCKAN(url).action.resource_view_list(id=res["id"], limit=0)   # what dump sends
    assert [(v["view_type"], v["resource_id"], v["package_id"]) for v in views] == [
        ("datatables_view", res["id"], pkg["id"])]
    assert views == admin.action.resource_view_list(id=res["id"])                        # stable ids
    with pytest.raises(ckanapi.NotFound):
        admin.action.resource_view_list(id="no-such-resource")
    admin.action.package_delete(id="koto-toilets")


def test_ckanapi_command_line(server, tmp_path):
    url, _, _ = server
    out = subprocess.run([CKANAPI_CLI, "action", "package_search", "-r", url, "q=人口", "rows=2", "-j"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out)["count"] == N_PUBLIC
    lines = subprocess.run([CKANAPI_CLI, "search", "datasets", "-r", url, "q=その1"],
                           capture_output=True, text=True, timeout=120, check=True).stdout.splitlines()
    names = sorted(json.loads(line)["name"] for line in lines)
    assert names == sorted(f"ds-{i:03d}" for i in range(N_PUBLIC) if "その1" in f"その{i}")
    dump = tmp_path / "dump.jsonl"
    # dump starts its workers as `ckanapi` from PATH
    env = {**os.environ, "PATH": f"{Path(CKANAPI_CLI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([CKANAPI_CLI, "dump", "datasets", "--all", "-r", url, "-O", str(dump), "-q"],
                   capture_output=True, text=True, timeout=300, check=True, env=env)
    dumped = [json.loads(line) for line in dump.read_text().splitlines()]
    assert len(dumped) == N_PUBLIC and {d["name"] for d in dumped} == {f"ds-{i:03d}" for i in range(N_PUBLIC)}


def test_ckanapi_dump_users_lists_every_user_without_emails(server, tmp_path):
    url, _, home = server
    users.ensure_user(home, "steward-koto")
    dump = tmp_path / "users.jsonl"
    env = {**os.environ, "PATH": f"{Path(CKANAPI_CLI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([CKANAPI_CLI, "dump", "users", "--all", "-r", url, "-O", str(dump), "-q"],
                   capture_output=True, text=True, timeout=120, check=True, env=env)
    dumped = {u["name"]: u for u in map(json.loads, dump.read_text().splitlines())}
    assert {"admin", "steward-koto"} <= set(dumped)
    assert dumped["admin"]["sysadmin"] is True and dumped["admin"]["number_created_packages"] == N_PUBLIC  # public, active
    assert all("email" not in u for u in dumped.values())  # anonymous callers never see addresses


def test_ckan_harvester_gather_sequence(server):
    """What CKANHarvester does: GET package_search with fq, sort=id asc, rows=100, start += 100 until an empty page."""
    url, _, home = server
    cut = LocalCatalog(home, user="admin", site_url=url).call_action("package_show", {"id": "ds-100"})
    since = f"{cut['metadata_modified']}Z"
    for fq, expected in [
        (None, {f"ds-{i:03d}" for i in range(N_PUBLIC)}),
        (f"organization:t131083 OR organization:t131016 metadata_modified:[{since} TO *]",
         {f"ds-{i:03d}" for i in range(100, N_PUBLIC) if i % 3 != 2}),
        ("-organization:t000029", {f"ds-{i:03d}" for i in range(N_PUBLIC) if i % 3 != 2}),
    ]:
        seen, start = [], 0
        while True:
            params = {"rows": 100, "start": start, "sort": "id asc", **({"fq": fq} if fq else {})}
            page = requests.get(f"{url}/api/3/action/package_search", params=params, timeout=30).json()
            results = page["result"]["results"]
            if not results:
                break
            seen += results
            start += 100
        ids = [p["id"] for p in seen]
        assert len(ids) == len(set(ids)), "a dataset was returned twice"
        assert ids == sorted(ids)
        assert {p["name"] for p in seen} == expected
        assert all(p["metadata_modified"].count(".") == 1 and not p["metadata_modified"].endswith("Z")
                   for p in seen)
        assert all({"organization", "groups", "tags", "extras", "resources"} <= set(p) for p in seen)
