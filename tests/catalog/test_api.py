"""The Action API over HTTP: CKAN's envelope, error shapes, status codes and request forms."""
from __future__ import annotations

import json

from tests.catalog import helpers

HELP = f"{helpers.SITE}/api/3/action/help_show?name="


def test_success_envelope_has_help_success_result_in_order(client):
    r = client.get("/api/action/status_show")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json;charset=utf-8"
    body = r.json()
    assert list(body) == ["help", "success", "result"]
    assert body["help"] == HELP + "status_show"  # /3/ even when called via /api/action/
    assert body["result"]["site_url"] == helpers.SITE
    assert body["result"]["ckan_version"] == "2.11.6"


def test_json_is_ascii_escaped_like_ckan(client, catalog):
    helpers.org(catalog, name="tokyo", title="東京都")
    r = client.get("/api/3/action/organization_show", params={"id": "tokyo"})
    assert "\\u6771\\u4eac\\u90fd" in r.text and "東京都" not in r.text
    assert r.json()["result"]["title"] == "東京都"


def test_api_version_routes(client):
    assert client.get("/api").json() == {"version": 3}
    assert client.get("/api/3").json() == {"version": 3}


def test_not_found_error(client):
    r = client.get("/api/3/action/package_show", params={"id": "nope"})
    assert r.status_code == 404
    assert r.json() == {"help": HELP + "package_show", "error": {"__type": "Not Found Error", "message": "Not found"},
                        "success": False}
    assert list(r.json()) == ["help", "error", "success"]


def test_not_found_with_detail(client):
    r = client.get("/api/3/action/resource_show", params={"id": "x"})
    assert r.json()["error"]["message"] == 'Not found: Resource "x" was not found.'


def test_authorization_error_for_anonymous_names_an_empty_user(client, catalog):
    helpers.org(catalog, name="tokyo")
    r = client.post("/api/3/action/package_create", json={"name": "x1", "owner_org": "tokyo"})
    assert r.status_code == 403
    assert r.json()["error"] == {"__type": "Authorization Error",
                                 "message": "Access denied: User  not authorized to create packages"}


def test_validation_error_lists_fields(client, admin, catalog):
    helpers.org(catalog, name="tokyo")
    helpers.dataset(catalog, "tokyo", name="test-ds")
    r = client.post("/api/3/action/package_create", json={"name": "test-ds", "owner_org": "tokyo"},
                    headers=admin.headers)
    assert r.status_code == 409
    assert r.json()["error"] == {"name": ["That URL is already in use."], "__type": "Validation Error"}
    r = client.get("/api/3/action/package_show")
    assert r.json()["error"] == {"name_or_id": ["Missing value"], "__type": "Validation Error"}


def test_search_query_error_for_unknown_parameter(client):
    r = client.get("/api/3/action/package_search", params={"foo": "bar"})
    assert r.status_code == 400
    assert r.json()["error"] == {"__type": "Search Query Error",
                                 "message": "Search Query is invalid: \"Invalid search parameters: ['foo']\""}


def test_invalid_integer_rows(client):
    r = client.get("/api/3/action/package_search", params={"rows": "abc"})
    assert r.status_code == 409
    assert r.json()["error"] == {"rows": ["Invalid integer", "Please enter an integer value"],
                                 "__type": "Validation Error"}


def test_search_syntax_error_is_409_search_error(client):
    r = client.get("/api/3/action/package_search", params={"q": "title:(a OR"})
    assert r.status_code == 409
    assert r.json()["error"]["__type"] == "Search Error"


def test_bare_string_400s(client, admin):
    r = client.get("/api/3/action/no_such_action")
    assert (r.status_code, r.json()) == (400, "Bad request - Action name not known: no_such_action")
    r = client.get("/api/3/action/package_create")
    assert (r.status_code, r.json()) == (
        400, "Bad request - JSON Error: Invalid request. Please use POST method for your request")
    r = client.post("/api/3/action/package_create", content=b"{not json", headers=admin.headers)
    assert r.status_code == 400 and r.json().startswith("Bad request - JSON Error: Error decoding JSON data.")


