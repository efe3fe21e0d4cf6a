"""``package_search``: CKAN's parameters, Solr's query subset, CKAN's result shape — over SQLite indexes.

The query becomes a ``query.Plan`` (an FTS5 expression with visibility and keyword filters, plus residual SQL).
Counting is done inside FTS5 when it can be; facets come from one pass over the hits (``catalog.search.facets``).
Pages sorted by ``metadata_modified`` (the default after relevance) are read straight from FTS5 in rowid order,
which ``index.write`` keeps equal to modification order, so only ``start + rows`` hits are visited. Other sorts
look up and sort few hits, or walk the sort index probing the hit set when there are many. Relevance
(``score``) is two tiers — a text term in name/title/tags first — read one after the other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from catalog.search import facets, index, keywords, query, solr
from catalog.store import timestamps, visibility
from catalog.context import Context
from catalog.errors import SearchError, SearchQueryError, ValidationError
from catalog.store.params import as_bool, as_int

DEFAULT_SORT = "score desc, metadata_modified desc"
ROWS_MAX = 1000
# Caps on the query text (parsing and planning cost grows with it): longer is a 400 Search Query Error.
Q_MAX_CHARS = 10_000   # q, and each fq: a harvester's fq of 100 ids is ~4,000
FQ_MAX = 100           # filters in fq + fq_list
SORT_MAX = 10          # sort fields
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
    visible = keywords.visible(context, include_private=params.include_private, include_drafts=params.include_drafts)
    plan = query.plan(context.store, tree, visible)
    if params.facet_fields:
        count, found = facets.count_with_facets(context, _where(context, params, plan), params.facet_fields,
                                                params.facet_limit, params.facet_mincount)
    else:
        count, found = _count(context, params, plan, plan.fts), {}
    rowids = _page(context, params, tree, plan, count) if params.start < count else []
    results = index.dictize(context.store, index.docs_by_rowid(context.store, rowids), context.site_url)
    if params.fl is not None:
        results = [_fields(pkg, params.fl) for pkg in results]
    return {"count": count, "facets": found, "results": results, "sort": params.sort,
            "search_facets": facets.search_facets(context, found)}


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
    if not isinstance(fq_list, (str, list)):
        fq_list = [fq_list]
    filters = [f for f in [fq, *([fq_list] if isinstance(fq_list, str) else fq_list)] if f and str(f).strip()]
    facet_on = as_bool(data.get("facet"), True)
    q, sort = str(data.get("q") or "").strip(), str(data.get("sort") or DEFAULT_SORT).strip()
    _check_sizes(q, [str(f) for f in filters], sort)
    return Params(q=q, filters=[str(f) for f in filters],
                  sort=sort, rows=min(rows, ROWS_MAX), start=start,
                  facet_fields=facet_fields if facet_on else [], facet_limit=limit,
                  facet_mincount=max(mincount, 1), fl=_fl(data.get("fl")),
                  include_private=as_bool(data.get("include_private")),
                  include_drafts=as_bool(data.get("include_drafts")))


def _check_sizes(q: str, filters: list[str], sort: str) -> None:
    if len(q) > Q_MAX_CHARS:
        raise SearchQueryError(f"q is longer than {Q_MAX_CHARS} characters")
    if len(filters) > FQ_MAX:
        raise SearchQueryError(f"more than {FQ_MAX} filters in fq and fq_list")
    if any(len(f) > Q_MAX_CHARS for f in filters):
        raise SearchQueryError(f"fq is longer than {Q_MAX_CHARS} characters")
    if len(sort) > Q_MAX_CHARS or sort.count(",") >= SORT_MAX:
        raise SearchQueryError(f"more than {SORT_MAX} sort fields")


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
    except SearchError:
        # DisMax never fails on stray syntax; fall back to the plain words
        words = [w.strip('()[]{}"') for w in q.split()]
        return solr.And(tuple(solr.Term(None, w, "word") for w in words if w)) if any(words) else solr.All()


SMALL = 2000  # up to this many hits, look them up and sort; beyond, walk a sort index and probe the hits
_SORT_INDEX = {"metadata_created": "pkg_created", "id": "pkg_id_visible",
               "name": "pkg_name_visible", "title_string": "pkg_title"}
_FTS_HITS = "p.rowid IN (SELECT rowid FROM pkg_fts WHERE pkg_fts MATCH ?)"


def _where(context: Context, params: Params, plan: query.Plan, fts: str | None = None) -> tuple[str, list]:
    """SQL condition on ``pkg p`` for the hits of ``fts`` (default: the whole plan) and the residual filters."""
    if fts is None and plan.only_visibility:
        # nothing but visibility: the SQL clause lets the planner use the covering sort indexes
        vis, args = visibility.clause(context, include_private=params.include_private,
                                      include_drafts=params.include_drafts)
        return f"{vis} AND {plan.sql.sql}", args + plan.sql.params
    return f"{_FTS_HITS} AND {plan.sql.sql}", [fts or plan.fts, *plan.sql.params]


def _count(context: Context, params: Params, plan: query.Plan, fts: str) -> int:
    if plan.sql.sql == "1":  # FTS5 answers alone: count its doclist intersection
        return context.store.one("SELECT count(*) FROM pkg_fts WHERE pkg_fts MATCH ?", (fts,))[0]
    sql, args = _where(context, params, plan, fts)
    return context.store.one(f"SELECT count(*) FROM pkg p WHERE {sql}", args)[0]


def _sort_keys(params: Params) -> list[tuple[str, str]]:
    keys = []
    for part in params.sort.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) == 1:  # Solr's error (CKAN passes the sort through to Solr)
            raise SearchError(f"Can't determine a Sort Order (asc or desc) in sort spec '{part.strip()}'")
        field, direction = words[0], words[1].lower()
        if direction not in ("asc", "desc") or len(words) > 2:
            raise SearchQueryError(f"Invalid sort: {params.sort}")
        field = {"rank": "score", "title": "title_string"}.get(field, field)
        if field != "score" and field not in SORTABLE:
            raise SearchQueryError(f"Invalid sort field: {field}")
        keys.append((field, direction.upper()))
    return keys


def _page(context: Context, params: Params, tree: object, plan: query.Plan, count: int) -> list[int]:
    keys = _sort_keys(params)
    tiers = [None]  # None: the whole plan
    if keys and keys[0][0] == "score":
        prominent = query.prominent_expression(tree.nodes[0])
        if prominent:  # without a text term all scores are equal
            tiers = [f"({plan.fts}) AND ({prominent})", f"({plan.fts}) NOT ({prominent})"]
            tiers = tiers if keys[0][1] == "DESC" else tiers[::-1]
        keys = [k for k in keys if k[0] != "score"]
    # metadata_modified order IS rowid order (see index.write), which is also a unique tiebreak
    order = [f"p.rowid {d}" if f == "metadata_modified" else f"p.{f} {d}" for f, d in keys]
    if not order or order[-1].split()[0] not in ("p.id", "p.name", "p.rowid"):
        # a unique tiebreak keeps paging stable; the sort indexes hold (key, id, ...) so it costs no sorting
        order.append(f"p.id {keys[-1][1] if keys else 'DESC'}")
    return _read_tiers(context, params, plan, tiers, order, count)


def _read_tiers(context: Context, params: Params, plan: query.Plan, tiers: list, order: list[str],
                count: int) -> list[int]:
    """The page across the relevance tiers. A tier is counted only to skip it whole (``start`` past it): the
    first page of a search costs no tier count."""
    rowids, skip = [], params.start
    for i, fts in enumerate(tiers):
        last = i == len(tiers) - 1
        if skip and not last:
            size = _count(context, params, plan, fts)
            if skip >= size:
                skip -= size
                continue
        rowids += _read(context, params, plan, fts, order, count, params.rows - len(rowids), skip)
        skip = 0
        if len(rowids) >= params.rows:
            break
    return rowids


def _read(context: Context, params: Params, plan: query.Plan, fts: str | None, order: list[str], hits: int,
          limit: int, offset: int) -> list[int]:
    """``limit`` hits of ``fts`` from ``offset`` in ``order`` (``hits``, the search's count, picks the way)."""
    if order[0].startswith("p.rowid"):
        return _read_in_rowid_order(context, plan, fts or plan.fts, order[0].split()[1], limit, offset)
    sql, args = _where(context, params, plan, fts)
    index_name = _SORT_INDEX.get(order[0].split()[0][2:])
    if hits > SMALL and index_name and sql.startswith(_FTS_HITS):
        # many hits: walk the sort index; the unary + keeps SQLite from driving the join from the hit list
        sql = f"+{sql}"
        source = f"pkg p INDEXED BY {index_name}"
    else:
        source = "pkg p"
    rows = context.store.query(f"SELECT p.rowid FROM {source} WHERE {sql} ORDER BY {', '.join(order)} "
                               "LIMIT ? OFFSET ?", [*args, limit, offset])
    return [r[0] for r in rows]


def _read_in_rowid_order(context: Context, plan: query.Plan, fts: str, direction: str, limit: int,
                         offset: int) -> list[int]:
    """Newest (or oldest) first straight from FTS5's doclists: only ``offset + limit`` hits are visited."""
    if plan.sql.sql == "1":
        sql = f"SELECT rowid FROM pkg_fts WHERE pkg_fts MATCH ? ORDER BY rowid {direction} LIMIT ? OFFSET ?"
    else:
        sql = (f"SELECT p.rowid FROM pkg_fts f CROSS JOIN pkg p ON p.rowid = f.rowid WHERE pkg_fts MATCH ? "
               f"AND {plan.sql.sql} ORDER BY f.rowid {direction} LIMIT ? OFFSET ?")
    return [r[0] for r in context.store.query(sql, [fts, *plan.sql.params, limit, offset])]


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
