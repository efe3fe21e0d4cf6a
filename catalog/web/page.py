"""What every page builder receives (``PageRequest``) and the small shapes several pages share.

A builder is ``build(req: PageRequest) -> SomePage`` (a frozen dataclass): it calls actions through the registry
with the caller's ``Context``, exactly as an API client would, and returns plain data. The HTML page and its
``.json`` are two renderings of that one object (catalog/web/render.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from catalog.actions import get_action
from catalog.context import Context
from catalog.metrics.measures import extras, resource_format
from catalog.web import i18n


@dataclass(frozen=True)
class PageRequest:
    context: Context
    lang: str
    params: dict[str, list[str]]          # query string, every key a list (facets repeat keys)
    path_params: dict[str, str] = field(default_factory=dict)
    base_url: str = ""                    # how this client reached us: API examples must work from here

    def param(self, key: str, default: str = "") -> str:
        values = self.params.get(key)
        return values[0] if values else default

    def values(self, key: str) -> list[str]:
        return [v for v in self.params.get(key, []) if v != ""]

    def call(self, action: str, data: dict | None = None) -> Any:
        return get_action(action)(self.context, dict(data or {}))

    def url(self, path: str, query: dict | list | None = None) -> str:
        """A link to ``path`` (a Japanese path such as ``/dataset``) in this request's language."""
        target = i18n.localize(path, self.lang)
        items = query.items() if isinstance(query, dict) else (query or [])
        items = [(k, v) for k, v in items if v not in (None, "")]
        return f"{target}?{urlencode(items)}" if items else target


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset in a list (search results, recent datasets, an organization's datasets)."""

    name: str
    title: str
    title_en: str
    url: str
    organization: str
    organization_title: str
    formats: list[str]
    modified: str                         # ISO date the content last changed (data_modified), else metadata
    quality_status: str
    private: bool
    notes: str
    organization_title_en: str = ""       # the publisher's English name (the pipeline writes it as the description)


def summarize(req: PageRequest, pkg: dict) -> DatasetSummary:
    ext = extras(pkg)
    org = pkg.get("organization") or {}
    formats = sorted({resource_format(r) for r in pkg.get("resources") or [] if resource_format(r)})
    notes = (ext.get("notes_en") if req.lang == "en" else None) or pkg.get("notes") or ""
    return DatasetSummary(
        name=pkg["name"], title=pkg.get("title") or pkg["name"], title_en=ext.get("title_en", ""),
        url=req.url(f"/dataset/{pkg['name']}"), organization=org.get("name", ""),
        organization_title=org.get("title", ""), formats=formats,
        modified=(ext.get("data_modified") or pkg.get("metadata_modified") or "")[:10],
        quality_status=ext.get("quality_status", ""), private=bool(pkg.get("private")),
        notes=notes[:160] + ("…" if len(notes) > 160 else ""), organization_title_en=org.get("description") or "")


def site_path(url: str | None, site_url: str) -> str | None:
    """An upload URL made relative, so links work whichever host name the client used."""
    if url and url.startswith(site_url + "/"):
        return url[len(site_url):]
    return url


def overall_rate(req: PageRequest, **scope) -> dict | None:
    """The ``published`` row of the latest publication-rate snapshot for a scope, or None before any."""
    result = req.call("publication_rate_show", {"measure": "published", "include_missing": False,
                                                "scope": "overall", **scope})
    row = next(iter(result["results"]), None)
    if row is None:
        return None
    return {"as_of": result["as_of"], "rate": row["rate"], "numerator": row["numerator"],
            "denominator": row["denominator"], "label": i18n.format_rate(row["rate"])}


def publisher_names(req: PageRequest) -> dict[str, str]:
    """{organization name: English name} for English pages (the pipeline writes the publisher's ``name_en`` into
    the organization's description); {} for Japanese ones, whose names the snapshots already carry.
    organization_list counts every organization's datasets (~0.6 s at 100k), so Japanese pages skip it."""
    if req.lang != "en":
        return {}
    orgs = req.call("organization_list", {"all_fields": True, "limit": 1000})
    return {o["name"]: o.get("description") or o.get("title") or o["name"] for o in orgs}
