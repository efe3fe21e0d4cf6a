"""Facet counts of a search, and CKAN's two renderings of them (``facets`` and ``search_facets``).

The five facets clients ask for (organization, groups, tags, res_format, license_id) and ``extras_*`` facets are
counted over the hit rowids with the numpy arrays of ``catalog.search.facet_index``; any other field is a SQL
``GROUP BY``. Large results (the unfiltered dataset list of a web page) are also cached until the next package
write, versioned by (max rowid, newest metadata_modified, package count): every write gives the package a
strictly newer ``metadata_modified`` (``index.write``) and a purge changes the count.
"""
from __future__ import annotations

import copy
import threading
import weakref
from collections import Counter, OrderedDict

import numpy as np

from catalog.search import facet_index, query
from catalog.store import groups, licenses
from catalog.context import Context



CACHE_FROM = 5000  # hits; below this, counting is cheaper than remembering
_cache: OrderedDict[tuple, tuple[int, dict]] = OrderedDict()
_cache_lock = threading.Lock()


def count_with_facets(context: Context, where: tuple[str, list], fields: list[str], limit: int,
                      mincount: int) -> tuple[int, dict[str, dict]]:
    """(number of hits, {field: {value: count}}) with CKAN's ordering: count desc, then value."""
    version = tuple(context.store.one(   # three subqueries: each is an index lookup, together they would scan
        "SELECT (SELECT max(rowid) FROM pkg), (SELECT max(metadata_modified) FROM pkg), (SELECT count(*) FROM pkg)"))
    key = (str(context.store.path), version, where[0], tuple(where[1]), tuple(fields), limit, mincount)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            count, facets = _cache[key]
            return count, _names(context, copy.deepcopy(facets))
    count, facets = _count_with_facets(context, where, fields, limit, mincount)
    if count >= CACHE_FROM:  # cached by organization/group id: renaming one does not make a new version
        with _cache_lock:
            _cache[key] = (count, copy.deepcopy(facets))
            while len(_cache) > 32:
                _cache.popitem(last=False)
    return count, _names(context, facets)


def _count_with_facets(context: Context, where: tuple[str, list], fields: list[str], limit: int,
                       mincount: int) -> tuple[int, dict[str, dict]]:
    sql, args = where
    cur = context.store.connection().execute("SELECT p.rowid FROM pkg p WHERE " + sql, args)
    cur.row_factory = None
    hits = np.fromiter((r[0] for r in cur), dtype=np.int64)
    indexed = [f for f in fields if f in facet_index.ROW_FIELDS or f.startswith("extras_")]
    counters = _facet_index(context.store).count(context.store.connection(), indexed, hits) if indexed else {}
    for field in fields:
        if field not in counters:
            counters[field] = _count_sql(context, field, sql, args)
    return len(hits), {f: _top(counters[f], limit, mincount) for f in fields}


# What the web search page counts: built when the server starts, so the first search does not pay for it.
WARM_FIELDS = [*facet_index.ROW_FIELDS, "extras_standard", "extras_quality_status"]
_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # Store → its FacetIndex


def warm(store) -> None:
    """Build the facet arrays of ``store`` now (the server does it before accepting connections)."""
    _facet_index(store).count(store.connection(), WARM_FIELDS, np.zeros(0, dtype=np.int64))


def _facet_index(store) -> facet_index.FacetIndex:
    with _cache_lock:
        if store not in _indexes:
            _indexes[store] = facet_index.FacetIndex()
        return _indexes[store]


def _count_sql(context: Context, field: str, sql: str, args: list) -> Counter:
    if field in query.COLUMNS:
        source, extra = f"SELECT {query.COLUMNS[field]} AS v FROM pkg p WHERE {sql}", []
    elif field.startswith("extras_"):
        source = f"SELECT e.value AS v FROM pkg p CROSS JOIN pkg_extra e ON e.pkg = p.rowid AND e.key = ? WHERE {sql}"
        extra = [field[len("extras_"):]]
    else:
        return Counter()  # Solr has no such field: an empty facet
    rows = context.store.query(f"SELECT v, count(*) FROM ({source}) WHERE v IS NOT NULL GROUP BY v", extra + args)
    return Counter({v: n for v, n in rows})


def _top(counter: Counter, limit: int, mincount: int) -> dict:
    items = sorted(((v, n) for v, n in counter.items() if n >= mincount), key=lambda vn: (-vn[1], str(vn[0])))
    return dict(items if limit < 0 else items[:limit])


def _names(context: Context, facets: dict[str, dict]) -> dict[str, dict]:
    """Organizations and groups are counted by id; CKAN reports them by name."""
    for key in ("organization", "groups"):
        if facets.get(key):
            rows = groups.rows_by_id(context.store.connection(), set(facets[key]))
            facets[key] = {rows[i]["name"]: n for i, n in facets[key].items() if i in rows}
    return facets


def search_facets(context: Context, facets: dict[str, dict]) -> dict:
    """CKAN's ``search_facets``: items with display names (organization/group titles, licence titles), sorted by
    display_name descending, as CKAN sorts them."""
    names = set(facets.get("organization", {})) | set(facets.get("groups", {}))
    titles = {}
    if names:
        marks = ",".join("?" * len(names))
        titles = {r["name"]: r["title"] or r["name"]
                  for r in context.store.query(f"SELECT name, title FROM grp WHERE name IN ({marks})", list(names))}
    out = {}
    for field, counts in facets.items():
        items = [{"name": value, "display_name": _display(field, value, titles), "count": n}
                 for value, n in counts.items()]
        out[field] = {"title": field, "items": sorted(items, key=lambda i: str(i["display_name"]), reverse=True)}
    return out


def _display(field: str, value, titles: dict[str, str]):
    if field in ("organization", "groups"):
        return titles.get(value, value)
    if field == "license_id":
        return licenses.BY_ID.get(value, {}).get("title", value)
    return value
