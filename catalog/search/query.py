"""Compile a ``catalog.search.solr`` query tree into a ``Plan``: one FTS5 expression plus a residual SQL condition.

Everything FTS5 can answer — text terms, organization/groups/tags/res_format/license_id filters (see
``catalog.search.keywords``), AND/OR/NOT of those, and the caller's visibility — goes into the FTS expression, so
counting is a doclist intersection. What it cannot (ranges, wildcards, extras, ids...) becomes SQL over the
``pkg`` table (alias ``p``) and its side tables, applied to the FTS hits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.search import keywords, solr, synonyms, text
from catalog.store import timestamps
from catalog.errors import SearchError
from catalog.store import Store

# Solr text fields -> FTS5 column (None = all columns).
TEXT_FIELDS = {"text": None, "title": "title", "notes": "notes", "title_ngram": "title", "name_ngram": "name",
               "res_name": "text", "res_description": "text", "author": "text", "maintainer": "text",
               "urls": "text", "res_url": "text"}
COLUMNS = {"id": "p.id", "name": "p.name", "license_id": "p.license_id", "state": "p.state", "type": "p.type",
           "dataset_type": "p.type", "owner_org": "p.owner_org", "creator_user_id": "p.creator_user_id",
           "title_string": "p.title_string", "metadata_modified": "p.metadata_modified",
           "metadata_created": "p.metadata_created", "num_resources": "p.num_resources", "num_tags": "p.num_tags",
           "capacity": "(CASE WHEN p.private THEN 'private' ELSE 'public' END)"}
DATES = {"metadata_modified", "metadata_created"}
INTEGERS = {"num_resources", "num_tags"}
ALWAYS = {"site_id", "entity_type", "permission_labels", "index_id"}  # CKAN-internal fields every package has
SIDE = {"tags": ("pkg_tag", "tag"), "groups": ("pkg_group", "grp"), "res_format": ("pkg_format", "format")}


@dataclass
class Sql:
    sql: str
    params: list = field(default_factory=list)


NOTHING = keywords.MARK + "nothing"  # a token no package has


@dataclass
class Plan:
    fts: str  # FTS5 expression over pkg_fts, visibility included
    sql: Sql  # residual condition on pkg p ("1" when FTS answers everything)
    only_visibility: bool  # no filter went into ``fts``: the SQL visibility clause can stand in for it


def plan(store: Store, tree: object, visible: keywords.Visibility) -> Plan:
    """Split the conjuncts of ``tree`` into the FTS5 part and the SQL part."""
    positives, negatives, residual = [], [], []
    for node in _conjuncts(tree):
        if (expr := _fts_expr(store, node)) is not None:
            positives.append(expr)
        elif isinstance(node, solr.Not) and (expr := _fts_expr(store, node.node)) is not None:
            negatives.append(expr)
        else:
            residual.append(_Compiler(store).node(node))
    if positives:
        fts = " AND ".join(f"({e})" for e in positives) + "".join(f" NOT ({e})" for e in negatives + [visible.hidden])
    else:
        fts = f"({visible.shown})" + "".join(f" NOT ({e})" for e in negatives)
    sql = Sql(" AND ".join(r.sql for r in residual) or "1", [x for r in residual for x in r.params])
    return Plan(fts, sql, only_visibility=not positives and not negatives)


def _conjuncts(node: object) -> list:
    if isinstance(node, solr.And):
        return [c for child in node.nodes for c in _conjuncts(child)]
    return [] if isinstance(node, solr.All) or _ignorable(node) else [node]


def _ignorable(node: object) -> bool:
    """A text term without one searchable character (``!!``) constrains nothing, as in DisMax."""
    return isinstance(node, Term) and _is_text(node.field) and node.kind != "exists" and _fts(node) is None


def _fts_expr(store: Store, node: object) -> str | None:
    """The FTS5 expression for ``node``, or None if FTS5 cannot express it exactly."""
    if isinstance(node, Term):
        return _fts_leaf(store, node)
    if isinstance(node, solr.Or):
        parts = [_fts_expr(store, c) for c in node.nodes]
        return None if None in parts else " OR ".join(f"({p})" for p in parts)
    if isinstance(node, solr.And):
        pos = [_fts_expr(store, c) for c in node.nodes if not isinstance(c, solr.Not)]
        neg = [_fts_expr(store, c.node) for c in node.nodes if isinstance(c, solr.Not)]
        if not pos or None in pos or None in neg:
            return None  # FTS5's NOT needs something on its left
        return " AND ".join(f"({p})" for p in pos) + "".join(f" NOT ({n})" for n in neg)
    return None


def _fts_leaf(store: Store, term: Term) -> str | None:
    if _is_text(term.field) and term.kind != "exists":
        return _fts(term)  # wildcards included: text matching is by substring anyway
    if term.kind not in ("word", "phrase"):
        return None
    value = term.value
    if term.field in ("organization", "groups"):
        is_org = term.field == "organization"
        row = store.one("SELECT id FROM grp WHERE name = ? AND is_organization = ?", (value, int(is_org)))
        if row is None:
            return NOTHING
        return keywords.organization(row["id"]) if is_org else keywords.group(row["id"])
    makers = {"owner_org": keywords.organization, "tags": keywords.tag, "res_format": keywords.res_format,
              "license_id": keywords.licence}
    return makers[term.field](value) if term.field in makers else None


def prominent_expression(node: object) -> str | None:
    """For relevance: the FTS5 expression "a positive text term of ``q`` occurs in the name, title or tags".

    CKAN's DisMax weighs name^4 title^4 tags^2 over the rest; bm25 over every hit costs ~4 µs a row (130 ms for
    30k hits at 100k datasets), so relevance here is two tiers: those fields first, then the others.
    """
    leaves = [e for e in _positive_text(node) if e]
    return "{name title tags} : (" + " OR ".join(f"({e})" for e in leaves) + ")" if leaves else None


def _positive_text(node: object) -> list[str | None]:
    if isinstance(node, Term) and _is_text(node.field):
        return [_fts(node)]
    if isinstance(node, (solr.And, solr.Or)):
        return [e for child in node.nodes for e in _positive_text(child)]
    return []


Term = solr.Term


def _is_text(name: str | None) -> bool:
    return name is None or name in TEXT_FIELDS


def _fts(term: Term) -> str | None:
    """FTS5 expression of a text leaf; wildcards are dropped (text matching is substring-based already)."""
    if term.kind == "exists":
        return None
    pieces = [p for p in re.split(r"[*?]+", term.value) if p] if term.kind == "wildcard" else [term.value]
    phrases = [_alternatives(p) for p in pieces]
    phrases = [p for p in phrases if p]
    if not phrases:
        return None
    column = TEXT_FIELDS.get(term.field) if term.field else None
    expr = " AND ".join(phrases)
    return f"{column} : ({expr})" if column else f"({expr})"  # keyword tokens never match text: no filter needed


def _alternatives(word: str) -> str | None:
    """One query word as the FTS5 OR of its kana variants and synonyms (``catalog.search.synonyms``)."""
    phrases = list(dict.fromkeys(p for p in map(text.match_phrase, synonyms.alternatives(word)) if p))
    if len(phrases) <= 1:
        return phrases[0] if phrases else None
    return "(" + " OR ".join(phrases) + ")"


class _Compiler:
    def __init__(self, store: Store):
        self.store = store

    def node(self, node: object) -> Sql:
        if isinstance(node, solr.All):
            return Sql("1")
        if isinstance(node, solr.Not):
            inner = self.node(node.node)
            return Sql(f"NOT ({inner.sql})", inner.params)
        if isinstance(node, (solr.And, solr.Or)):
            return self.boolean(node)
        if isinstance(node, solr.Range):
            return self.range(node)
        return self.term(node)

    def boolean(self, node: solr.And | solr.Or) -> Sql:
        joiner = " AND " if isinstance(node, solr.And) else " OR "
        texts = [c for c in node.nodes if isinstance(c, Term) and _is_text(c.field) and _fts(c)]
        parts = [self.node(c) for c in node.nodes if c not in texts]
        if texts:
            expr = joiner.join(f"({_fts(t)})" for t in texts)
            parts.insert(0, self.fts(expr))
        return Sql("(" + joiner.join(p.sql for p in parts) + ")", [x for p in parts for x in p.params])

    def fts(self, expr: str) -> Sql:
        return Sql("p.rowid IN (SELECT rowid FROM pkg_fts WHERE pkg_fts MATCH ?)", [expr])

    def term(self, term: Term) -> Sql:
        name = term.field
        if name in ALWAYS:
            return Sql("1")
        if _is_text(name):
            expr = _fts(term)
            if term.kind == "exists":
                return Sql("1")
            return self.fts(expr) if expr else Sql("0")
        if name == "organization":
            return self.organization(term)
        if name in SIDE:
            return self.side(name, term)
        if name in COLUMNS:
            return self.column(COLUMNS[name], term, name)
        key = name[len("extras_"):] if name.startswith("extras_") else name  # CKAN also indexes extras bare
        return self.extra(key, term)

    def match(self, column: str, term: Term, nocase: bool = False) -> Sql:
        if term.kind == "exists":
            return Sql(f"{column} IS NOT NULL AND {column} != ''")
        if term.kind == "wildcard":
            return Sql(f"{'lower(' + column + ')' if nocase else column} GLOB ?",
                       [term.value.lower() if nocase else term.value])
        return Sql(f"{column} = ?{' COLLATE NOCASE' if nocase else ''}", [term.value])

    def column(self, column: str, term: Term, name: str) -> Sql:
        if name in DATES and term.kind in ("word", "phrase"):
            return Sql(f"{column} = ?", [_date(term.value)])
        if name in INTEGERS and term.kind == "word":
            return Sql(f"{column} = ?", [_int(term.value)])
        return self.match(column, term)

    def organization(self, term: Term) -> Sql:
        if term.kind == "exists":
            return Sql("p.owner_org IS NOT NULL")
        inner = self.match("name", term)
        ids = [r["id"] for r in self.store.query(
            f"SELECT id FROM grp WHERE is_organization = 1 AND {inner.sql}", inner.params)]
        if not ids:
            return Sql("0")
        return Sql(f"p.owner_org IN ({','.join('?' * len(ids))})", ids)

    def side(self, name: str, term: Term) -> Sql:
        table, column = SIDE[name]
        if name == "groups":
            inner = self.match("name", term)
            ids = [r["id"] for r in self.store.query(
                f"SELECT id FROM grp WHERE is_organization = 0 AND {inner.sql}", inner.params)]
            cond = Sql(f"grp IN ({','.join('?' * len(ids))})", ids) if ids else Sql("0")
        else:
            cond = self.match(column, term, nocase=name == "res_format")
        return Sql(f"p.rowid IN (SELECT pkg FROM {table} WHERE {cond.sql})", cond.params)

    def extra(self, key: str, term: Term) -> Sql:
        cond = self.match("value", term, nocase=True)
        return Sql(f"p.rowid IN (SELECT pkg FROM pkg_extra WHERE key = ? AND {cond.sql})", [key, *cond.params])

    def range(self, node: solr.Range) -> Sql:
        name = node.field or "text"
        if name in DATES:
            low, high = (_date(v) if v is not None else None for v in (node.low, node.high))
        elif name in INTEGERS:
            low, high = (_int(v) if v is not None else None for v in (node.low, node.high))
        else:
            low, high = node.low, node.high
        column = COLUMNS.get(name)
        if column is None:
            cond = Sql("value")
            return self._bounded(cond, low, high, node, wrap=("p.rowid IN (SELECT pkg FROM pkg_extra WHERE key = ? AND ",
                                                                 [name.removeprefix("extras_")]))
        return self._bounded(Sql(column), low, high, node)

    def _bounded(self, column: Sql, low, high, node: solr.Range, wrap=None) -> Sql:
        conds, params = [], []
        if low is not None:
            conds.append(f"{column.sql} {'>=' if node.include_low else '>'} ?")
            params.append(low)
        if high is not None:
            conds.append(f"{column.sql} {'<=' if node.include_high else '<'} ?")
            params.append(high)
        sql = " AND ".join(conds) or f"{column.sql} IS NOT NULL"
        if wrap:
            return Sql(f"{wrap[0]}{sql})", wrap[1] + params)
        return Sql(f"({sql})", params)


def _date(value: str) -> str:
    try:
        return timestamps.parse_query_value(value)
    except ValueError:
        raise SearchError(f"Invalid Date String:'{value}'") from None


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SearchError(f"Invalid Number: {value}") from None
