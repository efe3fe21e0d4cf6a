"""Atom feeds of recently changed datasets, as CKAN's feed views (``ckan/views/feed.py``): the whole catalog
``/feeds/dataset.atom``, one organization ``/feeds/organization/<id>.atom`` and one group ``/feeds/group/<id>.atom``.

Newest first (``metadata_modified``), 20 entries a page (``?page=``) with first/previous/next/last links; each
entry links the dataset page and carries its description, tags as categories and the publisher as author. They
run as the page caller, so internal datasets appear only in feeds read by their organization's members.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from catalog.actions import get_action
from catalog.errors import NotFound
from catalog.web.session import web_context

ATOM = "http://www.w3.org/2005/Atom"
ITEMS = 20                             # CKAN's ckan.feeds.limit
SITE_TITLE = "東京都オープンデータカタログ"
ET.register_namespace("", ATOM)


def _atom_time(value: str | None) -> str:
    return (value or "1970-01-01T00:00:00")[:19] + "Z"


def _tag_uri(site_url: str, path: str) -> str:
    return f"tag:{urlsplit(site_url).hostname or 'localhost'},2024:{path}"


def build(context, *, fq: str, title: str, path: str, page: int) -> bytes:
    found = get_action("package_search")(context, {"fq": fq, "rows": ITEMS, "start": (page - 1) * ITEMS,
                                                   "sort": "metadata_modified desc", "include_private": True})
    site = context.site_url
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "ja"})

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", _tag_uri(site, path))
    sub(feed, "title", title)
    sub(feed, "subtitle", f"{SITE_TITLE}: 最近更新されたデータセット / recently changed datasets")
    results = found["results"]
    sub(feed, "updated", _atom_time(results[0]["metadata_modified"] if results else None))
    sub(feed, "link", href=f"{site}{path}" + (f"?page={page}" if page > 1 else ""), rel="self",
        type="application/atom+xml")
    sub(feed, "link", href=f"{site}/dataset", rel="alternate", type="text/html")
    last = max(1, math.ceil(found["count"] / ITEMS))
    for rel, number in (("first", 1), ("last", last), ("previous", page - 1 if page > 1 else None),
                        ("next", page + 1 if page < last else None)):
        if number:
            sub(feed, "link", href=f"{site}{path}?page={number}", rel=rel, type="application/atom+xml")
    sub(feed, "generator", "Tokyo Open Data Platform (CKAN 2.11 API)", uri=site)
    for pkg in results:
        entry = sub(feed, "entry")
        sub(entry, "id", _tag_uri(site, f"/dataset/{pkg['id']}"))
        sub(entry, "title", pkg.get("title") or pkg["name"])
        sub(entry, "link", href=f"{site}/dataset/{pkg['name']}", rel="alternate", type="text/html")
        sub(entry, "link", href=f"{site}/api/3/action/package_show?id={pkg['name']}", rel="enclosure",
            type="application/json")
        sub(entry, "updated", _atom_time(pkg.get("metadata_modified")))
        sub(entry, "published", _atom_time(pkg.get("metadata_created")))
        author = sub(entry, "author")
        org = pkg.get("organization") or {}
        sub(author, "name", pkg.get("author") or org.get("title") or org.get("name") or SITE_TITLE)
        if pkg.get("notes"):
            sub(entry, "summary", pkg["notes"], type="text")
        for tag in pkg.get("tags") or []:
            sub(entry, "category", term=tag["name"])
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _page(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _response(body: bytes) -> Response:
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def dataset_feed(request: Request) -> Response:
    context = web_context(request)
    body = await run_in_threadpool(build, context, fq="", title=f"{SITE_TITLE} — データセット / Datasets",
                                   path="/feeds/dataset.atom", page=_page(request))
    return _response(body)


def _group_feed(is_org: bool):
    async def endpoint(request: Request) -> Response:
        context = web_context(request)
        kind = "organization" if is_org else "group"
        try:
            grp = await run_in_threadpool(get_action(f"{kind}_show"), context,
                                          {"id": request.path_params["name"], "include_users": False})
        except NotFound:
            return PlainTextResponse("Not found", 404)
        fq = f'owner_org:"{grp["id"]}"' if is_org else f'groups:"{grp["name"]}"'
        title = f"{SITE_TITLE} — {grp.get('title') or grp['name']}"
        body = await run_in_threadpool(build, context, fq=fq, title=title,
                                       path=f"/feeds/{kind}/{grp['name']}.atom", page=_page(request))
        return _response(body)

    endpoint.__name__ = f"{'organization' if is_org else 'group'}_feed"
    return endpoint


organization_feed = _group_feed(True)
group_feed = _group_feed(False)
