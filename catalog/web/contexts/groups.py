"""Groups (the Tokyo categories c001…c014): ``/group`` lists them, ``/group/<name>`` lists a group's datasets."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.web import i18n
from catalog.web.page import DatasetSummary, PageRequest, summarize

PER_PAGE = 20


@dataclass(frozen=True)
class GroupListPage:
    lang: str
    groups: list[dict]                    # [{name, title, count, url}]


@dataclass(frozen=True)
class GroupPage:
    lang: str
    name: str
    title: str
    title_other: str                      # the name in the other language, when there is one
    description: str
    dataset_count: int
    datasets: list[DatasetSummary]
    page: int
    prev_url: str | None
    next_url: str | None
    activity_url: str
    feed_url: str


def build_list(req: PageRequest) -> GroupListPage:
    groups = req.call("group_list", {"all_fields": True, "limit": 1000, "sort": "name"})
    return GroupListPage(lang=req.lang, groups=[
        {"name": g["name"], "title": i18n.category_name(g["name"], req.lang, g.get("title")),
         "count": g.get("package_count", 0), "url": req.url(f"/group/{g['name']}")} for g in groups])


def build(req: PageRequest) -> GroupPage:
    grp = req.call("group_show", {"id": req.path_params["name"], "include_users": False})
    try:
        page = max(1, int(req.param("page", "1")))
    except ValueError:
        page = 1
    found = req.call("package_search", {"fq": f'groups:"{grp["name"]}"', "rows": PER_PAGE, "include_private": True,
                                        "start": (page - 1) * PER_PAGE, "sort": "metadata_modified desc"})
    path = f"/group/{grp['name']}"
    title = i18n.category_name(grp["name"], req.lang, grp.get("title"))
    other = i18n.category_name(grp["name"], "ja" if req.lang == "en" else "en", "")
    return GroupPage(
        lang=req.lang, name=grp["name"], title=title, title_other=other if other != title else "",
        description=grp.get("description") or "", dataset_count=found["count"],
        datasets=[summarize(req, p) for p in found["results"]], page=page,
        prev_url=req.url(path, {"page": page - 1}) if page > 1 else None,
        next_url=req.url(path, {"page": page + 1}) if page * PER_PAGE < found["count"] else None,
        activity_url=req.url(f"/group/activity/{grp['name']}"), feed_url=f"/feeds/group/{grp['name']}.atom")
