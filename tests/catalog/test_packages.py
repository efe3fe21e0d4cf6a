"""Dataset and resource actions: validation, update-replaces vs patch-merges, soft delete, uploads."""
from __future__ import annotations

import io
import re

import pytest

from catalog.errors import NotFound, ValidationError
from tests.catalog import helpers

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")  # naive UTC, microseconds, no Z


@pytest.fixture
def org(catalog):
    return helpers.org(catalog, name="tokyo-somu", title="東京都総務局")


@pytest.fixture
def pkg(catalog, org):
    helpers.group(catalog, name="population", title="人口")
    return catalog.call_action("package_create", {
        "name": "test-ds", "title": "テスト人口統計", "owner_org": "tokyo-somu", "notes": "東京都の人口",
        "license_id": "cc-by", "tags": [{"name": "人口"}, {"name": "census"}], "groups": [{"name": "population"}],
        "extras": [{"key": "spatial_ref", "value": "JP-13"}],
        "resources": [{"url": "http://example.com/a.csv", "format": "CSV", "name": "a", "description": "d"}]})


def test_package_create_returns_the_ckan_package_dict(pkg, org, admin):
    assert pkg["name"] == "test-ds" and pkg["owner_org"] == org["id"]
    assert pkg["organization"]["name"] == "tokyo-somu" and pkg["organization"]["is_organization"] is True
    assert (pkg["num_resources"], pkg["num_tags"]) == (1, 2)
    assert [t["name"] for t in pkg["tags"]] == ["census", "人口"]
    assert pkg["extras"] == [{"key": "spatial_ref", "value": "JP-13"}]
    assert pkg["groups"][0]["display_name"] == "人口"
    assert (pkg["isopen"], pkg["license_title"]) == (True, "Creative Commons Attribution")
    assert TS.match(pkg["metadata_created"]) and TS.match(pkg["metadata_modified"])
    res = pkg["resources"][0]
    assert (res["position"], res["url_type"], res["size"], res["datastore_active"]) == (0, None, None, False)
    assert res["package_id"] == pkg["id"] and TS.match(res["created"])


def test_tokyo_licence_fields(catalog, org):
    pkg = helpers.dataset(catalog, org, license_id="CC-BY-4.0")
    assert pkg["license_title"] == "クリエイティブ・コモンズ 表示（CC BY）"
    assert pkg["license_url"] == "https://creativecommons.org/licenses/by/4.0/deed.ja"
    assert pkg["isopen"] is True
    no_licence = helpers.dataset(catalog, org)
    assert no_licence["license_title"] is None and "license_url" not in no_licence


