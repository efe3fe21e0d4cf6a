"""The steward's browser workflow, in process and on a real server with real Chromium: upload a new version
→ inbox → the real ``opendata ingest`` in a background process → live status → the quality report; bad uploads
change nothing; the API-token page; blocked versions only for members."""
from __future__ import annotations

import io
import re
import time
import warnings

import pytest

from catalog.app import create_app
from catalog.store import close_store, users
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER, Workspace
from tests.web.conftest import csrf, sign_in


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = Workspace(tmp_path_factory.mktemp("steward"))
    w.add("koto-a", HEADER + GOOD_ROWS[0])
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENDATA_DATASETS", str(w.datasets))
    summary = ingest(w.datasets, w.home, progress=False)
    assert summary.ok
    users.ensure_user(w.home, "editor")
    users.set_membership(w.home, "editor", "t131083", "editor")
    users.ensure_user(w.home, "member")
    users.set_membership(w.home, "member", "t131083", "member")
    users.ensure_user(w.home, "outsider")
    w.tokens = {n: users.create_token(w.home, n, "web") for n in ("editor", "member", "outsider")}
    yield w
    mp.undo()
    close_store(w.home)


@pytest.fixture
def web(ws):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(ws.home, "http://127.0.0.1:8080"), base_url="http://127.0.0.1:8080") as client:
        yield client


def _form(client, path: str) -> dict:
    page = client.get(path).text
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def _inbox(ws) -> list[str]:
    folder = ws.home / "inbox" / "koto-a"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _wait(client, url: str, seconds: float = 240) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        run = client.get(url + ".json").json()
        if run["done"]:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run not finished: {run}")


def test_bad_uploads_change_nothing(ws, web):
    csv = HEADER + "".join(GOOD_ROWS)
    # anonymous / no CSRF
    r = web.post("/dataset/koto-a/upload", files={"file": ("new.csv", csv)}, data={"csrf_token": "x"})
    assert r.status_code == 403 and "フォームの有効期限" in r.text
    sign_in(web, "outsider", ws.tokens["outsider"])
    form = _form(web, "/dataset/koto-a")
    assert "新しい版をアップロード" not in web.get("/dataset/koto-a").text
    r = web.post("/en/dataset/koto-a/upload", files={"file": ("new.csv", csv)}, data=form)
    assert r.status_code == 403 and "Only editors" in r.text
    web.cookies.clear()
    sign_in(web, "editor", ws.tokens["editor"])
    page = web.get("/dataset/koto-a").text
    assert "新しい版をアップロード" in page and 'enctype="multipart/form-data"' in page
    form = _form(web, "/dataset/koto-a")
    r = web.post("/dataset/koto-a/upload", files={"file": ("new.csv", csv)}, data={"csrf_token": "wrong"})
    assert r.status_code == 403
    r = web.post("/dataset/koto-a/upload", files={"file": ("evil.exe", b"MZ\x90\x00")}, data=form)
    assert r.status_code == 415 and "CSV・Excelのみ" in r.text
    r = web.post("/en/dataset/koto-a/upload", files={"file": ("big.csv", b"a" * (9 << 20))}, data=form)
    assert r.status_code == 413 and "too large" in r.text
    r = web.post("/dataset/koto-a/upload", files={"file": ("empty.csv", b"")}, data=form)
    assert r.status_code == 400 and "空" in r.text
    r = web.post("/dataset/nope/upload", files={"file": ("new.csv", csv)}, data=form)
    assert r.status_code == 404
    r = web.post("/dataset/koto-a/upload", data=form)
    assert r.status_code == 400
    assert _inbox(ws) == [] and not (ws.home / "catalog" / "web_runs").exists()


