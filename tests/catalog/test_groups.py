"""Organizations, groups and memberships."""
from __future__ import annotations

import pytest

from catalog.errors import NotFound, ValidationError
from tests.catalog import helpers


def test_organization_create_makes_the_creator_admin(catalog, admin):
    org = helpers.org(catalog, name="t131083", title="江東区", extras=[{"key": "code", "value": "131083"}])
    assert (org["name"], org["title"], org["display_name"], org["type"]) == ("t131083", "江東区", "江東区", "organization")
    assert org["users"][0]["name"] == admin.name and org["users"][0]["capacity"] == "admin"
    assert org["extras"] == [{"key": "code", "value": "131083"}] and org["package_count"] == 0
    with pytest.raises(ValidationError) as exc:
        helpers.org(catalog, name="t131083")
    assert exc.value.error_dict == {"name": ["Group name already exists in database"]}


def test_organization_list_sort_limit_offset_all_fields(catalog):
    b = helpers.org(catalog, name="b-org", title="あ")
    helpers.org(catalog, name="a-org", title="い")
    helpers.org(catalog, name="c-org", title="う")
    helpers.dataset(catalog, b)
    helpers.dataset(catalog, b)
    assert catalog.call_action("organization_list") == ["b-org", "a-org", "c-org"]  # by title
    assert catalog.call_action("organization_list", {"sort": "name asc"}) == ["a-org", "b-org", "c-org"]
    assert catalog.call_action("organization_list", {"sort": "name desc", "limit": 1, "offset": 1}) == ["b-org"]
    top = catalog.call_action("organization_list", {"all_fields": True, "sort": "package_count desc"})[0]
    assert (top["name"], top["package_count"]) == ("b-org", 2)
    assert catalog.call_action("group_list") == []


def test_organization_show_with_datasets(catalog):
    org = helpers.org(catalog, name="tokyo")
    ds = helpers.dataset(catalog, org)
    shown = catalog.call_action("organization_show", {"id": "tokyo", "include_datasets": True})
    assert shown["package_count"] == 1 and [p["name"] for p in shown["packages"]] == [ds["name"]]
    assert "resources" not in shown["packages"][0]
    with pytest.raises(NotFound):
        catalog.call_action("group_show", {"id": "tokyo"})  # an organization is not a group


def test_organization_update_replaces_and_patch_merges(catalog):
    org = helpers.org(catalog, name="tokyo", title="東京", description="説明")
    ds = helpers.dataset(catalog, org)
    updated = catalog.call_action("organization_update", {"id": "tokyo", "title": "東京都"})
    assert (updated["title"], updated["description"]) == ("東京都", "")
    patched = catalog.call_action("organization_patch", {"id": "tokyo", "description": "都庁"})
    assert (patched["title"], patched["description"]) == ("東京都", "都庁")
    assert catalog.call_action("package_show", {"id": ds["name"]})["organization"]["title"] == "東京都"
    assert catalog.call_action("package_search", {"q": "都庁"})["count"] == 0
    assert catalog.call_action("package_search", {"q": "東京都"})["count"] == 1  # re-indexed with the new title


def test_member_create_and_organization_list_for_user(catalog, home):
    helpers.org(catalog, name="org-a")
    helpers.org(catalog, name="org-b")
    editor = helpers.person(home)
    member = catalog.call_action("organization_member_create", {"id": "org-a", "username": editor.name,
                                                                "role": "editor"})
    assert (member["capacity"], member["table_name"]) == ("editor", "user")
    assert editor.catalog.call_action("organization_list_for_user") == []  # default permission: manage_group
    mine = editor.catalog.call_action("organization_list_for_user", {"permission": "create_dataset"})
    assert [(o["name"], o["capacity"]) for o in mine] == [("org-a", "editor")]
    assert len(catalog.call_action("organization_list_for_user")) == 2  # sysadmin: all
    with pytest.raises(ValidationError):
        catalog.call_action("organization_member_create", {"id": "org-a", "username": editor.name, "role": "boss"})
