"""The remaining actions CKAN clients call: user_list / user_show, dataset_purge, package_resource_reorder, and
CKAN's errors for a sort without a direction and an unknown tag vocabulary."""
from __future__ import annotations

import io

import pytest

from catalog.errors import NotAuthorized, NotFound, SearchError, ValidationError
from catalog.store import open_store
from tests.catalog import helpers


@pytest.fixture
def toilets(catalog):
    helpers.org(catalog, name="t131083", title="江東区")
    pkg = helpers.dataset(catalog, "t131083", name="koto-toilets", title="公衆トイレ一覧")
    for name in ("a.csv", "b.json", "c.geojson"):
        catalog.call_action("resource_create", {"package_id": pkg["id"], "name": name,
                                                "upload": (name, io.BytesIO(b"x\n"))})
    return catalog.call_action("package_show", {"id": pkg["id"]})


def test_user_list_and_show_hide_emails_from_others(home, catalog, toilets):
    steward = helpers.person(home, org="t131083", role="editor", name="koto-steward")
    with open_store(home).transaction() as conn:
        conn.execute("UPDATE user SET email = 'steward@city.koto.lg.jp', fullname = '江東 太郎' WHERE name = ?",
                     ("koto-steward",))
    outsider = helpers.person(home, name="someone")
    listed = outsider.catalog.call_action("user_list", {})
    names = [u["name"] for u in listed]
    assert {"koto-steward", "someone"} <= set(names) and names == sorted(names)
    assert all("email" not in u for u in listed)
    assert outsider.catalog.call_action("user_list", {"q": "江東", "all_fields": False}) == ["koto-steward"]
    shown = outsider.catalog.call_action("user_show", {"id": "koto-steward"})
    assert shown["fullname"] == "江東 太郎" and shown["display_name"] == "江東 太郎" and "email" not in shown
    assert steward.catalog.call_action("user_show", {"id": "koto-steward"})["email"] == "steward@city.koto.lg.jp"
    assert catalog.call_action("user_show", {"id": "koto-steward"})["email"] == "steward@city.koto.lg.jp"  # sysadmin
    with pytest.raises(NotFound):
        outsider.catalog.call_action("user_show", {"id": "nobody"})


def test_dataset_purge_removes_record_search_rows_and_files(home, catalog, toilets):
    files = [home / "catalog" / "files" / r["id"] for r in toilets["resources"]]
    assert all(f.exists() for f in files)
    editor = helpers.person(home, org="t131083", role="admin")
    with pytest.raises(NotAuthorized):
        editor.catalog.call_action("dataset_purge", {"id": "koto-toilets"})
    assert catalog.call_action("dataset_purge", {"id": "koto-toilets"}) is None
    with pytest.raises(NotFound):
        catalog.call_action("package_show", {"id": toilets["id"]})
    assert catalog.call_action("package_search", {"q": "トイレ"})["count"] == 0
    assert not any(f.exists() for f in files)
    # the name is free again, as after a purge in CKAN
    assert helpers.dataset(catalog, "t131083", name="koto-toilets")["id"] != toilets["id"]


def test_package_resource_reorder(home, catalog, toilets):
    a, b, c = (r["id"] for r in toilets["resources"])
    assert catalog.call_action("package_resource_reorder", {"id": "koto-toilets", "order": [c, a]}) == {
        "id": toilets["id"], "order": [c, a, b]}
    shown = catalog.call_action("package_show", {"id": "koto-toilets"})["resources"]
    assert [(r["id"], r["position"]) for r in shown] == [(c, 0), (a, 1), (b, 2)]
    with pytest.raises(ValidationError):
        catalog.call_action("package_resource_reorder", {"id": "koto-toilets", "order": [a, "nope"]})
    with pytest.raises(ValidationError):
        catalog.call_action("package_resource_reorder", {"id": "koto-toilets", "order": a})
    with pytest.raises(NotAuthorized):
        helpers.person(home).catalog.call_action("package_resource_reorder", {"id": "koto-toilets", "order": [b]})


def test_sort_without_direction_and_unknown_vocabulary_answer_as_ckan(client, toilets):
    r = client.get("/api/3/action/package_search", params={"sort": "metadata_modified"})
    assert r.status_code == 409 and r.json()["error"]["__type"] == "Search Error"
    assert "Can't determine a Sort Order" in r.json()["error"]["message"]
    assert client.get("/api/3/action/package_search", params={"sort": "name asc"}).status_code == 200
    r = client.get("/api/3/action/tag_list", params={"vocabulary_id": "genre"})
    assert r.status_code == 404 and r.json()["error"]["message"] == "Not found: could not find vocabulary 'genre'"


def test_errors_are_typed(catalog, toilets):
    with pytest.raises(SearchError):
        catalog.call_action("package_search", {"sort": "name"})


def test_docs_ckan_actions_is_what_the_registry_says():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("ckan_actions", root / "docs" / "ckan_actions.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (root / "docs" / "ckan-actions.md").read_text("utf-8") == script.markdown(), \
        "run: .venv/bin/python docs/ckan_actions.py > docs/ckan-actions.md"
    implemented = {name for name, _, status in script.rows() if status == "yes"}
    assert {"user_list", "user_show", "dataset_purge", "package_resource_reorder", "package_search"} <= implemented


def test_autocomplete_actions(catalog, toilets):
    helpers.group(catalog, name="c006", title="生活")
    helpers.dataset(catalog, "t131083", name="koto-aed", title="AED設置箇所一覧", tags=[{"name": "AED"}])
    secret = helpers.dataset(catalog, "t131083", name="secret-toilets", title="庁内トイレ", private=True)
    assert catalog.call_action("package_autocomplete", {"q": "トイレ"}) == [
        {"name": "koto-toilets", "title": "公衆トイレ一覧", "match_field": "title",
         "match_displayed": "公衆トイレ一覧 (koto-toilets)"}]  # private datasets are not suggested
    assert secret["name"] not in [p["name"] for p in catalog.call_action("package_autocomplete", {"q": "secret"})]
    assert catalog.call_action("package_autocomplete", {"q": "koto-a"})[0]["match_field"] == "name"
    assert catalog.call_action("tag_autocomplete", {"q": "ae"}) == ["AED"]
    assert catalog.call_action("format_autocomplete", {"q": "cs"}) == ["csv"]
    assert catalog.call_action("organization_autocomplete", {"q": "江東"}) == [
        {"id": catalog.call_action("organization_show", {"id": "t131083"})["id"], "name": "t131083", "title": "江東区"}]
    assert [g["name"] for g in catalog.call_action("group_autocomplete", {"q": "生"})] == ["c006"]
    assert catalog.call_action("package_autocomplete", {"q": ""}) == []
