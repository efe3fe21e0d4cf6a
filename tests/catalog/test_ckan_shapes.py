"""Our results have the key sets and value types of real CKAN 2.11/2.12 responses (fixtures/ were captured from
PyPI ckan==2.11.6 and 2.12.0; see /work/shared/reference/ckan_fixtures/README.md)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.catalog import helpers

FIXTURES = Path(__file__).parent / "fixtures"
CKAN_211 = json.loads((FIXTURES / "ckan-2.11.6_core_actions.json").read_text())
CKAN_212 = json.loads((FIXTURES / "ckan-2.12.0_core_actions.json").read_text())
OUR_EXTRA_RESOURCE_KEYS = {"datastore_active"}  # CKAN adds it with the datastore plugin; we always have DataStore


def shape(value):
    """Keys and JSON types, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def result(label: str, fixtures=CKAN_211):
    return fixtures[label]["body"]["result"]


def without_extra_resource_keys(pkg: dict) -> dict:
    return {**pkg, "resources": [{k: v for k, v in r.items() if k not in OUR_EXTRA_RESOURCE_KEYS}
                                 for r in pkg["resources"]]}


@pytest.fixture
def world(catalog):
    """The objects the fixtures were captured with, created with the same requests."""
    helpers.org(catalog, name="tokyo-somu", title="東京都総務局", description="")
    for label in ("group_create", "package_create"):
        request = CKAN_211[label]["request"]
        catalog.call_action(request["action"], request["data"])
    request = CKAN_211["resource_create_upload"]["request"]
    upload = catalog.call_action("resource_create", {**request["data"],
                                                     "upload": ("upload.csv", io.BytesIO(b"a,b\n1,2\n3,45\n"))})
    return {"upload": upload}


def replay_updates(catalog) -> None:
    """The patch/update calls made before the fixture's package_search was captured."""
    catalog.call_action("package_patch", {"id": "test-ds", "version": "1.1"})
    first = catalog.call_action("package_show", {"id": "test-ds"})["resources"][0]["id"]
    for label in ("resource_update", "resource_patch"):
        catalog.call_action(label, {**CKAN_211[label]["request"]["data"], "id": first})


def test_package_dict_shape(catalog, world):
    ours = catalog.call_action("package_patch", {"id": "test-ds", "version": "1.1"})
    assert shape(without_extra_resource_keys(ours)) == shape(result("package_patch"))
    assert list(without_extra_resource_keys(ours)) == list(result("package_patch"))  # emitted key order too


def test_resource_dict_shape(catalog, world):
    theirs = result("resource_create_upload")
    ours = {k: v for k, v in world["upload"].items() if k not in OUR_EXTRA_RESOURCE_KEYS}
    assert shape(ours) == shape(theirs)
    assert world["upload"]["datastore_active"] is True
    url_resource = catalog.call_action("resource_show", {"id": catalog.call_action(
        "package_show", {"id": "test-ds"})["resources"][0]["id"]})
    assert shape({k: v for k, v in url_resource.items() if k != "datastore_active"}) == shape(result("resource_show"))


def test_package_update_shape_without_licence(catalog, world):
    ours = catalog.call_action("package_update", CKAN_211["package_update"]["request"]["data"])
    theirs = result("package_update")
    # CKAN 2.11 dropped the resources here; we keep them when "resources" is absent (as CKAN does since #8407)
    assert len(ours["resources"]) == 2 and theirs["resources"] == []
    assert shape({**ours, "resources": []}) == shape(theirs)
    assert "license_url" not in ours


def test_organization_shapes(catalog, world):
    replay_updates(catalog)
    shown = catalog.call_action("organization_show", {"id": "tokyo-somu", "include_datasets": "true"})
    theirs = result("organization_show")
    assert set(shown) == set(theirs)
    assert shape(shown["users"][0]) == shape(theirs["users"][0])
    assert shape(shown["packages"][0]) == shape(theirs["packages"][0])
    assert list(shown["packages"][0]) == list(theirs["packages"][0])
    listed = catalog.call_action("organization_list", {"all_fields": "true"})
    assert shape(listed) == shape(result("organization_list_all"))
    assert catalog.call_action("organization_list") == result("organization_list")
    created = catalog.call_action("group_show", {"id": "population"})
    assert set(created) == set(result("group_create"))


def test_organization_create_shape_matches_212(catalog):
    created = helpers.org(catalog, name="org-fake", title="東京都")
    theirs = result("org_create", CKAN_212)
    assert set(created) - {"tags"} == set(theirs)  # 2.11 also returns "tags" (see group_create)
    assert shape(created["users"]) == shape(theirs["users"])


def test_package_search_shape(catalog, world):
    replay_updates(catalog)
    request = CKAN_211["package_search"]["request"]["data"]
    ours = catalog.call_action("package_search", request)
    theirs = result("package_search")
    assert list(ours) == list(theirs)
    assert shape(without_extra_resource_keys(ours["results"][0])) == shape(theirs["results"][0])
    assert shape(ours["search_facets"]) == shape(theirs["search_facets"])
    assert ours["facets"].keys() == theirs["facets"].keys()
    assert ours["search_facets"]["tags"]["items"] == theirs["search_facets"]["tags"]["items"]
    assert ours["search_facets"]["organization"] == theirs["search_facets"]["organization"]
    fl = catalog.call_action("package_search", CKAN_211["package_search_fl"]["request"]["data"])
    assert shape(fl) == shape(result("package_search_fl"))
    assert fl["results"][0]["metadata_modified"].endswith("Z")


def test_other_read_shapes(catalog, world):
    replay_updates(catalog)
    assert catalog.call_action("tag_list") == result("tag_list")
    assert catalog.call_action("package_list") == result("package_list")
    assert catalog.call_action("group_list") == result("group_list")
    assert shape(catalog.call_action("status_show")) == shape(result("status_show"))
    licences = {lic["id"]: lic for lic in catalog.call_action("license_list")}
    for theirs in result("license_list"):
        assert licences[theirs["id"]] == theirs  # CKAN's defaults, field for field
    current = catalog.call_action("current_package_list_with_resources", {"limit": 1})
    assert shape([without_extra_resource_keys(p) for p in current]) == \
        shape(result("current_package_list_with_resources"))


def test_private_and_deleted_shapes(catalog, world):
    created = catalog.call_action("package_create", CKAN_211["package_create_private"]["request"]["data"])
    assert shape(created) == shape(result("package_create_private"))
    assert catalog.call_action("package_delete", {"id": "priv-ds"}) is result("package_delete")
    shown = catalog.call_action("package_show", {"id": "priv-ds"})
    assert shape(shown) == shape(result("package_show_deleted")) and shown["state"] == "deleted"
