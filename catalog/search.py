"""``package_search``: CKAN's parameters, Solr's query subset, CKAN's result shape — over SQLite indexes.

One statement counts the hits and computes every facet from a materialized list of matching rowids (facets are
``GROUP BY``s over the indexed side tables); a second fetches the requested page in the requested order.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from catalog import groups, index, licenses, query, solr, timestamps, visibility
from catalog.context import Context
from catalog.errors import SearchQueryError, ValidationError
from catalog.params import as_bool, as_int

DEFAULT_SORT = "score desc, metadata_modified desc"
ROWS_MAX = 1000
ALLOWED = {"q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field", "facet.limit", "facet.mincount",
           "fl", "include_private", "include_drafts", "include_deleted", "use_default_schema", "qf", "wt", "bf",
           "boost", "tie", "defType", "mm", "df", "facet.sort", "facet.range", "q.op", "include_plugin_data"}
SORTABLE = {"metadata_modified", "metadata_created", "name", "id", "title_string", "num_resources", "num_tags",
            "license_id", "state"}


@dataclass(frozen=True)
class Params:
    q: str
    filters: list[str]
    sort: str
    rows: int
    start: int
    facet_fields: list[str]
    facet_limit: int
    facet_mincount: int
    fl: list[str] | None
    include_private: bool
    include_drafts: bool


def package_search(context: Context, data_dict: dict) -> dict:
    params = parse_params(data_dict)
    tree = _tree(params)
    where = query.compile_tree(context.store, tree)
    vis_sql, vis_params = visibility.clause(context, include_private=params.include_private,
                                            include_drafts=params.include_drafts)
    where_sql, where_params = f"{vis_sql} AND {where.sql}", vis_params + where.params
    count, facets = _count_and_facets(context, params, where_sql, where_params)
    rowids = _page(context, params, tree, where_sql, where_params) if params.start < count else []
    results = index.dictize(context.store, index.docs_by_rowid(context.store, rowids))
    if params.fl is not None:
        results = [_fields(pkg, params.fl) for pkg in results]
    return {"count": count, "facets": facets, "results": results, "sort": params.sort,
            "search_facets": _search_facets(context, facets)}


def parse_params(data: dict) -> Params:
    unknown = sorted(k for k in data if k not in ALLOWED and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    errors: dict[str, list[str]] = {}
    rows = as_int(data, "rows", 10, errors)
    start = as_int(data, "start", 0, errors)
    limit = as_int(data, "facet.limit", 50, errors, natural=False)
    mincount = as_int(data, "facet.mincount", 1, errors, natural=False)
    facet_fields = _facet_fields(data.get("facet.field"), errors)
    if errors:
        raise ValidationError(errors)
    fq = data.get("fq") or ""
    fq_list = data.get("fq_list") or []
    filters = [f for f in [fq, *([fq_list] if isinstance(fq_list, str) else fq_list)] if f and str(f).strip()]
    facet_on = as_bool(data.get("facet"), True)
    return Params(q=str(data.get("q") or "").strip(), filters=[str(f) for f in filters],
                  sort=str(data.get("sort") or DEFAULT_SORT).strip(), rows=min(rows, ROWS_MAX), start=start,
                  facet_fields=facet_fields if facet_on else [], facet_limit=limit,
                  facet_mincount=max(mincount, 1), fl=_fl(data.get("fl")),
                  include_private=as_bool(data.get("include_private")),
                  include_drafts=as_bool(data.get("include_drafts")))


def _facet_fields(value, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors["facet.field"] = ["Could not parse as valid JSON"]
            return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["facet.field"] = ["Not a list"]
        return []
    return value


def _fl(value) -> list[str] | None:
    if not value:
        return None
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return None if items in (["*"], []) else items


def _tree(params: Params) -> object:
    """q (DisMax-style words when it has no field, Lucene syntax when it does) AND every filter."""
    nodes = [_parse_q(params.q)]
    nodes += [solr.parse(f) for f in params.filters]
    return solr.And(tuple(nodes))


def _parse_q(q: str) -> object:
    if q in ("", "*:*", '""', "*"):
        return solr.All()
    if solr.has_field(q):
        return solr.parse(q)
    try:
        return solr.parse(q)
    except Exception:
        # DisMax never fails on stray syntax; fall back to the plain words
        words = [w.strip('()[]{}"') for w in q.split()]
        return solr.And(tuple(solr.Term(None, w, "word") for w in words if w)) if any(words) else solr.All()


# facet field -> SQL yielding one value per (hit, value). CROSS JOIN pins the join order: left to itself SQLite
# scans the whole side-table index in value order and probes the hits (10x slower at 100k datasets).
_FACETS = {
    "organization": "SELECT p.owner_org AS v FROM hits h CROSS JOIN pkg p ON p.rowid = h.rowid",
    "tags": "SELECT t.tag AS v FROM hits h CROSS JOIN pkg_tag t ON t.pkg = h.rowid",
    "groups": "SELECT g.grp AS v FROM hits h CROSS JOIN pkg_group g ON g.pkg = h.rowid",
    "res_format": "SELECT f.format AS v FROM hits h CROSS JOIN pkg_format f ON f.pkg = h.rowid",
}


def _facet_source(name: str) -> tuple[str, list] | None:
    if name in _FACETS:
        return _FACETS[name], []
    if name in query.COLUMNS:
        return f"SELECT {query.COLUMNS[name]} AS v FROM hits h CROSS JOIN pkg p ON p.rowid = h.rowid", []
    if name.startswith("extras_"):
        return "SELECT e.value AS v FROM hits h CROSS JOIN pkg_extra e ON e.pkg = h.rowid AND e.key = ?", [name[7:]]
    return None


def _count_and_facets(context: Context, params: Params, where_sql: str, where_params: list):
    """Count and all facets in one statement, so the (possibly full-text) filter runs once."""
    if not params.facet_fields:  # materializing the hits only pays off when facets reuse them
        row = context.store.one(f"SELECT count(*) FROM pkg p WHERE {where_sql}", where_params)
        return row[0], {}
    selects, args = ["SELECT '', NULL, count(*) FROM hits"], []
    for i, name in enumerate(params.facet_fields):
        source = _facet_source(name)
        if source is None:
            continue
        limit = params.facet_limit if params.facet_limit >= 0 else -1
        selects.append(f"SELECT * FROM (SELECT ? AS f, v, count(*) AS n FROM ({source[0]}) WHERE v IS NOT NULL "
                       f"GROUP BY v HAVING n >= ? ORDER BY n DESC, v LIMIT ?)")
        args += [name, *source[1], params.facet_mincount, limit]
    sql = (f"WITH hits(rowid) AS MATERIALIZED (SELECT p.rowid FROM pkg p WHERE {where_sql}) "
           + " UNION ALL ".join(selects))
    rows = context.store.query(sql, where_params + args)
    count = rows[0][2]
    facets: dict[str, dict] = {name: {} for name in params.facet_fields}
    for facet, value, n in rows[1:]:
        facets[facet][value] = n
    return count, _facet_names(context, facets)


def _facet_names(context: Context, facets: dict[str, dict]) -> dict[str, dict]:
    """Organization and group facets are counted by id; CKAN reports them by name."""
    for key in ("organization", "groups"):
        if facets.get(key):
            rows = groups.rows_by_id(context.store.connection(), set(facets[key]))
            facets[key] = {rows[i]["name"]: n for i, n in facets[key].items() if i in rows}
    return facets


def _search_facets(context: Context, facets: dict[str, dict]) -> dict:
    """CKAN's ``search_facets``: items with display names (org/group titles, licence titles), sorted by
    display_name descending as CKAN sorts them."""
    titles: dict[str, str] = {}
    names = set(facets.get("organization", {})) | set(facets.get("groups", {}))
    if names:
        marks = ",".join("?" * len(names))
        titles = {r["name"]: r["title"] or r["name"]
                  for r in context.store.query(f"SELECT name, title FROM grp WHERE name IN ({marks})", list(names))}
    out = {}
    for field, counts in facets.items():
        items = []
        for value, n in counts.items():
            if field in ("organization", "groups"):
                display = titles.get(value, value)
            elif field == "license_id":
                display = licenses.BY_ID.get(value, {}).get("title", value)
            else:
                display = value
            items.append({"name": value, "display_name": display, "count": n})
        out[field] = {"title": field, "items": sorted(items, key=lambda i: str(i["display_name"]), reverse=True)}
    return out


def _order_by(params: Params, prominent: str | None) -> tuple[list[str], list]:
    """ORDER BY terms and their parameters; ``score`` is the relevance tier (see ``query.prominent_expression``)."""
    terms, args = [], []
    for part in params.sort.split(","):
        words = part.split()
        if not words:
            continue
        field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if direction not in ("asc", "desc") or len(words) > 2:
            raise SearchQueryError(f"Invalid sort: {params.sort}")
        if field in ("score", "rank"):
            if prominent:  # without a text term every score is equal
                terms.append(f"(p.rowid IN (SELECT rowid FROM pkg_fts WHERE pkg_fts MATCH ?)) {direction.upper()}")
                args.append(prominent)
            continue
        if field == "title":
            field = "title_string"
        if field not in SORTABLE:
            raise SearchQueryError(f"Invalid sort field: {field}")
        terms.append(f"p.{field} {direction.upper()}")
    if terms and terms[-1].split()[0] in ("p.id", "p.name"):
        return terms, args
    # a unique tiebreak keeps paging stable; the sort indexes hold (key, id, ...) so it costs no sorting
    return terms + [f"p.id {terms[-1].rsplit(' ', 1)[1] if terms else 'DESC'}"], args


def _page(context: Context, params: Params, tree: object, where_sql: str, where_params: list) -> list[int]:
    order, order_args = _order_by(params, query.prominent_expression(tree.nodes[0]))
    sql = f"SELECT p.rowid FROM pkg p WHERE {where_sql} ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
    return [r[0] for r in context.store.query(sql, [*where_params, *order_args, params.rows, params.start])]


def _fields(pkg: dict, fl: list[str]) -> dict:
    """A result as Solr stores it, limited to ``fl`` (timestamps carry a Z there)."""
    doc = dict(pkg)
    doc.update(organization=(pkg["organization"] or {}).get("name"), tags=[t["name"] for t in pkg["tags"]],
               groups=[g["name"] for g in pkg["groups"]], res_format=[r["format"] for r in pkg["resources"]],
               res_url=[r["url"] for r in pkg["resources"]], capacity="private" if pkg["private"] else "public",
               dataset_type=pkg["type"], metadata_modified=timestamps.solr(pkg["metadata_modified"]),
               metadata_created=timestamps.solr(pkg["metadata_created"]),
               data_dict=json.dumps(pkg), validated_data_dict=json.dumps(pkg))
    doc.update({f"extras_{e['key']}": e["value"] for e in pkg["extras"]})
    return {k: doc[k] for k in fl if k in doc}
