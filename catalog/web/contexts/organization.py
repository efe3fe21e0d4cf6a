"""Organizations: the list ``/organization`` and one publisher ``/organization/<name>`` with its datasets and
its publication rate, the missing targets listed (from ``publication_rate_show``)."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.web import i18n
from catalog.web.page import DatasetSummary, PageRequest, summarize

PER_PAGE = 20


@dataclass(frozen=True)
class Measure:
    measure: str
    label: str
    numerator: int
    denominator: int
    rate: float | None
    rate_label: str
    missing: list[dict]                   # [{key, title}]


@dataclass(frozen=True)
class OrganizationPage:
    lang: str
    name: str
    title: str
    title_en: str
    publisher_type: str
    code: str
    dataset_count: int
    datasets: list[DatasetSummary]
    page: int
    prev_url: str | None
    next_url: str | None
    as_of: str | None
    measures: list[Measure]


@dataclass(frozen=True)
class OrganizationListPage:
    lang: str
    organizations: list[dict]             # [{name, title, title_en, count, url}]


def build(req: PageRequest) -> OrganizationPage:
    org = req.call("organization_show", {"id": req.path_params["name"], "include_users": False})
    ext = {e["key"]: e["value"] for e in org.get("extras") or []}
    page = _page(req.param("page"))
    found = req.call("package_search", {"fq": f'owner_org:"{org["id"]}"', "rows": PER_PAGE, "include_private": True,
                                        "start": (page - 1) * PER_PAGE, "sort": "metadata_modified desc"})
    rates = req.call("publication_rate_show", {"publisher": org["name"]})
    path = f"/organization/{org['name']}"
    return OrganizationPage(
        lang=req.lang, name=org["name"], title=org.get("title") or org["name"],
        title_en=ext.get("name_en") or org.get("description") or "", publisher_type=ext.get("publisher_type", ""),
        code=ext.get("code", ""), dataset_count=found["count"], datasets=[summarize(req, p) for p in found["results"]],
        page=page, prev_url=req.url(path, {"page": page - 1}) if page > 1 else None,
        next_url=req.url(path, {"page": page + 1}) if page * PER_PAGE < found["count"] else None,
        as_of=rates["as_of"], measures=[_measure(r, req.lang) for r in rates["results"]])


def build_list(req: PageRequest) -> OrganizationListPage:
    # organization_list has no extras; the pipeline writes the English name into ``description`` as well
    orgs = req.call("organization_list", {"all_fields": True, "limit": 1000, "sort": "name"})
    return OrganizationListPage(lang=req.lang, organizations=[
        {"name": org["name"], "title": org.get("title") or org["name"], "title_en": org.get("description") or "",
         "count": org.get("package_count", 0), "url": req.url(f"/organization/{org['name']}")} for org in orgs])


def _measure(row: dict, lang: str) -> Measure:
    missing = [{"key": m.get("key") or "", "title": m.get("title") or ""} for m in row.get("missing") or []]
    return Measure(row["measure"], i18n.measure_name(row["measure"], lang), row["numerator"], row["denominator"],
                   row["rate"], i18n.format_rate(row["rate"]), missing)


def _page(value: str) -> int:
    try:
        return max(1, int(value))
    except ValueError:
        return 1
