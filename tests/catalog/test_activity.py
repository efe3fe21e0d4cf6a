"""Activity streams as CKAN 2.11's activity plugin: recorded on every dataset/resource/organization change,
listed newest first with offset/limit/types filters, private ones only for members."""
from __future__ import annotations

import io

import pytest

from catalog.errors import NotAuthorized, ValidationError
from catalog.store.files import Upload
from tests.catalog import helpers

KEYS = {"id", "timestamp", "user_id", "object_id", "revision_id", "activity_type", "data", "permission_labels"}


@pytest.fixture
def org(catalog):
    return catalog.call_action("organization_create", {"name": "t131083", "title": "江東区"})


def test_package_stream_records_create_update_resources_delete(home, catalog, admin, org):
    catalog.call_action("group_create", {"name": "c006", "title": "生活"})
    pkg = catalog.call_action("package_create", {"name": "koto-aed", "owner_org": "t131083", "title": "AED",
                                                 "groups": [{"name": "c006"}]})
    catalog.call_action("package_patch", {"id": "koto-aed", "title": "AED設置箇所"})
    res = catalog.call_action("resource_create", {"package_id": "koto-aed", "name": "aed.csv",
                                                  "upload": Upload("aed.csv", io.BytesIO(b"a,b\n1,2\n"))})
    catalog.call_action("resource_delete", {"id": res["id"]})
    catalog.call_action("package_delete", {"id": "koto-aed"})
    stream = catalog.call_action("package_activity_list", {"id": "koto-aed"})
    assert [a["activity_type"] for a in stream] == ["deleted package", "changed package", "changed package",
                                                    "changed package", "new package"]
    first = stream[-1]
    assert set(first) == KEYS
    assert first["object_id"] == pkg["id"] and first["user_id"] == catalog.call_action("user_show", {"id": "admin"})["id"]
    assert first["data"]["actor"] == "admin" and first["data"]["package"]["title"] == "AED"
    assert first["permission_labels"] == ["public"]
    assert stream[3]["data"]["package"]["title"] == "AED設置箇所"
    # the upload's URL is built for the address the answer is for, as package_show does
    url = stream[2]["data"]["package"]["resources"][0]["url"]
    assert url.startswith(helpers.SITE + "/dataset/") and url.endswith("/aed.csv")
    # timestamps in CKAN's format, newest first
    assert stream[0]["timestamp"] >= stream[-1]["timestamp"] and len(stream[0]["timestamp"]) == 26
    # offset / limit / types
    assert [a["id"] for a in catalog.call_action("package_activity_list", {"id": pkg["id"], "offset": 1, "limit": 2})] \
        == [a["id"] for a in stream[1:3]]
    only_new = catalog.call_action("package_activity_list", {"id": "koto-aed", "activity_types": ["new package"]})
    assert [a["activity_type"] for a in only_new] == ["new package"]
    no_changes = catalog.call_action("package_activity_list", {"id": "koto-aed",
                                                               "exclude_activity_types": ["changed package"]})
    assert [a["activity_type"] for a in no_changes] == ["deleted package", "new package"]
    with pytest.raises(ValidationError):
        catalog.call_action("package_activity_list", {"id": "koto-aed", "activity_types": ["new package"],
                                                      "exclude_activity_types": ["changed package"]})
    with pytest.raises(ValidationError):
        catalog.call_action("package_activity_list", {"id": "koto-aed", "limit": "x"})
    # the organization's stream has its own creation and its datasets'; the group's has the datasets'
    org_stream = catalog.call_action("organization_activity_list", {"id": "t131083"})
    assert [a["activity_type"] for a in org_stream][-1] == "new organization"
    assert org_stream[-1]["data"]["organization"]["name"] == "t131083"
    assert len(org_stream) == 6
    assert len(catalog.call_action("group_activity_list", {"id": "c006"})) == 6   # 5 + "new group"
    recent = catalog.call_action("recently_changed_packages_activity_list", {"limit": 3})
    assert [a["id"] for a in recent] == [a["id"] for a in stream[:3]]
    # purge removes the dataset's activities
    catalog.call_action("dataset_purge", {"id": pkg["id"]})
    assert catalog.call_action("recently_changed_packages_activity_list", {}) == []


def test_private_activity_only_for_members(home, catalog, org):
    member = helpers.person(home, org="t131083", role="member")
    outsider = helpers.person(home)
    catalog.call_action("package_create", {"name": "internal", "owner_org": "t131083", "private": True})
    catalog.call_action("package_create", {"name": "open", "owner_org": "t131083"})
    assert [a["data"]["package"]["name"] for a in
            outsider.catalog.call_action("recently_changed_packages_activity_list", {})] == ["open"]
    assert len(outsider.catalog.call_action("organization_activity_list", {"id": "t131083"})) == 2
    with pytest.raises(NotAuthorized):
        outsider.catalog.call_action("package_activity_list", {"id": "internal"})
    seen = member.catalog.call_action("recently_changed_packages_activity_list", {})
    assert [a["data"]["package"]["name"] for a in seen] == ["open", "internal"]
    assert seen[1]["permission_labels"] == [f"member-{org['id']}"]


def test_limit_is_capped_and_http_get_works(client, catalog, org):
    for i in range(3):
        catalog.call_action("package_create", {"name": f"ds-{i}", "owner_org": "t131083"})
    r = client.get("/api/3/action/recently_changed_packages_activity_list?limit=1000")
    assert r.status_code == 200 and len(r.json()["result"]) == 3
    r = client.get("/api/3/action/package_activity_list?id=ds-0&activity_types=new+package")
    assert [a["activity_type"] for a in r.json()["result"]] == ["new package"]
    assert client.get("/api/3/action/package_activity_list?id=nope").status_code == 404


def test_api_token_list(home, catalog):
    me = helpers.person(home, name="steward")
    other = helpers.person(home)
    tokens = me.catalog.call_action("api_token_list", {"user_id": "steward"})
    assert [set(t) for t in tokens] == [{"id", "name", "user_id", "created_at", "last_access"}]
    assert "token" not in tokens[0]
    with pytest.raises(NotAuthorized):
        other.catalog.call_action("api_token_list", {"user_id": "steward"})
    assert len(catalog.call_action("api_token_list", {"user": "steward"})) == 1
