"""The publisher × standard matrix of the dashboard: for each standard dataset a publisher is expected to publish,
is it published (and fine), invalid, stale, or missing?

The snapshot's publisher rows list the targets NOT meeting each measure (``missing``: key + title), which gives
the missing / invalid / stale cells; ``conformant`` is judged on standard targets only, so its missing keys are
standard slugs, not the bureaus' need lists. Targets meeting every measure are not listed anywhere in the
snapshot, so the published cells come from the catalog: which publishers have a public dataset declaring that
standard (``package_search`` facets, as any API client would ask).
"""
from __future__ import annotations

import json

from catalog.web import i18n
from catalog.web.page import PageRequest

# worst first: a target missing from the catalog is not also "invalid"
STATUS_ORDER = ("missing", "invalid", "stale", "published")
_MEASURE_OF = {"missing": "published", "invalid": "valid", "stale": "fresh"}


def matrix_rows(req: PageRequest, rows: list[dict], category: str = "") -> list[dict]:
    """[{id, name, standard, standard_name, status, status_label}] sorted by publisher, then standard.

    ``rows``: publisher rows of every measure with their missing lists (the dashboard's filtered rollup). With a
    category filter, only the standards some of these rows judge are shown (a published standard of another
    category is not in the filter)."""
    publishers: dict[str, str] = {}
    missing: dict[str, dict[str, set[str]]] = {}          # measure -> publisher -> keys
    standards: set[str] = set()
    for row in rows:
        publishers[row["scope_id"]] = row["scope_name"]
        keys = {m["key"] for m in row.get("missing") or [] if m.get("key")}
        missing.setdefault(row["measure"], {})[row["scope_id"]] = keys
        if row["measure"] == "conformant":
            standards |= keys
    published = _published_by(req, standards)
    if not category:
        standards |= set(published)
    out = []
    for pid, name in sorted(publishers.items()):
        for key in sorted(standards):
            status = _status(pid, key, missing, published)
            if status:
                out.append({"id": pid, "name": name, "standard": key, "standard_name": i18n.standard_name(key, req.lang),
                            "status": status, "status_label": i18n.t(req.lang, f"status_{status}")})
    return out


def _status(pid: str, key: str, missing: dict, published: dict[str, set[str]]) -> str | None:
    for status in STATUS_ORDER[:-1]:
        if key in missing.get(_MEASURE_OF[status], {}).get(pid, set()):
            return status
    return "published" if pid in published.get(key, set()) else None   # None: not expected, nothing published


def _published_by(req: PageRequest, standards: set[str]) -> dict[str, set[str]]:
    """{standard slug: organizations with a public dataset declaring it}."""
    found = req.call("package_search", {"rows": 0, "facet.field": json.dumps(["extras_standard"]), "facet.limit": -1})
    slugs = set(found["facets"].get("extras_standard", {})) | standards
    out = {}
    for slug in sorted(slugs):
        hits = req.call("package_search", {"rows": 0, "fq": f'extras_standard:"{slug}"', "facet.limit": -1,
                                           "facet.field": json.dumps(["organization"])})
        orgs = set(hits["facets"].get("organization", {}))
        if orgs:
            out[slug] = orgs
    return out
