"""A version the quality gate did not release stays private: its report and failing rows are shown only to
members of the publishing organization and sysadmins; everyone else sees that it was blocked, the finding types
and their counts, and no cell value."""
from __future__ import annotations

import json
import re
import warnings

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.app import create_app
from catalog.local import LocalCatalog
from catalog.store import users

SITE = "http://catalog.test"
SECRET_CELLS = ("山田太郎", "taro.yamada@example.jp", "0312345678")


def _report(home, version: str, findings: list[dict]) -> None:
    path = home / "reports" / "koto-aed" / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    errors = sum(f["severity"] == "error" for f in findings)
    path.write_text(json.dumps({"valid": errors == 0, "partial": False, "error_count": errors,
                                "warning_count": len(findings) - errors, "stats": {"rows": 2, "error": "x=山田太郎"},
                                "findings": findings}, ensure_ascii=False), "utf-8")


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    users.ensure_user(home, "admin", sysadmin=True)
    catalog = LocalCatalog(home, user="admin", site_url=SITE)
    for org in ("t131083", "t131016"):
        catalog.call_action("organization_create", {"name": org, "title": org})
    catalog.call_action("package_create", {"name": "koto-aed", "title": "AED", "owner_org": "t131083",
                                           "extras": [{"key": "table_version", "value": "v1"}]})
    std = home / "std" / "koto-aed"
    std.mkdir(parents=True)
    pq.write_table(pa.table({"_row": [2, 3], "名称": ["区役所", "体育館"], "設置者": ["江東区", "山田太郎"],
                             "連絡先": ["0312345678", "taro.yamada@example.jp"]}), std / "v2.parquet")
    pq.write_table(pa.table({"_row": [2], "名称": ["区役所"], "設置者": ["江東区"], "連絡先": ["-"]}), std / "v1.parquet")
    _report(home, "v1", [])
    _report(home, "v2", [
        {"type": "personal-name", "severity": "error", "family": "personal-data", "column": "設置者", "rows": [3],
         "count": 1, "message_ja": "個人名「山田太郎」", "message_en": "name 山田太郎", "examples": ["山田太郎"]},
        {"type": "personal-email", "severity": "error", "family": "personal-data", "column": "連絡先", "rows": [3],
         "count": 1, "message_ja": "taro.yamada@example.jp", "message_en": "", "examples": ["taro.yamada@example.jp"]},
        {"type": "invalid-phone", "severity": "warning", "family": "format", "column": "連絡先", "rows": [2],
         "count": 1, "message_ja": "", "message_en": "", "examples": ["0312345678"]}])
    for name, org in (("koto_member", "t131083"), ("outsider", "t131016")):
        users.ensure_user(home, name)
        users.set_membership(home, name, org, "member")
    return home


def _get(home, path: str, user: str | None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    headers = {"Authorization": users.create_token(home, user, "t")} if user else {}
    with TestClient(create_app(home, SITE), base_url=SITE) as client:
        return client.get(path, headers=headers)


@pytest.mark.parametrize("user", [None, "outsider"])
def test_others_see_only_that_it_was_blocked_with_finding_types_and_counts(home, user):
    data = _get(home, "/dataset/koto-aed/quality/v2.json", user).json()
    assert data["blocked"] is True and data["restricted"] is True
    assert data["error_count"] == 2 and data["warning_count"] == 1 and data["failing_rows"] is None
    assert [(f["type"], f["count"]) for f in data["findings"]] == [("personal-name", 1), ("personal-email", 1),
                                                                   ("invalid-phone", 1)]
    for path in ("/dataset/koto-aed/quality/v2", "/dataset/koto-aed/quality/v2.json", "/en/dataset/koto-aed/quality/v2"):
        body = _get(home, path, user).text
        assert not [cell for cell in SECRET_CELLS if cell in body], path
    html = _get(home, "/dataset/koto-aed/quality/v2", user).text
    assert "公開が止められました" in html and "公開元の組織のメンバーだけ" in html and "personal-email" in html


@pytest.mark.parametrize("user", ["koto_member", "admin"])
def test_members_of_the_publisher_and_sysadmins_see_everything(home, user):
    data = _get(home, "/dataset/koto-aed/quality/v2.json", user).json()
    assert data["blocked"] is True and data["restricted"] is False
    assert data["findings"][0]["examples"] == ["山田太郎"]
    rows = data["failing_rows"]
    assert [r["row"] for r in rows["rows"]] == [2, 3] and "体育館" in rows["rows"][1]["cells"]


def test_the_released_version_stays_public(home):
    data = _get(home, "/dataset/koto-aed/quality.json", None).json()
    assert data["version"] == "v1" and data["blocked"] is False and data["restricted"] is False
    assert {v["version"] for v in data["versions"]} == {"v1", "v2"}  # that a newer version exists is public
    assert not re.search("公開が止められました", _get(home, "/dataset/koto-aed/quality", None).text)


def _gx(home):
    from quality.data_docs import record

    pages = {v: record(home / "reports" / "koto-aed" / f"{v}.json", home / "reports") for v in ("v1", "v2")}
    return {v: f"/dataset/koto-aed/quality/{v}/gx/{p['validation']}" for v, p in pages.items()}


def test_gx_data_docs_of_a_blocked_version_follow_the_report(home):
    """The GX pages of a blocked version are readable exactly by whoever reads its report in full."""
    urls = _gx(home)
    for user in (None, "outsider"):
        assert _get(home, urls["v2"], user).status_code == 403
        assert _get(home, "/dataset/koto-aed/quality/v2.json", user).json()["gx_pages"] is None
        assert _get(home, urls["v1"], user).status_code == 200          # the published version's are public
    for user in ("koto_member", "admin"):
        page = _get(home, "/dataset/koto-aed/quality/v2.json", user).json()["gx_pages"]
        assert page["validation"].endswith(urls["v2"]) and page["suite"].endswith("/expectations/koto-aed__v2.html")
        r = _get(home, urls["v2"], user)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.headers["content-security-policy"].startswith("sandbox allow-scripts")  # an opaque origin
        assert not any(cell in r.text for cell in SECRET_CELLS)


@pytest.mark.parametrize("path", ["index.html", "../../../../v1.json", "validations/other__v1/x.html",
                                  "expectations/koto-aed__v1.html", "%2e%2e/%2e%2e/%2e%2e/koto-aed/v2.json"])
def test_gx_docs_serve_only_the_versions_own_pages(home, path):
    _gx(home)
    assert _get(home, f"/dataset/koto-aed/quality/v2/gx/{path}", "admin").status_code == 404