@pytest.mark.parametrize("fields, errors", [
    ({"name": "Bad Name"}, {"name": ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"]}),
    ({"name": "ok-name", "owner_org": ""}, {"owner_org": ["An organization must be provided"]}),
    ({"name": "ok-name", "owner_org": "nope"}, {"owner_org": ["Organization does not exist"]}),
    ({"name": "ok-name", "tags": [{"name": "x"}]}, {"tags": [{"name": ['Tag "x" length is less than minimum 2']}]}),
    ({"name": "ok-name", "extras": [{"key": "title", "value": "t"}]},
     {"extras": ["There is a schema field with the same name: title"]}),
    ({"name": "ok-name", "groups": [{"name": "nope"}]}, {"groups": ['Group "nope" does not exist']}),
])
def test_package_validation_errors(catalog, org, fields, errors):
    with pytest.raises(ValidationError) as exc:
        catalog.call_action("package_create", {"owner_org": "tokyo-somu", **fields})
    assert exc.value.error_dict == errors
    assert catalog.call_action("package_list") == []  # nothing half-written


def test_package_update_replaces_but_keeps_resources_when_absent(catalog, pkg):
    updated = catalog.call_action("package_update", {"id": "test-ds", "title": "テスト人口統計 v2"})
    assert updated["title"] == "テスト人口統計 v2"
    assert (updated["tags"], updated["extras"], updated["groups"], updated["license_id"], updated["notes"]) == \
        ([], [], [], None, None)
    assert [r["id"] for r in updated["resources"]] == [r["id"] for r in pkg["resources"]]
    assert updated["metadata_created"] == pkg["metadata_created"]
    assert updated["metadata_modified"] > pkg["metadata_modified"]
    emptied = catalog.call_action("package_update", {"id": "test-ds", "resources": []})
    assert emptied["resources"] == [] and emptied["num_resources"] == 0


def test_package_patch_merges(catalog, pkg):
    patched = catalog.call_action("package_patch", {"id": "test-ds", "version": "1.1"})
    assert patched["version"] == "1.1"
    for key in ("title", "notes", "license_id", "extras", "tags", "groups", "owner_org", "metadata_created"):
        assert patched[key] == pkg[key], key
    assert patched["resources"][0]["id"] == pkg["resources"][0]["id"]
    assert patched["resources"][0]["created"] == pkg["resources"][0]["created"]
    retagged = catalog.call_action("package_patch", {"id": "test-ds", "tags": [{"name": "統計"}]})
    assert [t["name"] for t in retagged["tags"]] == ["統計"]  # a list sent replaces the list


def test_package_delete_is_soft(catalog, pkg, home):
    assert catalog.call_action("package_delete", {"id": "test-ds"}) is None
    assert catalog.call_action("package_list") == []
    assert catalog.call_action("package_search", {"q": "人口"})["count"] == 0
    assert catalog.call_action("package_show", {"id": "test-ds"})["state"] == "deleted"  # sysadmin still sees it


def test_sysadmin_may_choose_the_id_as_harvesters_do(catalog, org):
    pkg = helpers.dataset(catalog, org, id="0b6f1f0e-1111-4222-8333-444455556666")
    assert pkg["id"] == "0b6f1f0e-1111-4222-8333-444455556666"


def test_resource_create_with_upload(catalog, pkg):
    res = catalog.call_action("resource_create", {"package_id": "test-ds", "name": "upload.csv", "format": "CSV",
                                                  "upload": ("upload.csv", io.BytesIO(b"a,b\n1,2\n3,4\n"))})
    assert res["url"] == f"{helpers.SITE}/dataset/{pkg['id']}/resource/{res['id']}/download/upload.csv"
    assert (res["url_type"], res["size"], res["mimetype"], res["hash"]) == ("upload", 12, "text/csv", "")
    assert res["datastore_active"] is True and res["position"] == 1 and TS.match(res["last_modified"])
    shown = catalog.call_action("package_show", {"id": "test-ds"})
    assert shown["num_resources"] == 2 and shown["metadata_modified"] > pkg["metadata_modified"]


def test_upload_file_lands_under_files_with_a_japanese_name(catalog, pkg, home):
    res = catalog.call_action("resource_create", {"package_id": "test-ds",
                                                  "upload": ("公衆トイレ.parquet", io.BytesIO(b"PAR1"))})
    path = home / "catalog" / "files" / res["id"] / "公衆トイレ.parquet"
    assert path.read_bytes() == b"PAR1"
    assert (res["format"], res["name"], res["datastore_active"]) == ("Parquet", "公衆トイレ.parquet", True)
    assert res["mimetype"] == "application/vnd.apache.parquet"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]  # temp file renamed away


def test_resource_update_replaces_file_and_patch_merges(catalog, pkg, home):
    res = catalog.call_action("resource_create", {"package_id": "test-ds", "format": "CSV",
                                                  "upload": ("a.csv", io.BytesIO(b"a\n1\n"))})
    updated = catalog.call_action("resource_update", {"id": res["id"], "format": "CSV", "name": "new",
                                                      "upload": ("b.csv", io.BytesIO(b"a\n1\n2\n"))})
    assert updated["url"].endswith("/download/b.csv") and updated["size"] == 6 and updated["created"] == res["created"]
    assert [p.name for p in (home / "catalog" / "files" / res["id"]).iterdir()] == ["b.csv"]
    patched = catalog.call_action("resource_patch", {"id": res["id"], "description": "patched"})
    assert (patched["description"], patched["name"], patched["url"]) == ("patched", "new", updated["url"])
    replaced = catalog.call_action("resource_update", {"id": res["id"], "url": "http://example.com/c.csv"})
    assert (replaced["url_type"], replaced["name"], replaced["mimetype"]) == (None, None, "text/csv")


def test_resource_delete_renumbers_positions(catalog, pkg):
    second = catalog.call_action("resource_create", {"package_id": "test-ds", "url": "http://example.com/b.json"})
    assert second["format"] == "JSON" and second["mimetype"] == "application/json"
    catalog.call_action("resource_delete", {"id": pkg["resources"][0]["id"]})
    shown = catalog.call_action("package_show", {"id": "test-ds"})
    assert [(r["id"], r["position"]) for r in shown["resources"]] == [(second["id"], 0)]
    with pytest.raises(NotFound):
        catalog.call_action("resource_show", {"id": pkg["resources"][0]["id"]})


def test_show_and_list_ignore_unknown_parameters(catalog, pkg):
    # ckanapi dump sends these
    shown = catalog.call_action("package_show", {"id": "test-ds", "include_datasets": True, "include_users": False,
                                                 "include_password_hash": False})
    assert shown["id"] == pkg["id"]
    assert catalog.call_action("package_list", {"include_private": True, "include_drafts": False}) == ["test-ds"]


def test_package_list_paging_and_current_package_list(catalog, org):
    for name in ("b-ds", "a-ds", "c-ds"):
        helpers.dataset(catalog, org, name=name)
    assert catalog.call_action("package_list", {"limit": 2, "offset": 1}) == ["b-ds", "c-ds"]
    with pytest.raises(ValidationError) as exc:
        catalog.call_action("package_list", {"limit": -1})
    assert exc.value.error_dict == {"limit": ["Must be a natural number"]}
    current = catalog.call_action("current_package_list_with_resources", {"limit": 2})
    assert [p["name"] for p in current] == ["c-ds", "a-ds"]  # newest first
    assert "resources" in current[0]


def test_tag_list_and_licence_list(catalog, pkg):
    assert catalog.call_action("tag_list") == ["census", "人口"]
    assert catalog.call_action("tag_list", {"query": "人"}) == ["人口"]
    ids = [lic["id"] for lic in catalog.call_action("license_list")]
    assert {"cc-by", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0", "PDL-1.0"} <= set(ids)
    pdl = next(lic for lic in catalog.call_action("license_list") if lic["id"] == "PDL-1.0")
    assert pdl["title"] == "公共データ利用規約 第1.0版" and pdl["od_conformance"] == "approved"
