"""Dataset ``/dataset/<name>``: metadata ja/en, licence, freshness, standard, quality, downloads, preview, map, API."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from catalog.metrics.measures import FREQUENCY_DELTAS, extras, grace, is_fresh, last_update, normalise_frequency
from catalog.web import i18n
from catalog.web.contexts.preview import MapData, Preview, map_data, pick_resource, preview
from catalog.web.contexts.snippets import Snippet, snippets
from catalog.web.contexts import steward as _steward
from catalog.web.page import PageRequest, site_path


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    format: str
    size: int | None
    size_label: str
    url: str
    description: str
    last_modified: str
    page_url: str                         # the resource page (metadata, and the explorer of its DataStore table)


@dataclass(frozen=True)
class DatasetPage:
    lang: str
    name: str
    title: str
    title_en: str
    notes: str
    notes_en: str
    private: bool
    organization: dict                    # {name, title, url}
    license: dict                         # {id, title, url, isopen}
    freshness: dict                       # {frequency, label, last_update, next_due, fresh}
    standard: dict | None                 # {slug, label, conformant}
    quality: dict                         # {status, label, errors, warnings, report_url}
    categories: list[dict]
    tags: list[dict]
    resources: list[Resource]
    preview: Preview | None
    map: MapData | None
    api_examples: list[Snippet]
    dcat: dict                            # {"ttl": url, "jsonld": url}
    community: dict = field(default_factory=dict)   # activity, share/embed, report a problem (contexts/steward.py)
    steward: dict | None = None           # for the organization's members and editors only


def build(req: PageRequest) -> DatasetPage:
    pkg = req.call("package_show", {"id": req.path_params["name"]})
    ext = extras(pkg)
    site = req.context.site_url
    resources = [_resource(req, pkg["name"], r, site) for r in pkg.get("resources") or []]
    table = preview(req, pick_resource(pkg))
    geojson = next((r.url for r in resources if r.format.upper() == "GEOJSON"), None)
    org = pkg.get("organization") or {}
    return DatasetPage(
        lang=req.lang, name=pkg["name"], title=pkg.get("title") or pkg["name"], title_en=ext.get("title_en", ""),
        notes=pkg.get("notes") or "", notes_en=ext.get("notes_en", ""), private=bool(pkg.get("private")),
        organization={"name": org.get("name", ""), "title": org.get("title", ""), "title_en": org.get("description", ""),
                      "url": req.url(f"/organization/{org.get('name', '')}")},
        license={"id": pkg.get("license_id") or "",
                 "title": i18n.license_name(pkg.get("license_id"), pkg.get("license_title"), req.lang),
                 "url": pkg.get("license_url") or "", "isopen": bool(pkg.get("isopen"))},
        freshness=freshness(pkg, ext, date.today(), req.lang),
        standard=_standard(ext, req.lang), quality=_quality(req, pkg["name"], ext),
        categories=[{"id": g["name"], "label": i18n.category_name(g["name"], req.lang, g.get("title")),
                     "url": req.url("/dataset", {"groups": g["name"]})} for g in pkg.get("groups") or []],
        tags=[{"name": t["name"], "url": req.url("/dataset", {"tags": t["name"]})} for t in pkg.get("tags") or []],
        resources=resources, preview=table, map=map_data(req, pkg, table, geojson),
        api_examples=snippets(req.base_url, pkg, table.resource_id if table else None, req.lang),
        dcat={fmt: f"/dataset/{pkg['name']}.{fmt}" for fmt in ("ttl", "jsonld")},
        community=_steward.community(req, pkg, table.resource_id if table else None),
        steward=_steward.steward(req, pkg))


def freshness(pkg: dict, ext: dict, today: date, lang: str) -> dict:
    """udata's rule (catalog.metrics): due = last update + period; on time until due + grace."""
    freq = normalise_frequency(ext.get("update_frequency"))
    updated = last_update(pkg, ext)
    delta = FREQUENCY_DELTAS.get(freq) if freq else None
    due = updated + delta if updated and delta else None
    return {"frequency": freq or "", "label": i18n.frequency_name(freq, lang),
            "last_update": updated.isoformat() if updated else "", "next_due": due.isoformat() if due else "",
            "grace_days": grace(delta).days if delta else 0, "fresh": is_fresh(pkg, ext, today)}


def _resource(req: PageRequest, name: str, res: dict, site_url: str) -> Resource:
    fmt = res.get("format") or ""
    return Resource(id=res["id"], name=res.get("name") or fmt, format=fmt, size=res.get("size"),
                    size_label=i18n.format_size(res.get("size")), url=site_path(res.get("url"), site_url) or "",
                    description=res.get("description") or "",
                    last_modified=(res.get("last_modified") or res.get("created") or "")[:10],
                    page_url=req.url(f"/dataset/{name}/resource/{res['id']}"))


def _standard(ext: dict, lang: str) -> dict | None:
    slug = ext.get("standard")
    if not slug:
        return None
    return {"slug": slug, "label": i18n.standard_name(slug, lang),
            "conformant": ext.get("standard_conformant", "").lower() == "true"}


def _quality(req: PageRequest, name: str, ext: dict) -> dict:
    status = ext.get("quality_status", "")
    return {"status": status, "label": i18n.quality_name(status, req.lang),
            "errors": int(ext.get("quality_errors") or 0), "warnings": int(ext.get("quality_warnings") or 0),
            "version": ext.get("table_version", ""),
            "report_url": req.url(f"/dataset/{name}/quality") if status else ""}
