"""Dashboard and organization pages: every number equals ``publication_rate_show``; charts are server-side SVG."""
from __future__ import annotations

import csv
import io


def _rates(client, **params) -> list[dict]:
    return client.get("/api/3/action/publication_rate_show", params=params).json()["result"]["results"]


def _chart(data: dict, chart_id: str) -> dict:
    return next(c for c in data["charts"] if c["id"] == chart_id)


def test_charts_equal_publication_rate_show(client):
    data = client.get("/dashboard.json").json()
    publishers = {r["scope_id"]: r for r in _rates(client, scope="publisher", measure="published")}
    rows = _chart(data, "by_publisher")["rows"]
    assert {r["id"]: (r["numerator"], r["denominator"], r["rate"]) for r in rows} == {
        k: (r["numerator"], r["denominator"], r["rate"]) for k, r in publishers.items()}
    assert [r["id"] for r in rows] == ["t000003", "t131083", "t132021", "t131172"]     # sorted by rate
    categories = {r["scope_id"]: r["rate"] for r in _rates(client, scope="category", measure="published")}
    assert {r["id"]: r["rate"] for r in _chart(data, "by_category")["rows"]} == categories
    overall = {r["measure"]: r["rate"] for r in _rates(client, scope="overall")}
    measures = _chart(data, "measures")["rows"]
    assert [r["measure"] for r in measures] == ["published", "conformant", "valid", "fresh", "machine_readable"]
    assert {r["measure"]: r["rate"] for r in measures} == {m: overall[m] for m in overall if m != "adoption"}
    history = _chart(data, "history")["rows"]
    assert sorted({r["as_of"] for r in history}) == sorted({r["as_of"] for r in _rates(client, date_from="2000-01-01",
                                                                                       scope="overall")})


def test_matrix_statuses(client):
    cells = {(r["id"], r["standard"]): r["status"] for r in _chart(client.get("/dashboard.json").json(), "matrix")["rows"]}
    assert cells[("t131083", "public_toilet")] == "published"
    assert cells[("t132021", "public_toilet")] == "invalid"        # published, but its quality is invalid
    assert cells[("t131172", "public_toilet")] == "missing"
    assert cells[("t131083", "aed")] == "missing"
    assert not any(pid == "t000003" for pid, _ in cells)          # a bureau's needs are not standards
    missing = {r["scope_id"]: r["numerator"] for r in _rates(client, scope="publisher", measure="published")}
    published_cells = sum(1 for (pid, _), s in cells.items() if pid == "t131083" and s != "missing")
    assert published_cells == missing["t131083"]


def test_filters_by_publisher_type_and_category(client):
    wards = client.get("/dashboard.json", params={"type": "区"}).json()
    assert {r["id"] for r in _chart(wards, "by_publisher")["rows"]} == {"t131083", "t131172"}
    assert {r["id"] for r in _chart(wards, "matrix")["rows"]} == {"t131083", "t131172"}
    type_rows = {r["measure"]: r["rate"] for r in _rates(client, scope="type", type="区")}
    assert {r["measure"]: r["rate"] for r in _chart(wards, "measures")["rows"]} == {
        m: v for m, v in type_rows.items() if m != "adoption"}
    daily = client.get("/dashboard.json", params={"category": "c006"}).json()
    category_rows = {r["measure"]: r["rate"] for r in _rates(client, category="c006")}
    assert {r["measure"]: r["rate"] for r in _chart(daily, "measures")["rows"]} == category_rows
    assert "分類で絞り込めません" in client.get("/dashboard", params={"category": "c006"}).text
    assert client.get("/dashboard.json", params={"type": "bogus"}).json()["publisher_type"] == ""


def test_charts_are_svg_with_tables_and_csv(client):
    html = client.get("/dashboard").text
    assert html.count('<figure role="img"') == 5 and html.count("<svg") == 5
    assert html.count("<table data-chart=") == 5
    data = client.get("/en/dashboard.json").json()
    chart = _chart(data, "by_publisher")
    assert chart["title"] == "Publication rate by publisher" and chart["rows"][0]["name"] == "Bureau of General Affairs"
    r = client.get(chart["csv_url"])
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == chart["headers"] and len(rows) == len(chart["rows"]) + 1
    assert rows[1][0] == "Bureau of General Affairs" and float(rows[1][-1]) == chart["rows"][0]["rate"]
    assert client.get("/dashboard/nope.csv").status_code == 404


def test_organization_page_lists_datasets_and_missing_targets(client):
    data = client.get("/organization/t131083.json").json()
    assert data["title"] == "江東区" and data["title_en"] == "Koto City" and data["publisher_type"] == "区"
    assert data["code"] == "131083"
    assert {d["name"] for d in data["datasets"]} == {"koto-public-toilets"}      # the internal one is hidden
    rates = {r["measure"]: r for r in _rates(client, publisher="t131083")}
    for m in data["measures"]:
        assert (m["numerator"], m["denominator"], m["rate"]) == tuple(rates[m["measure"]][k] for k in
                                                                      ("numerator", "denominator", "rate"))
        assert [x["key"] for x in m["missing"]] == [x["key"] for x in rates[m["measure"]]["missing"]]
    published = next(m for m in data["measures"] if m["measure"] == "published")
    assert {x["title"] for x in published["missing"]} == {"AED設置箇所一覧", "指定緊急避難場所一覧"}
    html = client.get("/organization/t131083").text
    assert "AED設置箇所一覧" in html and "33.3%" in html
    listing = client.get("/organization.json").json()["organizations"]
    assert {o["name"]: o["count"] for o in listing}["t131172"] == 22
