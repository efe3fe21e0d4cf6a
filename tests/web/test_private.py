"""Internal (庁内限定) datasets: visible only to signed-in users with a role in their organization; the sign-in."""
from __future__ import annotations

from tests.web.conftest import csrf, sign_in

INTERNAL = "koto-staff-contacts"


def _names(client, **params) -> set[str]:
    return {r["name"] for r in client.get("/dataset.json", params={"rows": 100, **params}).json()["results"]}


def test_anonymous_never_sees_internal_datasets(client):
    assert INTERNAL not in _names(client, q="連絡先")
    assert client.get("/index.json").json()["dataset_count"] == 25
    assert client.get(f"/dataset/{INTERNAL}").status_code == 403
    assert "ログイン" in client.get(f"/dataset/{INTERNAL}").text
    assert client.get(f"/dataset/{INTERNAL}.json").status_code == 403
    org = client.get("/organization/t131083.json").json()
    assert INTERNAL not in {d["name"] for d in org["datasets"]}


def test_member_sees_them_after_signing_in(client, seeded):
    sign_in(client, seeded.member, seeded.member_token)
    assert INTERNAL in _names(client, q="連絡先")
    assert client.get("/index.json").json()["dataset_count"] == 26
    page = client.get(f"/dataset/{INTERNAL}.json").json()
    assert page["private"] is True
    assert "OPENDATA_API_TOKEN" in next(s for s in page["api_examples"] if s["id"] == "python-ckanapi")["code"]
    html = client.get(f"/dataset/{INTERNAL}").text
    assert "庁内限定" in html and f"{seeded.member}</strong>" in html
    download = page["resources"][0]["url"]
    assert client.get(download).status_code == 200                  # the session also opens the files
    client.cookies.clear()
    assert client.get(download).status_code == 403


def test_signed_in_outsider_still_does_not_see_them(client, seeded):
    sign_in(client, seeded.outsider, seeded.outsider_token)
    assert INTERNAL not in _names(client, q="連絡先")
    assert client.get(f"/dataset/{INTERNAL}").status_code == 403


def test_api_token_header_works_on_pages_too(client, seeded):
    assert INTERNAL not in _names(client)
    r = client.get(f"/dataset/{INTERNAL}.json", headers={"Authorization": seeded.member_token})
    assert r.status_code == 200 and r.json()["name"] == INTERNAL


def test_login_rejects_wrong_credentials_and_logout_ends_the_session(client, seeded):
    r = client.post("/user/login", data={"username": seeded.member, "token": seeded.outsider_token,
                                         **csrf(client)})
    assert r.status_code == 400 and "正しくありません" in r.text and 'role="alert"' in r.text
    r = client.post("/en/user/login", data={"username": seeded.member, "token": "nope", **csrf(client, "/en")})
    assert r.status_code == 400 and "Wrong user name or API token" in r.text
    r = client.post("/user/login", data={"username": seeded.member, "token": seeded.member_token,
                                         "next": f"/dataset/{INTERNAL}", **csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/dataset/{INTERNAL}"
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()
    assert client.get(f"/dataset/{INTERNAL}").status_code == 200
    r = client.post("/user/logout", data=csrf(client), follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/dataset/{INTERNAL}").status_code == 403


def test_login_never_redirects_off_site(client, seeded):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil"):
        r = client.post("/user/login", data={"username": seeded.member, "token": seeded.member_token,
                                             "next": target, **csrf(client)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_session_secret_lives_in_the_data_home(seeded):
    secret = seeded.home / "catalog" / "web_secret"
    assert secret.is_file() and len(secret.read_text().strip()) >= 32
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
