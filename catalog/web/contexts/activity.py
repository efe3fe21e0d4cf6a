"""Activity pages as CKAN 2.11's activity plugin: ``/dataset/activity/<name>`` and
``/organization/activity/<name>`` (and ``/group/activity/<name>``), newest first, 31 a page, from the same
``*_activity_list`` actions an API client calls."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.metrics.measures import extras
from catalog.web import i18n
from catalog.web.page import PageRequest

PER_PAGE = 31


@dataclass(frozen=True)
class ActivityItem:
    timestamp: str                        # ISO, UTC
    when: str                             # "2026-12-03 17:01 UTC"
    activity_type: str
    text: str                             # "admin updated the dataset AED"
    actor: str
    object_title: str
    object_url: str


@dataclass(frozen=True)
class ActivityPage:
    lang: str
    kind: str                             # dataset / organization / group
    name: str
    title: str
    url: str                              # the object's own page
    feed_url: str | None
    items: list[ActivityItem]
    newer_url: str | None
    older_url: str | None


def _item(req: PageRequest, act: dict) -> ActivityItem:
    data = act.get("data") or {}
    obj = data.get("package") or data.get("organization") or data.get("group") or {}
    if "package" in data:
        ext = extras(obj)
        title = (ext.get("title_en") if req.lang == "en" else None) or obj.get("title") or obj.get("name", "")
        url = req.url(f"/dataset/{obj.get('name', '')}") if obj.get("state") != "deleted" else ""
    else:
        title = (obj.get("description") if req.lang == "en" and "organization" in data else None) \
            or obj.get("title") or obj.get("name", "")
        kind = "organization" if "organization" in data else "group"
        url = req.url(f"/{kind}/{obj.get('name', '')}")
    actor = data.get("actor") or i18n.t(req.lang, "someone")
    key = f"activity_{act['activity_type']}"
    text = i18n.t(req.lang, key, actor=actor, title=title) if key in i18n._WORDS else act["activity_type"]
    ts = act["timestamp"]
    return ActivityItem(timestamp=ts, when=f"{ts[:10]} {ts[11:16]} UTC", activity_type=act["activity_type"],
                        text=text, actor=actor, object_title=title, object_url=url)


def _offset(req: PageRequest) -> int:
    try:
        return max(0, int(req.param("offset", "0")))
    except ValueError:
        return 0


def _build(req: PageRequest, kind: str, action: str, obj: dict, title: str, path: str,
           feed_url: str | None) -> ActivityPage:
    offset = _offset(req)
    acts = req.call(action, {"id": obj["id"], "offset": offset, "limit": PER_PAGE + 1})
    page_path = f"/{kind}/activity/{obj['name']}"
    return ActivityPage(
        lang=req.lang, kind=kind, name=obj["name"], title=title, url=req.url(path), feed_url=feed_url,
        items=[_item(req, a) for a in acts[:PER_PAGE]],
        newer_url=req.url(page_path, {"offset": max(0, offset - PER_PAGE) or None}) if offset else None,
        older_url=req.url(page_path, {"offset": offset + PER_PAGE}) if len(acts) > PER_PAGE else None)


def build_dataset(req: PageRequest) -> ActivityPage:
    pkg = req.call("package_show", {"id": req.path_params["name"]})
    ext = extras(pkg)
    title = (ext.get("title_en") if req.lang == "en" else None) or pkg.get("title") or pkg["name"]
    return _build(req, "dataset", "package_activity_list", pkg, title, f"/dataset/{pkg['name']}", None)


def build_organization(req: PageRequest) -> ActivityPage:
    org = req.call("organization_show", {"id": req.path_params["name"], "include_users": False})
    title = (org.get("description") if req.lang == "en" else None) or org.get("title") or org["name"]
    return _build(req, "organization", "organization_activity_list", org, title, f"/organization/{org['name']}",
                  f"/feeds/organization/{org['name']}.atom")


def build_group(req: PageRequest) -> ActivityPage:
    grp = req.call("group_show", {"id": req.path_params["name"], "include_users": False})
    title = i18n.category_name(grp["name"], req.lang, grp.get("title"))
    return _build(req, "group", "group_activity_list", grp, title, f"/group/{grp['name']}",
                  f"/feeds/group/{grp['name']}.atom")
