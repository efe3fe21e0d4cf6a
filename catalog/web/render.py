"""Two renderings of one page object: HTML through Jinja2 (``catalog/templates/``) or its ``.json``.

The HTML links its ``.json`` with ``rel="alternate"`` (header and ``<link>``), and the other language's page
with ``hreflang``; the language switch keeps the path and the query string.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from catalog.web.security import CSRF_FIELD, csrf_token
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from catalog.web import i18n

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
JSON_TYPE = "application/json; charset=utf-8"
DEFAULT_TILES = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"   # 地理院タイル（標準地図）
TILE_ATTRIBUTION = '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>'

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["rate"] = i18n.format_rate
env.filters["number"] = lambda n: "—" if n is None else f"{n:,}"


def tile_url() -> str:
    """The map tile URL template: ``OPENDATA_TILE_URL`` when set (read per request, never at import time)."""
    return os.environ.get("OPENDATA_TILE_URL") or DEFAULT_TILES


def as_dict(page: Any) -> dict:
    return dataclasses.asdict(page)


def json_response(page: Any, status: int = 200) -> Response:
    body = json.dumps(as_dict(page), ensure_ascii=False, default=str)
    return Response(body, status_code=status, media_type=JSON_TYPE)


def json_path(path: str) -> str:
    """The ``.json`` URL path of a page path (``/`` → ``/index.json``, ``/en/`` → ``/en/index.json``)."""
    if path in ("/", "/en", "/en/"):
        return path.rstrip("/") + "/index.json"
    return path + ".json"


def html(request: Request, template: str, page: Any, *, status: int = 200, user: dict | None = None,
         extra: dict | None = None) -> HTMLResponse:
    lang = i18n.lang_of(request.url.path)
    path, query = request.url.path, request.url.query
    alternate = json_path(path) + (f"?{query}" if query else "")
    other = "ja" if lang == "en" else "en"
    switch = i18n.localize(i18n.unlocalize(path), other) + (f"?{query}" if query else "")
    body = env.get_template(template).render(
        page=page, lang=lang, other_lang=other, t=lambda key, **fmt: i18n.t(lang, key, **fmt),
        u=lambda p, q=None: _url(p, lang, q), i18n=i18n, json_url=alternate, switch_url=switch, user=user,
        login_url=i18n.localize("/user/login", lang) + "?next=" + quote(path + (f"?{query}" if query else ""), safe="/"),
        logout_url=i18n.localize("/user/logout", lang), current=path, tile_url=tile_url(),
        tile_attribution=TILE_ATTRIBUTION, csrf=lambda: csrf_token(request), csrf_field=CSRF_FIELD, **(extra or {}))
    headers = {"link": f'<{alternate}>; rel="alternate"; type="application/json"'}
    return HTMLResponse(body, status_code=status, headers=headers)


def error(request: Request, status: int, *, as_json: bool, user: dict | None, message: str = "") -> Response:
    """404/403/400 as a page in the request's language, or Datasette-style ``{"ok": false, …}`` JSON."""
    lang = i18n.lang_of(request.url.path)
    key = {404: "not_found", 403: "forbidden"}.get(status, "error")
    title = i18n.t(lang, key)
    if as_json:
        body = {"ok": False, "error": message or title, "status": status}
        return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=JSON_TYPE)
    page = {"title": title, "message": message, "status": status, "forbidden": status == 403}
    return html(request, "error.html", page, status=status, user=user)


def _url(path: str, lang: str, query: dict | None) -> str:
    target = i18n.localize(path, lang)
    items = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return f"{target}?{urlencode(items)}" if items else target
