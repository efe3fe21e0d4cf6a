"""Dashboard ``/dashboard``: publication rates as five charts, each also a table and a CSV.

Every number comes from ``publication_rate_show`` (the snapshots), so the page, its ``.json``, the CSVs and the
API agree. Filters: publisher type (区/市/町/村/局/都) and category. The snapshot has no publisher × category
rows, so the category filter applies to the category, measures and history charts; the publisher charts follow
the type filter only (the page says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from catalog.metrics import MEASURES
from catalog.web import i18n
from catalog.web.contexts.matrix import matrix_rows
from catalog.web.page import PageRequest, publisher_names

HISTORY_DAYS = 730
CHARTS = ("by_publisher", "by_category", "measures", "matrix", "history")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    columns: list[str]                    # keys of each row, in table order
    headers: list[str]                    # column headings in the page's language
    rows: list[dict]
    csv_url: str


@dataclass(frozen=True)
class DashboardPage:
    lang: str
    as_of: str | None
    publisher_type: str
    category: str
    type_options: list[dict]
    category_options: list[dict]
    scope_label: str
    charts: list[Chart]


def build(req: PageRequest) -> DashboardPage:
    ptype = req.param("type") if req.param("type") in i18n.PUBLISHER_TYPES else ""
    category = req.param("category") if req.param("category") in i18n.CATEGORIES else ""
    latest = req.call("publication_rate_show", {"scope": "overall", "measure": "published", "include_missing": False})
    lang, query = req.lang, {"type": ptype, "category": category}
    names = publisher_names(req)
    filtered = {"type": ptype} if ptype else {}
    scope = {"category": category} if category else ({"scope": "type", "type": ptype} if ptype else {"scope": "overall"})
    charts = [
        _chart(req, "by_publisher", ["name", "publisher_type", "numerator", "denominator", "rate"],
               _named(_rows(req, {"scope": "publisher", "measure": "published", **filtered}, _publisher_row), names),
               query),
        _chart(req, "by_category", ["name", "numerator", "denominator", "rate"],
               _rows(req, {"scope": "category", "measure": "published"}, _category_row, sort=False), query),
        _chart(req, "measures", ["label", "numerator", "denominator", "rate"],
               _rows(req, scope, _measure_row, sort=False), query),
        _chart(req, "matrix", ["name", "standard_name", "status_label"], _named(matrix_rows(req, ptype), names),
               query),
        _chart(req, "history", ["as_of", "label", "numerator", "denominator", "rate"], _history(req, scope), query),
    ]
    scope_label = (i18n.category_name(category, lang) if category else i18n.type_name(ptype, lang) if ptype
                   else i18n.t(lang, "all"))
    return DashboardPage(
        lang=lang, as_of=latest["as_of"], publisher_type=ptype, category=category,
        type_options=[{"value": t, "label": i18n.type_name(t, lang)} for t in i18n.PUBLISHER_TYPES],
        category_options=[{"value": c, "label": f"{c} {i18n.category_name(c, lang)}"} for c in i18n.CATEGORIES],
        scope_label=scope_label, charts=charts)


def _chart(req: PageRequest, chart_id: str, columns: list[str], rows: list[dict], query: dict) -> Chart:
    headers = [i18n.t(req.lang, _HEADERS.get(c, c)) for c in columns]
    return Chart(chart_id, i18n.t(req.lang, f"chart_{chart_id}"), columns, headers, rows,
                 req.url(f"/dashboard/{chart_id}.csv", query))


_HEADERS = {"name": "name", "publisher_type": "publisher_type", "numerator": "met", "denominator": "expected",
            "rate": "rate", "label": "measure", "standard_name": "standard", "status_label": "quality",
            "as_of": "as_of"}


def _named(rows: list[dict], names: dict[str, str]) -> list[dict]:
    return [{**r, "name": names.get(r["id"], r["name"])} for r in rows]


def _rows(req: PageRequest, data: dict, shape, sort: bool = True) -> list[dict]:
    found = req.call("publication_rate_show", {**data, "include_missing": False})
    rows = [shape(r, req.lang) for r in found["results"] if r["measure"] in MEASURES]
    if sort:  # highest rate first; publishers with nothing expected (rate None) last
        rows.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["name"]))
    return rows


def _publisher_row(row: dict, lang: str) -> dict:
    return {"id": row["scope_id"], "name": row["scope_name"], "publisher_type": row["publisher_type"] or "",
            "numerator": row["numerator"], "denominator": row["denominator"], "rate": row["rate"]}


def _category_row(row: dict, lang: str) -> dict:
    return {"id": row["scope_id"], "name": i18n.category_name(row["scope_id"], lang, row["scope_name"]),
            "numerator": row["numerator"], "denominator": row["denominator"], "rate": row["rate"]}


def _measure_row(row: dict, lang: str) -> dict:
    return {"measure": row["measure"], "label": i18n.measure_name(row["measure"], lang),
            "numerator": row["numerator"], "denominator": row["denominator"], "rate": row["rate"]}


def _history(req: PageRequest, scope: dict) -> list[dict]:
    start = (date.today() - timedelta(days=HISTORY_DAYS)).isoformat()
    found = req.call("publication_rate_show", {**scope, "date_from": start, "include_missing": False})
    return [{"as_of": r["as_of"], **_measure_row(r, req.lang)} for r in found["results"] if r["measure"] in MEASURES]
