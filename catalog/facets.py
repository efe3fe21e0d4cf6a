"""Facet counts of a search, and CKAN's two renderings of them (``facets`` and ``search_facets``).

The five facets clients ask for (organization, groups, tags, res_format, license_id) are counted in Python from
one pass over the hits' ``pkg`` rows, which carry the facet values; any other field is a SQL ``GROUP BY``.
Large results (the unfiltered dataset list of a web page, ~100 ms at 100k datasets) are cached until the next
package write: every write gives the package the highest rowid (``index.write``), so ``max(rowid)`` versions
the catalog.
"""
from __future__ import annotations

import copy
import threading
from collections import Counter, OrderedDict

from catalog import groups, licenses, query
from catalog.context import Context

SEP = "\x1f"
_ROW_FACETS = {"organization": 0, "license_id": 1, "tags": 2, "groups": 3, "res_format": 4}
_ROW_SQL = "SELECT p.owner_org, p.license_id, p.facet_tags, p.facet_groups, p.facet_formats FROM pkg p WHERE "


CACHE_FROM = 5000  # hits; below this, counting is cheaper than remembering
_cache: OrderedDict[tuple, tuple[int, dict]] = OrderedDict()
_cache_lock = threading.Lock()


def count_with_facets(context: Context, where: tuple[str, list], fields: list[str], limit: int,
                      mincount: int) -> tuple[int, dict[str, dict]]:
    """(number of hits, {field: {value: count}}) with CKAN's ordering: count desc, then value."""
    version = context.store.one("SELECT max(rowid) FROM pkg")[0]
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
    rows = context.store.query(_ROW_SQL + sql, args)
    counters: dict[str, Counter] = {}
    for field in fields:
        if field in _ROW_FACETS:
            counters[field] = _count_column(rows, _ROW_FACETS[field], multi=_ROW_FACETS[field] >= 2)
        else:
            counters[field] = _count_sql(context, field, sql, args)
    return len(rows), {f: _top(c, limit, mincount) for f, c in counters.items()}


def _count_column(rows, i: int, multi: bool) -> Counter:
    if not multi:
        return Counter(r[i] for r in rows if r[i])
    return Counter(v for r in rows if r[i] for v in r[i].split(SEP))


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