def test_upload_runs_the_real_ingest_and_shows_status_then_report(ws, web):
    sign_in(web, "editor", ws.tokens["editor"])
    form = _form(web, "/dataset/koto-a")
    csv = (HEADER + "".join(GOOD_ROWS)).encode("utf-8")
    r = web.post("/dataset/koto-a/upload", files={"file": ("update.csv", io.BytesIO(csv))}, data=form,
                 follow_redirects=False)
    assert r.status_code == 303 and "/dataset/koto-a/run/" in r.headers["location"]
    url = r.headers["location"]
    page = web.get(url)
    assert page.status_code == 200 and 'data-poll="' in page.text and page.headers["cache-control"] == "no-store"
    run = _wait(web, url)
    assert run["state"] == "succeeded", run["log"]
    assert run["outcome"] == "published", run["log"]
    assert run["report_url"].startswith("/dataset/koto-a/quality/")
    assert web.get(run["report_url"]).status_code == 200
    pkg = web.get("/api/3/action/package_show?id=koto-a").json()["result"]
    assert {e["key"]: e["value"] for e in pkg["extras"]}["rows"] == "2"
    assert _inbox(ws) == []            # consumed and moved aside, as the sensor's runs do
    # the release is in the activity stream
    acts = web.get("/api/3/action/package_activity_list?id=koto-a").json()["result"]
    assert [a["activity_type"] for a in acts][:1] == ["changed package"] and len(acts) >= 2
    # the run is listed on the dataset page; others cannot see it
    assert url in web.get("/dataset/koto-a").text
    web.cookies.clear()
    assert web.get(url).status_code == 403


def test_blocked_version_shown_to_members_only_and_rerun(ws, web):
    sign_in(web, "editor", ws.tokens["editor"])
    form = _form(web, "/dataset/koto-a")
    bad = (HEADER + "131083,131083C00003,東京都江東区,壊れたトイレ,コワレタトイレ,東京都江東区,,999,999,03-0000-0000\n")
    r = web.post("/dataset/koto-a/upload", files={"file": ("bad.csv", bad.encode())}, data=form,
                 follow_redirects=False)
    run = _wait(web, r.headers["location"])
    assert run["outcome"] == "blocked", run["log"]
    page = web.get("/dataset/koto-a").text
    version = re.search(r'class="blocked-versions">.*?<code>([^<]+)</code>', page, re.S).group(1)
    assert f"/dataset/koto-a/quality/{version}" in page
    web.cookies.clear()
    sign_in(web, "member", ws.tokens["member"])
    page = web.get("/dataset/koto-a").text
    assert version in page and "新しい版をアップロード" not in page
    web.cookies.clear()
    assert version not in web.get("/dataset/koto-a").text
    sign_in(web, "outsider", ws.tokens["outsider"])
    assert version not in web.get("/dataset/koto-a").text and "blocked-versions" not in web.get("/dataset/koto-a").text
    web.cookies.clear()
    # re-run: the declared source again
    sign_in(web, "editor", ws.tokens["editor"])
    r = web.post("/en/dataset/koto-a/ingest", data=_form(web, "/en/dataset/koto-a"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/en/dataset/koto-a/run/")
    run = _wait(web, r.headers["location"])
    # the dropped version stays current until the declared source changes: re-running re-checks it
    assert run["state"] == "succeeded" and run["outcome"] == "blocked", run["log"]


def test_api_token_page(ws, web):
    sign_in(web, "editor", ws.tokens["editor"])
    page = web.get("/user/editor/api-tokens")
    assert page.status_code == 200 and "web" in page.text
    form = _form(web, "/user/editor/api-tokens")
    r = web.post("/user/editor/api-tokens", data={**form, "name": "script"})
    token = re.search(r'id="new-token" class="copy-source" type="text" readonly value="([^"]+)"', r.text).group(1)
    assert users.user_for_token(__import__("catalog.store", fromlist=["open_store"]).open_store(ws.home), token)["name"] == "editor"
    assert token not in web.get("/user/editor/api-tokens").text        # shown once
    assert web.post("/user/editor/api-tokens", data={**form, "name": ""}).status_code == 400
    assert web.post("/user/editor/api-tokens", data={"name": "x", "csrf_token": "bad"}).status_code == 403
    assert web.get("/user/member/api-tokens").status_code == 403
    jti = web.get("/api/3/action/api_token_list?user_id=editor", headers={"Authorization": token}).json()["result"]
    script = next(t for t in jti if t["name"] == "script")
    r = web.post(f"/user/editor/api-tokens/{script['id']}/revoke", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert web.get("/api/3/action/api_token_list?user_id=editor",
                   headers={"Authorization": token}).status_code == 403      # revoked: anonymous now
    # someone else's token cannot be revoked through my page
    other = users.create_token(ws.home, "member", "mine")
    other_id = __import__("catalog.store", fromlist=["users"]).users.token_id(
        __import__("catalog.store", fromlist=["open_store"]).open_store(ws.home), other)
    assert web.post(f"/user/editor/api-tokens/{other_id}/revoke", data=form).status_code == 404
    assert web.post(f"/user/member/api-tokens/{other_id}/revoke", data=form).status_code == 403