def test_internal_errors_are_500_without_details(client, monkeypatch):
    from catalog.actions import get as get_actions

    monkeypatch.setattr(get_actions.licenses, "LICENSES", None)  # license_list now fails inside
    r = client.get("/api/3/action/license_list")
    assert r.status_code == 500
    assert r.json()["error"] == {"__type": "Internal Server Error", "message": "Internal Server Error"}


def test_repeated_query_keys_become_lists(client, catalog):
    o = helpers.org(catalog)
    helpers.dataset(catalog, o, tags=[{"name": "aa"}, {"name": "bb"}])
    helpers.dataset(catalog, o, tags=[{"name": "aa"}])
    r = client.get("/api/3/action/package_search?fq_list=tags:aa&fq_list=tags:bb")
    assert r.json()["result"]["count"] == 1


def test_form_and_legacy_json_form_posts(client, admin, catalog):
    helpers.org(catalog, name="tokyo")
    r = client.post("/api/3/action/package_create", data={"name": "form-ds", "owner_org": "tokyo", "private": "True"},
                    headers=admin.headers)
    assert r.status_code == 200 and r.json()["result"]["private"] is True
    legacy = json.dumps({"id": "form-ds"})
    r = client.post("/api/3/action/package_show", data={legacy: "1"}, headers=admin.headers)
    assert r.json()["result"]["name"] == "form-ds"


def test_jsonp_callback_runs_as_anonymous(client, admin, catalog):
    o = helpers.org(catalog, name="tokyo")
    helpers.dataset(catalog, o, name="secret", private=True)
    r = client.get("/api/3/action/package_search", params={"callback": "cb", "include_private": "true"},
                   headers=admin.headers)
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.text.startswith('cb({"help": ') and r.text.endswith(");")
    assert json.loads(r.text[3:-2])["result"]["count"] == 0


def test_token_header_forms(client, admin, catalog):
    helpers.org(catalog, name="tokyo")
    for i, headers in enumerate([{"Authorization": admin.token}, {"Authorization": f"Bearer {admin.token}"},
                                 {"X-CKAN-API-Key": admin.token}]):
        r = client.post("/api/3/action/package_create", json={"name": f"tok-{i}", "owner_org": "tokyo"},
                        headers=headers)
        assert r.status_code == 200, headers


def test_invalid_token_is_anonymous_not_401(client, catalog):
    helpers.org(catalog, name="tokyo")
    assert client.get("/api/3/action/status_show", headers={"Authorization": "garbage"}).status_code == 200
    r = client.post("/api/3/action/package_create", json={"name": "x2", "owner_org": "tokyo"},
                    headers={"Authorization": "garbage"})
    assert r.status_code == 403


def test_help_show_serves_the_docstring(client):
    r = client.get("/api/3/action/help_show", params={"name": "package_search"})
    assert ":param fq:" in r.json()["result"]
    assert client.get("/api/3/action/help_show", params={"name": "nope"}).status_code == 404


def test_api_token_create_and_revoke(client, admin, home):
    editor = helpers.person(home)
    r = client.post("/api/3/action/api_token_create", json={"user": editor.name, "name": "ci"},
                    headers={"Authorization": editor.token})
    token = r.json()["result"]["token"]
    r = client.post("/api/3/action/api_token_create", json={"user": admin.name, "name": "steal"},
                    headers={"Authorization": token})
    assert r.status_code == 403 and "not authorized to create API tokens" in r.json()["error"]["message"]
    r = client.post("/api/3/action/api_token_revoke", json={"token": token}, headers={"Authorization": token})
    assert r.json() == {"help": HELP + "api_token_revoke", "success": True, "result": None}
    r = client.post("/api/3/action/api_token_create", json={"user": editor.name, "name": "again"},
                    headers={"Authorization": token})
    assert r.status_code == 403  # a revoked token is anonymous


def test_tokens_are_stored_hashed(home, admin):
    import sqlite3

    rows = sqlite3.connect(home / "catalog" / "catalog.sqlite").execute("SELECT sha256 FROM token").fetchall()
    assert rows and all(admin.token not in r[0] and len(r[0]) == 64 for r in rows)
