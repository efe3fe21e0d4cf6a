"""Dashboard and organization pages: every number equals ``publication_rate_show``; charts are server-side SVG
(the matrix an HTML grid)."""
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


def test_matrix_is_drawn_as_a_grid_of_the_same_cells(client):
    """The page shows the matrix as publishers x standards: every cell of the chart's rows, in its place."""
    import re

    cells = {(r["name"], r["standard_name"]): r["status_label"]
             for r in _chart(client.get("/dashboard.json").json(), "matrix")["rows"]}
    html = client.get("/dashboard").text
    grid = html.split('<table class="matrix-grid" data-chart="matrix">')[1].split("</table>")[0]
    head, body = grid.split("</thead>")
    standards = re.findall(r'<th scope="col" class="v">([^<]+)</th>', head)
    assert standards and len(standards) == len({s for _, s in cells})
    shown = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        name = re.search(r'<th scope="row"><a href="/organization/t\d+">([^<]+)</a>', row).group(1)
        tds = re.findall(r'<td class="st-(\w+)">([^<]*)</td>', row)
        assert len(tds) == len(standards)
        shown.update({(name, s): label for s, (status, label) in zip(standards, tds) if status != "none"})
    assert shown == cells
    assert "<svg" not in html.split('id="chart-matrix"')[1].split("</section>")[0]      # no picture of it


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
    # one semantics: the category filter applies to the publisher charts too (was: "cannot be filtered")
    daily_publishers = {r["id"]: (r["numerator"], r["denominator"]) for r in _chart(daily, "by_publisher")["rows"]}
    assert daily_publishers == {"t131083": (1, 1), "t132021": (1, 1), "t131172": (0, 1)}      # public_toilet only
    both = client.get("/dashboard.json", params={"type": "区", "category": "c006"}).json()
    assert {r["id"] for r in _chart(both, "by_publisher")["rows"]} == {"t131083", "t131172"}      # AND
    assert {r["measure"]: (r["numerator"], r["denominator"]) for r in _chart(both, "measures")["rows"]}["published"] == (1, 2)
    assert [c["label"] for c in both["chips"]] == ["団体の種類: 区", "分類: 生活"]
    assert both["chips"][0]["remove_url"] == "/dashboard?category=c006"       # removing one keeps the other
    assert both["chips"][1]["remove_url"] == "/dashboard?type=%E5%8C%BA"
    assert client.get("/dashboard.json", params={"type": "bogus"}).json()["publisher_type"] == ""


def test_charts_are_svg_with_tables_and_csv(client):
    html = client.get("/dashboard").text
    # five charts as SVG + the map's legend; the matrix is a grid (a table); every chart has its table
    assert html.count('<figure role="img"') == 5 and html.count("<svg") == 6
    assert html.count("<table data-chart=") == 5 and html.count('<table class="matrix-grid" data-chart="matrix">') == 1
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


def test_choropleth_kpis_fractions_and_missing_lists(client):
    html = client.get("/dashboard").text
    assert html.count('<path d="M') == 62 and html.count("data-code=") == 62             # every 区市町村
    assert 'data-code="131083" data-rate="0.3333333333333333"' in html                  # 江東区 1/3
    assert "<title>江東区 1/3 (33.3%)</title>" in html and "国土数値情報" in html
    data = client.get("/dashboard.json").json()
    overall = {r["measure"]: r for r in _rates(client, scope="overall")}["published"]
    kpi = data["kpis"]
    assert kpi[0]["value"] == f"{overall['rate'] * 100:.1f}%" and kpi[0]["detail"].startswith(
        f"{overall['numerator']}/{overall['denominator']}")
    assert kpi[2]["value"] == str(overall["denominator"] - overall["numerator"])
    history = _rates(client, scope="overall", measure="published", date_from="2000-01-01")
    assert len(history) == 4                                                            # the seeded snapshots
    change = (history[-1]["rate"] - history[-2]["rate"]) * 100
    assert kpi[1]["value"].startswith(f"{change:+.1f}") and history[-2]["as_of"] in kpi[1]["detail"]
    assert {r["as_of"] for r in _chart(data, "history")["rows"]} == {r["as_of"] for r in history}
    assert "1/3 (33.3%)" in [r["fraction"] for r in _chart(data, "by_publisher")["rows"]]
    assert "1/3 (33.3%)" in client.get("/dashboard").text.split('id="chart-by_publisher"')[1].split("</figure>")[0]
    missing = {m["id"]: [t for _, t in m["items"]] for m in data["missing"]}
    assert missing["t131083"] == ["AED設置箇所一覧", "指定緊急避難場所一覧"] and "t000003" not in missing
    valid = client.get("/dashboard.json", params={"measure": "valid"}).json()
    assert "公衆トイレ（立川市）" not in str(valid["missing"]) and "公衆トイレ一覧" in str(
        next(m for m in valid["missing"] if m["id"] == "t132021"))                   # invalid: not met for "valid"


def test_axes_are_scaled_to_the_data():
    from catalog.web.charts import domain

    assert domain([0.62, 0.71]) == [0.5, 0.8] and domain([0.0, 1.0]) == [0.0, 1.0]
    assert domain([0.3, 0.9]) == [0.2, 1.0]


def test_dashboard_is_served_gzipped(client):
    r = client.get("/dashboard", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.status_code == 200


def test_group_by_sums_the_breakdown_rows(client):
    rows = _rates(client, group_by="overall", measure="published")
    stored = _rates(client, scope="overall", measure="published")
    assert [(r["numerator"], r["denominator"]) for r in rows] == [(r["numerator"], r["denominator"]) for r in stored]
    assert not [r for r in _rates(client) if r["scope"] == "publisher_category"]      # asked for by name only
    r = client.get("/api/3/action/publication_rate_show", params={"group_by": "nope"})
    assert r.status_code == 409
