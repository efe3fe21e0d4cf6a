"""Who may do what: anonymous, an outsider, member/editor/admin of the owning organization, sysadmin.

Private (庁内限定) datasets must be invisible to anyone without a role in their organization: in show, lists,
search counts and facets, resources and downloads.
"""
from __future__ import annotations

import io

import pytest

from catalog.errors import NotAuthorized
from tests.catalog import helpers

ROLES = ["anonymous", "outsider", "member", "editor", "admin", "sysadmin"]


@pytest.fixture
def world(home, catalog):
    """Organization ``tokyo`` with one public and one private dataset; one client per role."""
    org = helpers.org(catalog, name="tokyo")
    helpers.org(catalog, name="other")
    public = helpers.dataset(catalog, org, name="public-ds", title="公開データ", tags=[{"name": "公開"}],
                             resources=[{"url": "http://example.com/p.csv", "format": "CSV"}])
    private = helpers.dataset(catalog, org, name="private-ds", title="庁内データ", private=True,
                              tags=[{"name": "秘密"}], resources=[{"url": "http://example.com/s.xlsx",
                                                                  "format": "XLSX"}])
    res = catalog.call_action("resource_create", {"package_id": "private-ds", "format": "CSV",
                                                  "upload": ("secret.csv", io.BytesIO(b"a\n1\n"))})
    people = {
        "anonymous": None,
        "outsider": helpers.person(home, org="other", role="admin"),
        "member": helpers.person(home, org="tokyo", role="member"),
        "editor": helpers.person(home, org="tokyo", role="editor"),
        "admin": helpers.person(home, org="tokyo", role="admin"),
        "sysadmin": helpers.person(home, sysadmin=True),
    }
    return {"public": public, "private": private, "upload": res, "people": people}


def client_of(world, home, role):
    p = world["people"][role]
    return p.catalog if p else helpers.Anonymous(home)


CAN_READ_PRIVATE = {"anonymous": False, "outsider": False, "member": True, "editor": True, "admin": True,
                    "sysadmin": True}


@pytest.mark.parametrize("role", ROLES)
def test_private_dataset_show(world, home, role):
    cat = client_of(world, home, role)
    if CAN_READ_PRIVATE[role]:
        assert cat.call_action("package_show", {"id": "private-ds"})["private"] is True
        assert cat.call_action("resource_show", {"id": world["upload"]["id"]})["id"] == world["upload"]["id"]
    else:
        with pytest.raises(NotAuthorized, match="not authorized to read package"):
            cat.call_action("package_show", {"id": "private-ds"})
        with pytest.raises(NotAuthorized):
            cat.call_action("resource_show", {"id": world["upload"]["id"]})
    assert cat.call_action("package_show", {"id": "public-ds"})["name"] == "public-ds"


@pytest.mark.parametrize("role", ROLES)
def test_private_dataset_in_search_counts_and_facets(world, home, role):
    cat = client_of(world, home, role)
    found = cat.call_action("package_search", {"include_private": True,
                                               "facet.field": '["organization", "tags", "res_format"]'})
    visible = CAN_READ_PRIVATE[role]
    assert found["count"] == (2 if visible else 1)
    assert sorted(p["name"] for p in found["results"]) == (["private-ds", "public-ds"] if visible else ["public-ds"])
    assert found["facets"]["organization"] == {"tokyo": 2 if visible else 1}
    assert ("秘密" in found["facets"]["tags"]) is visible
    assert ("XLSX" in found["facets"]["res_format"]) is visible
    assert cat.call_action("package_search", {"q": "庁内"})["count"] == 0  # without include_private: as CKAN
    assert cat.call_action("package_list") == ["public-ds"]  # package_list lists public datasets only
    counts = cat.call_action("organization_show", {"id": "tokyo"})["package_count"]
    assert counts == (2 if visible else 1)


WRITERS = {"anonymous": False, "outsider": False, "member": False, "editor": True, "admin": True, "sysadmin": True}


@pytest.mark.parametrize("role", ROLES)
def test_dataset_writes_need_editor(world, home, role):
    cat = client_of(world, home, role)
    calls = [("package_create", {"name": f"new-{role}", "owner_org": "tokyo"}),
             ("package_patch", {"id": "public-ds", "notes": role}),
             ("resource_create", {"package_id": "public-ds", "url": "http://example.com/x.csv"}),
             ("resource_patch", {"id": world["public"]["resources"][0]["id"], "name": role}),
             ("package_delete", {"id": "public-ds"})]
    for action, data in calls:
        if WRITERS[role]:
            cat.call_action(action, data)
        else:
            with pytest.raises(NotAuthorized):
                cat.call_action(action, data)


@pytest.mark.parametrize("role", ROLES)
def test_membership_and_organization_admin(world, home, role):
    cat = client_of(world, home, role)
    newcomer = helpers.person(home)
    may_manage = role in ("admin", "sysadmin")
    for action, data in [("organization_member_create", {"id": "tokyo", "username": newcomer.name, "role": "member"}),
                         ("organization_patch", {"id": "tokyo", "description": role})]:
        if may_manage:
            cat.call_action(action, data)
        else:
            with pytest.raises(NotAuthorized):
                cat.call_action(action, data)
    if role == "sysadmin":
        cat.call_action("organization_create", {"name": "new-org"})
    else:
        with pytest.raises(NotAuthorized, match="not authorized to create organizations"):
            cat.call_action("organization_create", {"name": "new-org"})


def test_editor_cannot_move_a_dataset_to_an_organization_they_do_not_edit(world, home):
    editor = world["people"]["editor"].catalog
    with pytest.raises(NotAuthorized):
        editor.call_action("package_patch", {"id": "public-ds", "owner_org": "other"})


def test_private_download_is_forbidden_for_outsiders(world, client):
    path = world["upload"]["url"].removeprefix(helpers.SITE)
    assert client.get(path).status_code == 403
    outsider = world["people"]["outsider"]
    assert client.get(path, headers=outsider.headers).status_code == 403
    member = world["people"]["member"]
    r = client.get(path, headers=member.headers)
    assert (r.status_code, r.content) == (200, b"a\n1\n")


def test_every_action_checks_its_auth_function(home, catalog):
    """The registry wrapper runs the auth function: a denying auth function blocks the action."""
    from catalog import actions
    from catalog.actions import registered

    entry = registered("status_show")
    assert entry.auth is not None
    anonymous = helpers.Anonymous(home)
    original = entry.auth
    object.__setattr__(entry, "auth", lambda context, data: {"success": False, "msg": "nope"})
    try:
        with pytest.raises(NotAuthorized, match="nope"):
            anonymous.call_action("status_show")
    finally:
        object.__setattr__(entry, "auth", original)
    assert actions.get_action("status_show")
