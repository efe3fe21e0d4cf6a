"""Resource ``/dataset/<name>/resource/<id>``: the resource's metadata and a server-side explorer of its DataStore
table (paging, sort, per-column filters, full text, the filtered view as CSV).

Every state is in the URL (plain GET forms and links work without JavaScript): ``q`` (full text, every word must
occur in the row), ``f.<column>`` (a column filter: a substring for text columns, an exact value for numbers and
dates), ``sort`` + ``dir`` (asc|desc), ``page`` (1-based) and ``size`` (rows per page). The page and the CSV call
``datastore_search`` exactly as an API client would (``search_params``), so they show the same rows.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from catalog.errors import NotAuthorized, NotFound, SearchError, ValidationError
from catalog.web import i18n
from catalog.web.page import PageRequest, site_path

SIZES = (25, 50, 100, 200)
DEFAULT_SIZE = 50
CSV_CHUNK = 32000                        # rows per datastore_search call while the CSV streams (its ROWS_MAX)
FILTER_PREFIX = "f."
_EXACT_TYPES = ("int", "int2", "int4", "int8", "float4", "float8", "numeric", "date", "timestamp", "timestamptz",
                "bool", "time")
_NUMERIC = ("int", "int2", "int4", "int8", "float4", "float8", "numeric")


@dataclass(frozen=True)
class Column:
    id: str
    type: str
    filter: str                          # the value in the URL ('' = none)
    exact: bool                          # exact-value filter (numbers, dates) rather than a substring
    sort_url: str                        # toggles asc → desc on this column
    sort_dir: str                        # 'asc' | 'desc' | '' (not the sort column)


@dataclass(frozen=True)
class Explorer:
    columns: list[Column]
    rows: list[list]                     # [_id, value, …] in the order of ``columns``
    total: int                           # matching rows
    rows_in_table: int
    q: str
    sort: str
    dir: str
    page: int
    pages: int
    size: int
    sizes: list[int]
    first_row: int                       # 1-based number of the page's first row (0 when empty)
    last_row: int
    links: dict                          # {first, prev, next, last} ('' when not applicable)
    page_links: list[dict]               # [{"number", "url", "current"}] around the current page
    csv_url: str                         # the filtered + sorted view, every matching row
    reset_url: str
    hidden: list[dict]                   # [{"name", "value"}]: the state the filter form keeps
    error: str                           # a filter the table rejected (the page then shows every row)


@dataclass(frozen=True)
class ResourcePage:
    lang: str
    dataset: dict                        # {name, title, title_en, url}
    id: str
    name: str
    description: str
    format: str
    size: int | None
    size_label: str
    mimetype: str
    last_modified: str
    created: str
    url: str
    datastore_active: bool
    fields: list[dict]                   # [{"id", "type"}] without ``_id``
    explorer: Explorer | None
    api_url: str                         # the datastore_search call behind the page


def build(req: PageRequest) -> ResourcePage:
    pkg = req.call("package_show", {"id": req.path_params["name"]})
    res = next((r for r in pkg.get("resources") or [] if r["id"] == req.path_params["resource"]), None)
    if res is None:
        raise NotFound(f"Resource {req.path_params['resource']} was not found in {pkg['name']}")
    base = f"/dataset/{pkg['name']}/resource/{res['id']}"
    fields, explorer = [], None
    if res.get("datastore_active"):
        try:
            info = req.call("datastore_info", {"id": res["id"]})
        except (NotFound, NotAuthorized, ValidationError, SearchError):
            info = None
        if info is not None:
            fields = [{"id": f["id"], "type": f["type"]} for f in info["fields"]]
            explorer = _explorer(req, base, res["id"], fields, info["meta"]["count"])
    ext = {e["key"]: e["value"] for e in pkg.get("extras") or []}
    fmt = res.get("format") or ""
    return ResourcePage(
        lang=req.lang,
        dataset={"name": pkg["name"], "title": pkg.get("title") or pkg["name"], "title_en": ext.get("title_en", ""),
                 "url": req.url(f"/dataset/{pkg['name']}")},
        id=res["id"], name=res.get("name") or fmt, description=res.get("description") or "", format=fmt,
        size=res.get("size"), size_label=i18n.format_size(res.get("size")), mimetype=res.get("mimetype") or "",
        last_modified=(res.get("last_modified") or res.get("metadata_modified") or "")[:19],
        created=(res.get("created") or "")[:19], url=site_path(res.get("url"), req.context.site_url) or "",
        datastore_active=bool(res.get("datastore_active")), fields=fields, explorer=explorer,
        api_url=f"/api/3/action/datastore_search?resource_id={res['id']}")


def state(req: PageRequest, fields: list[dict]) -> dict:
    """The explorer's state from the URL, checked against the table's columns (unknown names are dropped)."""
    types = {"_id": "int4", **{f["id"]: f["type"] for f in fields}}
    filters = {}
    for key, values in req.params.items():
        if key.startswith(FILTER_PREFIX) and key[len(FILTER_PREFIX):] in types:
            value = (values[0] if values else "").strip()
            if value:
                filters[key[len(FILTER_PREFIX):]] = value[:200]
    sort = req.param("sort")
    sort = sort if sort in types else ""
    direction = "desc" if req.param("dir") == "desc" else "asc"
    size = _int(req.param("size"), DEFAULT_SIZE)
    size = size if size in SIZES else DEFAULT_SIZE
    return {"q": req.param("q").strip()[:500], "filters": filters, "sort": sort, "dir": direction,
            "page": max(_int(req.param("page"), 1), 1), "size": size, "types": types}


def search_params(resource_id: str, st: dict) -> tuple[dict, str]:
    """The ``datastore_search`` call of a state (without limit/offset), and a message for a filter value that
    cannot be a value of its column (that filter is then left out)."""
    data: dict = {"resource_id": resource_id}
    contains, exact, bad = {}, {}, ""
    for column, value in st["filters"].items():
        kind = st["types"][column]
        if kind in _EXACT_TYPES:
            checked = _exact_value(value, kind)
            if checked is None:
                bad = bad or f"{column}: {value}"
                continue
            exact[column] = checked
        else:
            contains[column] = value
    if contains:
        data["q"] = contains
    if st["q"]:
        data["full_text"] = st["q"]
    if exact:
        data["filters"] = exact
    if st["sort"]:
        data["sort"] = [f'"{st["sort"]}" {st["dir"]}']  # a list: a column name may hold a comma
    return data, bad


def _explorer(req: PageRequest, base: str, resource_id: str, fields: list[dict], rows_in_table: int) -> Explorer:
    st = state(req, fields)
    st["page"] = min(st["page"], max(math.ceil(rows_in_table / st["size"]), 1))
    data, bad = search_params(resource_id, st)
    error = i18n.t(req.lang, "explorer_bad_filter", value=bad) if bad else ""
    try:
        found = _page(req, data, st)
    except ValidationError:
        error = i18n.t(req.lang, "explorer_bad_filter", value=", ".join(f"{k}: {v}" for k, v in st["filters"].items()))
        st = {**st, "filters": {}, "page": 1}
        data, _ = search_params(resource_id, st)
        found = _page(req, data, st)
    total = found["total"]
    pages = max(math.ceil(total / st["size"]), 1)
    if st["page"] > pages:                     # past the end (e.g. a filter narrowed the rows): the last page
        st = {**st, "page": pages}
        found = _page(req, data, st)
    names = [f["id"] for f in fields]
    rows = [[rec.get("_id"), *(rec.get(n) for n in names)] for rec in found["records"]]

    def link(**change) -> str:
        return req.url(base, _query({**st, **change}))

    columns = []
    for f in [{"id": "_id", "type": "int4"}, *fields]:
        current = st["sort"] == f["id"]
        toggle = "desc" if current and st["dir"] == "asc" else "asc"
        columns.append(Column(f["id"], f["type"], st["filters"].get(f["id"], ""), f["type"] in _EXACT_TYPES,
                              link(sort=f["id"], dir=toggle, page=1), st["dir"] if current else ""))
    page = st["page"]
    first = (page - 1) * st["size"] + 1 if rows else 0
    window = range(max(1, page - 2), min(pages, page + 2) + 1)
    hidden = [{"name": "sort", "value": st["sort"]}, {"name": "dir", "value": st["dir"] if st["sort"] else ""},
              {"name": "size", "value": str(st["size"]) if st["size"] != DEFAULT_SIZE else ""}]
    return Explorer(
        columns=columns, rows=rows, total=total, rows_in_table=rows_in_table, q=st["q"], sort=st["sort"],
        dir=st["dir"], page=page, pages=pages, size=st["size"], sizes=list(SIZES), first_row=first,
        last_row=first + len(rows) - 1 if rows else 0,
        links={"first": link(page=1) if page > 1 else "", "prev": link(page=page - 1) if page > 1 else "",
               "next": link(page=page + 1) if page < pages else "", "last": link(page=pages) if page < pages else ""},
        page_links=[{"number": n, "url": link(page=n), "current": n == page} for n in window],
        csv_url=req.url(base + ".csv", _query({**st, "page": 1, "size": DEFAULT_SIZE})),
        reset_url=req.url(base), hidden=[h for h in hidden if h["value"]], error=error)


def _page(req: PageRequest, data: dict, st: dict) -> dict:
    return req.call("datastore_search", {**data, "limit": st["size"], "offset": (st["page"] - 1) * st["size"]})


def _query(st: dict) -> list[tuple[str, str]]:
    """The URL query of a state (defaults left out, so the plain page is the plain URL)."""
    items = [("q", st["q"])]
    items += [(FILTER_PREFIX + k, v) for k, v in st["filters"].items()]
    if st["sort"]:
        items += [("sort", st["sort"]), ("dir", st["dir"])]
    if st["size"] != DEFAULT_SIZE:
        items.append(("size", str(st["size"])))
    if st["page"] > 1:
        items.append(("page", str(st["page"])))
    return items


def _exact_value(value: str, kind: str):
    """The filter value as the column's type would take it, or None when it cannot be one."""
    if kind in _NUMERIC:
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        if kind.startswith("int") and number != number.to_integral_value():
            return None
        return int(number) if kind.startswith("int") else float(number)
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    if kind == "bool":
        return {"true": True, "false": False}.get(value.lower())
    return value


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def csv_chunks(req: PageRequest):
    """The filtered + sorted view as CSV text chunks (UTF-8 BOM and header first), ``CSV_CHUNK`` rows per
    ``datastore_search`` call, so memory stays flat whatever the number of rows. Raises NotFound before the
    first chunk when the resource has no DataStore table."""
    pkg = req.call("package_show", {"id": req.path_params["name"]})
    res = next((r for r in pkg.get("resources") or [] if r["id"] == req.path_params["resource"]), None)
    if res is None or not res.get("datastore_active"):
        raise NotFound("No DataStore table for this resource")
    info = req.call("datastore_info", {"id": res["id"]})
    fields = [{"id": f["id"], "type": f["type"]} for f in info["fields"]]
    data, _ = search_params(res["id"], state(req, fields))
    names = [f["id"] for f in fields]
    data.update(fields=names, records_format="csv", include_total=False, limit=CSV_CHUNK)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)
    filename = f"{pkg['name']}-{res['id'][:8]}.csv"

    def chunks():
        yield "\ufeff" + header.getvalue()
        offset = 0
        while True:
            found = req.call("datastore_search", {**data, "offset": offset})
            if found["records"]:
                yield found["records"]
            if found["records"].count("\n") < CSV_CHUNK:
                return
            offset += CSV_CHUNK

    return filename, chunks()
