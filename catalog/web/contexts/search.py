"""Search ``/dataset?q=…``: results, facets that combine (AND) and can be removed one by one, sort, paging.

The query string speaks CKAN's web parameters (``organization``, ``groups``, ``tags``, ``res_format``,
``license_id``) plus ``standard`` and ``quality`` for our extras; each selected value becomes one ``fq_list``
filter of ``package_search``, so the page finds exactly what the same API call finds.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from catalog.store.licenses import BY_ID as LICENSES
from catalog.web import i18n
from catalog.web.page import DatasetSummary, PageRequest, summarize

PER_PAGE = 20
# (query parameter, Solr field); the order is the sidebar's
FACETS = [("organization", "organization"), ("groups", "groups"), ("tags", "tags"), ("res_format", "res_format"),
          ("license_id", "license_id"), ("standard", "extras_standard"), ("quality", "extras_quality_status")]
SORTS = {"relevance": "score desc, metadata_modified desc", "modified": "metadata_modified desc",
         "name": "name asc"}
FACET_LIMIT = 15


@dataclass(frozen=True)
class FacetItem:
    value: str
    label: str
    count: int
    selected: bool
    url: str                               # adds the value, or removes it when selected


@dataclass(frozen=True)
class Facet:
    param: str
    title: str
    items: list[FacetItem]


@dataclass(frozen=True)
class ActiveFilter:
    param: str
    value: str
    label: str
    remove_url: str


@dataclass(frozen=True)
class SearchPage:
    lang: str
    q: str
    sort: str
    sorts: list[dict]
    count: int
    page: int
    pages: int
    results: list[DatasetSummary]
    facets: list[Facet]
    filters: list[ActiveFilter]
    prev_url: str | None
    next_url: str | None
    api_url: str                           # the same search as a package_search call
    suggestions: list[dict] = ()           # with 0 results: other searches that find something
    popular_tags: list[dict] = ()          # with 0 results: the most used tags


def selections(req: PageRequest) -> list[tuple[str, str]]:
    """The selected facet values, in query-string order: (parameter, value)."""
    return [(param, value) for param, _ in FACETS for value in req.values(param)]


def search_params(req: PageRequest, sort: str, page: int) -> dict:
    fq = [f'{dict(FACETS)[param]}:"{value.replace(chr(34), "")}"' for param, value in selections(req)]
    data = {"q": req.param("q").strip(), "rows": PER_PAGE, "start": (page - 1) * PER_PAGE, "sort": SORTS[sort],
            "facet.field": json.dumps([field for _, field in FACETS]), "facet.limit": FACET_LIMIT,
            "include_private": True}
    if fq:
        data["fq_list"] = fq
    return data


def build(req: PageRequest) -> SearchPage:
    sort = req.param("sort") if req.param("sort") in SORTS else ("relevance" if req.param("q") else "modified")
    page = _int(req.param("page"), 1)
    found = req.call("package_search", search_params(req, sort, page))
    pages = max(1, -(-found["count"] // PER_PAGE))
    chosen = selections(req)
    base = [("q", req.param("q")), *chosen, ("sort", req.param("sort"))]
    facets = [_facet(req, param, field, found["search_facets"].get(field, {}), base, chosen)
              for param, field in FACETS]
    labels = {(f.param, i.value): i.label for f in facets for i in f.items}
    return SearchPage(
        lang=req.lang, q=req.param("q"), sort=sort,
        sorts=[{"value": key, "label": i18n.t(req.lang, f"sort_{key}")} for key in SORTS],
        count=found["count"], page=page, pages=pages, results=[summarize(req, p) for p in found["results"]],
        facets=facets,
        filters=[ActiveFilter(p, v, labels.get((p, v)) or label(req, p, v, None),
                              req.url("/dataset", _without(base, (p, v)))) for p, v in chosen],
        prev_url=req.url("/dataset", base + [("page", page - 1)]) if page > 1 else None,
        next_url=req.url("/dataset", base + [("page", page + 1)]) if page < pages else None,
        **(_dead_end_help(req, chosen) if found["count"] == 0 else {}),
        api_url=_api_url(req, sort))


def _dead_end_help(req: PageRequest, chosen: list) -> dict:
    """A page with 0 results is not a dead end: the query without its filters, each of its words alone, tags
    spelled like a word of it, and the most used tags — each only if it finds something, with its count."""
    q = req.param("q").strip()
    words = q.split()
    candidates: list[tuple[str, list]] = []
    if chosen and q:
        candidates.append((q, [("q", q)]))
    if len(words) > 1:
        candidates += [(w, [("q", w)]) for w in words]
    tags = req.call("tag_list", {})
    for word in words:
        candidates += [(tag, [("tags", tag)]) for tag in difflib.get_close_matches(word, tags, n=3, cutoff=0.5)]
    suggestions, seen = [], set()
    for text, params in candidates[:8]:
        if text in seen:
            continue
        seen.add(text)
        fq = [f'tags:"{v}"' for k, v in params if k == "tags"]
        count = req.call("package_search", {"q": next((v for k, v in params if k == "q"), ""), "rows": 0,
                                            "include_private": True, **({"fq_list": fq} if fq else {})})["count"]
        if count:
            suggestions.append({"label": text, "url": req.url("/dataset", params), "count": count})
    top = req.call("package_search", {"rows": 0, "facet.field": json.dumps(["tags"]), "facet.limit": 8})
    items = sorted(top["search_facets"].get("tags", {}).get("items", []), key=lambda i: -i["count"])
    popular = [{"label": i["display_name"], "url": req.url("/dataset", [("tags", i["name"])]), "count": i["count"]}
               for i in items]
    return {"suggestions": suggestions, "popular_tags": popular}


def _facet(req: PageRequest, param: str, field: str, found: dict, base: list, chosen: list) -> Facet:
    items = sorted(found.get("items", []), key=lambda i: (-i["count"], str(i["display_name"])))
    out = []
    for item in items:
        value = str(item["name"])
        selected = (param, value) in chosen
        query = _without(base, (param, value)) if selected else base + [(param, value)]
        out.append(FacetItem(value, label(req, param, value, item.get("display_name")), item["count"], selected,
                             req.url("/dataset", query)))
    return Facet(param, i18n.t(req.lang, "standard" if param == "standard" else param), out)


def label(req: PageRequest, param: str, value: str, display: str | None) -> str:
    """What a facet value is called on the page (category names in the page's language, licence titles…)."""
    if param == "groups":
        return i18n.category_name(value, req.lang, display)
    if param == "standard":
        return i18n.standard_name(value, req.lang)
    if param == "quality":
        return i18n.quality_name(value, req.lang)
    if param == "license_id":
        return LICENSES.get(value, {}).get("title", value) if req.lang == "ja" else value
    return str(display or value)


def _without(base: list, pair: tuple[str, str]) -> list:
    return [item for item in base if item != pair]


def _api_url(req: PageRequest, sort: str) -> str:
    data = search_params(req, sort, 1)
    items = [(k, v) for k, v in data.items() if k not in ("fq_list", "include_private", "start") and v != ""]
    items += [("fq_list", f) for f in data.get("fq_list", [])]
    return "/api/3/action/package_search?" + urlencode(items)


def _int(value: str, default: int) -> int:
    try:
        return max(1, int(value))
    except ValueError:
        return default
