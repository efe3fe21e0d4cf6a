"""Dashboard ``/dashboard``: who publishes what, and how well.

Every number comes from ``publication_rate_show`` with ``group_by`` (sums of the snapshots' publisher × category
rows), so one filter semantics holds for every chart, tile and table: the filters (publisher type, category,
publisher) are ANDed, each shown as a removable chip, all kept in the URL; ``measure`` picks which of the five
measures the map, the bars, the tiles and the missing lists show. Each chart is also a table and a CSV.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from catalog.metrics import MEASURES, snapshot_signature
from catalog.web import i18n
from catalog.web.contexts.matrix import matrix_rows
from catalog.web.page import PageRequest, publisher_names

HISTORY_FROM = "2000-01-01"               # every snapshot: the history chart shows them all
CHARTS = ("map", "by_publisher", "by_category", "measures", "matrix", "history")
FILTERS = ("type", "category", "publisher")            # ANDed; ``measure`` is what is shown, not a filter
MUNICIPAL = ("区", "市", "町", "村")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    columns: list[str]                    # keys of each row, in table order
    headers: list[str]                    # column headings in the page's language
    rows: list[dict]
    csv_url: str


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class DashboardPage:
    lang: str
    as_of: str | None
    previous_as_of: str | None
    publisher_type: str
    category: str
    publisher: str
    measure: str
    type_options: list[dict]
    category_options: list[dict]
    publisher_options: list[dict]
    measure_options: list[dict]
    chips: list[dict]                     # {label, remove_url}
    clear_url: str
    scope_label: str
    kpis: list[Kpi]
    missing: list[dict]                   # {id, name, url, fraction, items: [{key, title}]}
    charts: list[Chart]
    grid: dict                            # the matrix as publishers x standards: {standards, rows}


def fraction(num: int | None, den: int | None) -> str:
    """``3/62 (4.8%)``: the exact counts first, the rounded rate after."""
    if not den:
        return "—"
    return f"{num}/{den} ({i18n.format_rate(num / den)})"


# Built pages, remembered while nothing changed: a page is ~20 actions (~50–80 ms); its numbers change with a new
# snapshot and its matrix's "published" cells with the catalog — both part of the key (the snapshot files'
# signature, the store's generation), so a change shows at the next request.
_pages: OrderedDict[tuple, DashboardPage] = OrderedDict()
_pages_lock = threading.Lock()


def build(req: PageRequest) -> DashboardPage:
    user = (req.context.user or {}).get("id")
    key = (str(req.context.home), snapshot_signature(req.context.home), req.context.store.generation(), req.lang,
           user, tuple(sorted((k, tuple(v)) for k, v in req.params.items() if k in FILTERS + ("measure",))))
    with _pages_lock:
        hit = _pages.get(key)
        if hit is not None:
            _pages.move_to_end(key)
            return hit
    page = _build(req)
    with _pages_lock:
        _pages[key] = page
        while len(_pages) > 64:
            _pages.popitem(last=False)
    return page


def _build(req: PageRequest) -> DashboardPage:
    lang = req.lang
    names = publisher_names(req)
    everyone = req.call("publication_rate_show", {"scope": "publisher", "measure": "published",
                                                  "include_missing": False})
    publishers = {r["scope_id"]: (names.get(r["scope_id"]) or r["scope_name"], r["publisher_type"])
                  for r in everyone["results"]}
    chosen = {"type": req.param("type") if req.param("type") in i18n.PUBLISHER_TYPES else "",
              "category": req.param("category") if req.param("category") in i18n.CATEGORIES else "",
              "publisher": req.param("publisher") if req.param("publisher") in publishers else ""}
    measure = req.param("measure") if req.param("measure") in MEASURES else "published"
    query = {**chosen, "measure": "" if measure == "published" else measure}
    flt = {k: v for k, v in chosen.items() if v}

    def rollup(group_by: str, **extra) -> list[dict]:
        return req.call("publication_rate_show", {"group_by": group_by, **flt, **extra})["results"]

    history = rollup("overall", date_from=HISTORY_FROM, include_missing=False)
    history = [r for r in history if r["measure"] in MEASURES]
    days = sorted({r["as_of"] for r in history})
    as_of = days[-1] if days else everyone["as_of"]
    previous = days[-2] if len(days) > 1 else None
    latest = [r for r in history if r["as_of"] == as_of]
    by_publisher = _named(rollup("publisher", measure=measure, date=as_of, include_missing=True) if as_of else [],
                          names)
    by_publisher.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["scope_name"]))

    charts = [
        _chart(req, "map", ["name", "code", "fraction", "rate"], _map_rows(by_publisher), query),
        _chart(req, "by_publisher", ["name", "publisher_type", "numerator", "denominator", "fraction", "rate"],
               [_publisher_row(r) for r in by_publisher], query),
        _chart(req, "by_category", ["name", "numerator", "denominator", "fraction", "rate"],
               _category_rows(req, rollup("category", measure=measure, date=as_of) if as_of else []), query),
        _chart(req, "measures", ["label", "numerator", "denominator", "fraction", "rate"],
               [_measure_row(r, lang) for r in latest], query),
        _chart(req, "matrix", ["name", "standard_name", "status_label"],
               _named_cells(matrix_rows(req, rollup("publisher", date=as_of, include_missing=True) if as_of else [],
                                        chosen["category"]), names), query),
        _chart(req, "history", ["as_of", "label", "numerator", "denominator", "fraction", "rate"],
               [{"as_of": r["as_of"], **_measure_row(r, lang)} for r in history], query),
    ]
    chips = [{"label": f"{i18n.t(lang, _FILTER_WORD[k])}: {_filter_label(k, v, lang, publishers)}",
              "remove_url": req.url("/dashboard", {**query, k: ""})} for k, v in chosen.items() if v]
    scope_label = " × ".join(_filter_label(k, v, lang, publishers) for k, v in chosen.items() if v) or i18n.t(lang, "all")
    return DashboardPage(
        lang=lang, as_of=as_of, previous_as_of=previous, publisher_type=chosen["type"], category=chosen["category"],
        publisher=chosen["publisher"], measure=measure,
        type_options=[{"value": t, "label": i18n.type_name(t, lang)} for t in i18n.PUBLISHER_TYPES],
        category_options=[{"value": c, "label": f"{c} {i18n.category_name(c, lang)}"} for c in i18n.CATEGORIES],
        publisher_options=sorted(({"value": pid, "label": name} for pid, (name, _) in publishers.items()),
                                 key=lambda o: o["value"]),
        measure_options=[{"value": m, "label": i18n.measure_name(m, lang)} for m in MEASURES],
        chips=chips, clear_url=req.url("/dashboard", {"measure": query["measure"]}), scope_label=scope_label,
        kpis=_kpis(lang, measure, history, as_of, previous),
        missing=[{"id": r["scope_id"], "name": r["scope_name"], "fraction": fraction(r["numerator"], r["denominator"]),
                  "url": req.url(f"/organization/{r['scope_id']}"),
                  "items": sorted({(m["key"] or "", m["title"]) for m in r.get("missing") or []})}
                 for r in by_publisher if r.get("missing")],
        charts=charts, grid=matrix_grid(req, charts[CHARTS.index("matrix")].rows))


def matrix_grid(req: PageRequest, cells: list[dict]) -> dict:
    """The matrix chart drawn as a table: one row per publisher, one column per standard, each cell its status
    (a word, and a colour by class). An HTML grid, not an SVG: ~1,300 cells as a picture plus the same again as a
    long table made the unfiltered page 594 KB, and the grid is its own table."""
    standards = sorted({(c["standard"], c["standard_name"]) for c in cells}, key=lambda s: s[0])
    column = {key: i for i, (key, _) in enumerate(standards)}
    rows: dict[str, dict] = {}
    for c in cells:
        row = rows.setdefault(c["id"], {"id": c["id"], "name": c["name"], "url": req.url(f"/organization/{c['id']}"),
                                        "cells": [None] * len(standards)})
        row["cells"][column[c["standard"]]] = {"status": c["status"], "label": c["status_label"]}
    return {"standards": [{"key": k, "name": n} for k, n in standards], "rows": list(rows.values())}


_FILTER_WORD = {"type": "publisher_type", "category": "category", "publisher": "filter_publisher"}


def _filter_label(key: str, value: str, lang: str, publishers: dict) -> str:
    if key == "type":
        return i18n.type_name(value, lang)
    if key == "category":
        return i18n.category_name(value, lang)
    return publishers.get(value, (value, None))[0]


def _kpis(lang: str, measure: str, history: list[dict], as_of: str | None, previous: str | None) -> list[Kpi]:
    row = {r["as_of"]: r for r in history if r["measure"] == measure}
    now, before = row.get(as_of), row.get(previous)
    if now is None:
        return []
    rate_detail = i18n.t(lang, "of_expected", den=now["denominator"])
    if before is not None and now["rate"] is not None and before["rate"] is not None:
        change = (now["rate"] - before["rate"]) * 100
        change_value = f"{change:+.1f} {i18n.t(lang, 'points')}"
        change_detail = i18n.t(lang, "kpi_previous", date=previous,
                               value=fraction(before["numerator"], before["denominator"]))
    else:
        change_value, change_detail = "—", i18n.t(lang, "kpi_no_previous")
    return [Kpi(f"{i18n.t(lang, 'kpi_rate')} ({i18n.measure_name(measure, lang)})", i18n.format_rate(now["rate"]),
                f"{now['numerator']}/{now['denominator']} · {rate_detail}"),
            Kpi(i18n.t(lang, "kpi_change"), change_value, change_detail),
            Kpi(i18n.t(lang, "kpi_missing"), f"{(now['denominator'] or 0) - (now['numerator'] or 0):,}",
                i18n.t(lang, "of_expected", den=now["denominator"]))]


def _chart(req: PageRequest, chart_id: str, columns: list[str], rows: list[dict], query: dict) -> Chart:
    headers = [i18n.t(req.lang, _HEADERS.get(c, c)) for c in columns]
    return Chart(chart_id, i18n.t(req.lang, f"chart_{chart_id}"), columns, headers, rows,
                 req.url(f"/dashboard/{chart_id}.csv", query))


_HEADERS = {"name": "name", "publisher_type": "publisher_type", "numerator": "met", "denominator": "expected",
            "rate": "rate", "label": "measure", "standard_name": "standard", "status_label": "quality",
            "as_of": "as_of", "code": "code", "fraction": "fraction"}


def _named(rows: list[dict], names: dict[str, str]) -> list[dict]:
    return [{**r, "scope_name": names.get(r["scope_id"], r["scope_name"])} for r in rows]


def _named_cells(rows: list[dict], names: dict[str, str]) -> list[dict]:
    return [{**r, "name": names.get(r["id"], r["name"])} for r in rows]


def _publisher_row(row: dict) -> dict:
    return {"id": row["scope_id"], "name": row["scope_name"], "publisher_type": row["publisher_type"] or "",
            "numerator": row["numerator"], "denominator": row["denominator"],
            "fraction": fraction(row["numerator"], row["denominator"]), "rate": row["rate"]}


def _map_rows(rows: list[dict]) -> list[dict]:
    """Municipalities (publisher ids ``t`` + 団体コード) for the choropleth, by code."""
    out = [{"id": r["scope_id"], "name": r["scope_name"], "code": r["scope_id"][1:],
            "numerator": r["numerator"], "denominator": r["denominator"],
            "fraction": fraction(r["numerator"], r["denominator"]), "rate": r["rate"]}
           for r in rows if r["publisher_type"] in MUNICIPAL and r["scope_id"][1:].isdigit()]
    return sorted(out, key=lambda r: r["code"])


def _category_rows(req: PageRequest, rows: list[dict]) -> list[dict]:
    out = [{"id": r["scope_id"], "name": i18n.category_name(r["scope_id"], req.lang, r["scope_name"]),
            "numerator": r["numerator"], "denominator": r["denominator"],
            "fraction": fraction(r["numerator"], r["denominator"]), "rate": r["rate"]} for r in rows]
    return sorted(out, key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["id"]))


def _measure_row(row: dict, lang: str) -> dict:
    return {"measure": row["measure"], "label": i18n.measure_name(row["measure"], lang),
            "numerator": row["numerator"], "denominator": row["denominator"],
            "fraction": fraction(row["numerator"], row["denominator"]), "rate": row["rate"]}

