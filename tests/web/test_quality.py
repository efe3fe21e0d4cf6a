"""The steward's report view: findings as a table, the failing source rows, personal data never shown raw."""
from __future__ import annotations

from tests.web.conftest import sign_in


def test_findings_and_failing_rows(client):
    data = client.get("/dataset/koto-public-toilets/quality.json").json()
    assert data["version"] == data["current_version"] == "v2" and data["found"] and data["valid"]
    assert data["warning_count"] == 1 and data["error_count"] == 0
    assert [(f["rows"], f["column"], f["type"]) for f in data["findings"]] == [([4], "電話番号", "invalid-phone")]
    rows = data["failing_rows"]
    assert rows["columns"][0] == "_row" and "名称" in rows["columns"]
    assert [r["row"] for r in rows["rows"]] == [4]                     # the source line the finding cites
    assert rows["rows"][0]["cells"][rows["columns"].index("名称")] == "亀戸駅前トイレ"
    assert rows["rows"][0]["flagged"] == ["電話番号"]
    html = client.get("/dataset/koto-public-toilets/quality").text
    assert "電話番号の形式が正しくありません" in html and "The phone number is malformed" in html
    assert 'class="flagged">0336479' in html and "invalid-phone" in html
    en = client.get("/en/dataset/koto-public-toilets/quality").text
    assert en.index("The phone number is malformed") < en.index("電話番号の形式が正しくありません")


def test_personal_data_columns_are_masked_everywhere(client):
    data = client.get("/dataset/tachikawa-public-toilets/quality.json").json()
    assert not data["valid"] and data["error_count"] == 1
    rows = data["failing_rows"]
    assert rows["masked_columns"] == ["設置者"]
    assert rows["rows"][0]["cells"][rows["columns"].index("設置者")] == "●●●"
    for path in ("/dataset/tachikawa-public-toilets/quality", "/dataset/tachikawa-public-toilets/quality.json",
                 "/en/dataset/tachikawa-public-toilets/quality", "/dataset/tachikawa-public-toilets/quality/v1"):
        body = client.get(path).text
        assert "山田太郎" not in body and "山田**" in body          # the report's own masked example only


def test_versions_and_unknown_versions(client):
    data = client.get("/dataset/koto-public-toilets/quality/v2.json").json()
    assert [v["version"] for v in data["versions"]] == ["v2"]
    assert data["versions"][0]["url"] == "/dataset/koto-public-toilets/quality/v2"
    assert client.get("/dataset/koto-public-toilets/quality/..%2Fsecret.json").status_code == 404


def test_reports_follow_dataset_visibility(client, seeded):
    assert client.get("/dataset/koto-staff-contacts/quality").status_code == 403
    assert client.get("/dataset/koto-staff-contacts/quality.json").json()["status"] == 403
    sign_in(client, seeded.member, seeded.member_token)
    assert client.get("/dataset/koto-staff-contacts/quality").status_code == 200
