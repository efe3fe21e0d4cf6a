"""Sessions and the browser: a web session ends with its token or its user's rights, sign-in is rate-limited,
forms carry CSRF tokens, JSONP callbacks are names, and every response carries the security headers."""
from __future__ import annotations

import re
import warnings

import pytest

from catalog.app import create_app
from catalog.local import LocalCatalog
from catalog.store import open_store, users

SITE = "http://catalog.test"
INTERNAL = "internal-ds"


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    users.ensure_user(home, "admin", sysadmin=True)
    catalog = LocalCatalog(home, user="admin", site_url=SITE)
    catalog.call_action("organization_create", {"name": "t131083", "title": "江東区"})
    catalog.call_action("package_create", {"name": INTERNAL, "title": "庁内", "owner_org": "t131083", "private": True})
    users.ensure_user(home, "steward")
    users.set_membership(home, "steward", "t131083", "editor")
    return home


def _client(home, base_url=SITE):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(create_app(home, SITE), base_url=base_url)


def _csrf(client, lang: str = "") -> dict:
    page = client.get(f"{lang}/user/login").text
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def _sign_in(client, name: str, token: str):
    return client.post("/user/login", data={"username": name, "token": token, **_csrf(client)},
                       follow_redirects=False)


def _signed_in(home):
    token = users.create_token(home, "steward", "web")
    client = _client(home)
    assert _sign_in(client, "steward", token).status_code == 303
    assert client.get(f"/dataset/{INTERNAL}").status_code == 200
    return client, token


def test_revoking_the_token_ends_the_session_at_the_next_request(home):
    client, token = _signed_in(home)
    with client:
        users.revoke_token(open_store(home), token=token)
        assert client.get(f"/dataset/{INTERNAL}").status_code == 403


def test_deleting_the_user_ends_the_session(home):
    client, _ = _signed_in(home)
    with client:
        store = open_store(home)
        with store.transaction() as conn:
            conn.execute("UPDATE user SET state = 'deleted' WHERE name = 'steward'")
        assert client.get(f"/dataset/{INTERNAL}").status_code == 403


def test_demoting_the_user_ends_the_session(home):
    client, _ = _signed_in(home)
    with client:
        users.set_membership(home, "steward", "t131083", "member")
        assert client.get(f"/dataset/{INTERNAL}").status_code == 403
        assert "ログイン" in client.get("/").text  # signed out, not merely refused


def test_login_and_logout_need_the_csrf_token(home):
    token = users.create_token(home, "steward", "web")
    with _client(home) as client:
        r = client.post("/user/login", data={"username": "steward", "token": token}, follow_redirects=False)
        assert r.status_code == 403
        r = client.post("/user/login", data={"username": "steward", "token": token, "csrf_token": "forged"},
                        follow_redirects=False)
        assert r.status_code == 403
        assert _sign_in(client, "steward", token).status_code == 303
        page = client.get("/").text
        assert re.search(r'<form method="post" action="/user/logout"[^>]*><input type="hidden" name="csrf_token"', page)
        assert client.post("/user/logout", follow_redirects=False).status_code == 403
        assert client.get(f"/dataset/{INTERNAL}").status_code == 200  # still signed in
        assert client.post("/user/logout", data=_csrf(client), follow_redirects=False).status_code == 303
        assert client.get(f"/dataset/{INTERNAL}").status_code == 403


def test_login_is_rate_limited_per_address_and_per_user(home):
    with _client(home) as client:
        form = _csrf(client)
        codes = [client.post("/user/login", data={"username": "steward", "token": f"guess{i}", **form}).status_code
                 for i in range(11)]
        assert codes[:10] == [400] * 10 and codes[10] == 429  # 10 a minute for one user name
        r = client.post("/user/login", data={"username": "steward", "token": "x", **form})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
        codes = [client.post("/user/login", data={"username": f"u{i}", "token": "x", **form}).status_code
                 for i in range(12)]
        # 20 failures a minute from one address (the 10 above were the first); refused attempts do not count
        assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]
        assert "試行が多すぎます" in r.text


def test_only_failed_sign_ins_count_against_the_limit(home):
    token = users.create_token(home, "steward", "web")
    with _client(home) as client:
        codes = [_sign_in(client, "steward", token).status_code for _ in range(30)]
        assert codes == [303] * 30      # one steward signing in again and again is not guessing
        form = _csrf(client)
        codes = [client.post("/user/login", data={"username": "steward", "token": "guess", **form}).status_code
                 for _ in range(11)]
        assert codes == [400] * 10 + [429]
        r = client.post("/user/login", data={"username": "steward", "token": token, **form}, follow_redirects=False)
        assert r.status_code == 429     # while locked, even the right token waits


def test_jsonp_callback_must_be_a_name(home):
    with _client(home) as client:
        r = client.get("/api/3/action/status_show", params={"callback": "cb.done_1"})
        assert r.status_code == 200 and r.text.startswith("cb.done_1({")
        for bad in ("alert(1)//", "a b", "1abc", "x" * 65, "<script>", ""):
            r = client.get("/api/3/action/status_show", params={"callback": bad})
            assert r.status_code == 409, bad
            assert r.json()["error"]["callback"] == ["Must be a JavaScript name: ^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$"]


PATHS = ["/", "/dataset", f"/dataset/{INTERNAL}", "/user/login", "/en/dashboard", "/api/3/action/status_show",
         "/api/3/action/nope", "/static/site.js", "/catalog.ttl", "/no/such/page"]


def test_every_response_carries_the_security_headers(home):
    with _client(home) as client:
        for path in PATHS:
            r = client.get(path)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path
            assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert "strict-transport-security" not in r.headers  # plain http: HSTS would be ignored anyway
    with _client(home, base_url="https://catalog.test") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=31536000")


def test_pages_have_no_inline_script(home):
    token = users.create_token(home, "admin", "web")
    with _client(home) as client:
        for path in ["/", "/dataset", f"/dataset/{INTERNAL}", "/user/login", "/dashboard", "/organization"]:
            html = client.get(path, headers={"Authorization": token}).text
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
            assert not re.search(r"\son[a-z]+\s*=", html), path
            assert "javascript:" not in html, path
