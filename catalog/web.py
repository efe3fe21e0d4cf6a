"""Non-API routes: resource downloads, the home page, and the hooks for ``catalog.metrics`` and ``catalog.dcat``.

Pages call the same actions as the API; nothing here reads the store directly.
"""
from __future__ import annotations

import importlib
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from catalog import files, resources
from catalog.actions import get_action
from catalog.caller import context_for
from catalog.errors import NotAuthorized, NotFound

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))
_DCAT_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
               "xml": "application/rdf+xml", "n3": "text/n3"}


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/dataset/{pkg_id}/resource/{res_id}/download/{filename}", download),
        Route("/metrics", metrics),
        Route("/catalog.{fmt}", dcat_catalog),
        Route("/dataset/{pkg_id}.{fmt}", dcat_dataset),
    ]


async def home(request: Request) -> Response:
    """The newest datasets with their organization and download links, and a search box."""
    q = request.query_params.get("q", "")
    result = await run_in_threadpool(get_action("package_search"), context_for(request),
                                     {"q": q, "rows": 50, "sort": "score desc, metadata_modified desc" if q else
                                      "metadata_modified desc", "facet.field": '["organization"]'})
    html = _templates.get_template("index.html").render(q=q, result=result)
    return HTMLResponse(html)


async def download(request: Request) -> Response:
    """An uploaded file, with ETag/Last-Modified (304 on revalidation), byte ranges and an RFC 6266 file name."""
    res_id = request.path_params["res_id"]
    try:
        res = await run_in_threadpool(get_action("resource_show"), context_for(request), {"id": res_id})
    except NotFound:
        return PlainTextResponse("Not found", 404)
    except NotAuthorized:
        return PlainTextResponse("Forbidden", 403)
    filename = resources.filename_of(res)
    path = files.resource_dir(request.app.state.store.files_dir, res_id) / (filename or "")
    if not filename or not path.is_file():
        return PlainTextResponse("Not found", 404)
    stat = path.stat()
    media_type = res.get("mimetype") or files.guess_mimetype(filename) or "application/octet-stream"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    response = FileResponse(path, media_type=media_type, stat_result=stat,
                            headers={"content-disposition": files.content_disposition(filename)})
    if _not_modified(request, response.headers["etag"], stat.st_mtime):
        return Response(status_code=304, headers={"etag": response.headers["etag"],
                                                  "last-modified": formatdate(stat.st_mtime, usegmt=True)})
    return response


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = request.headers.get("if-modified-since")
    try:
        return since is not None and int(mtime) <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


def _optional(module: str, function: str):
    """A function another part of the catalog may provide (imported lazily, None when absent)."""
    try:
        return getattr(importlib.import_module(module), function, None)
    except ImportError:
        return None


async def metrics(request: Request) -> Response:
    render = _optional("catalog.metrics", "prometheus_text")
    if render is None:
        return PlainTextResponse("Not found", 404)
    text = await run_in_threadpool(render, context_for(request))
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


async def dcat_catalog(request: Request) -> Response:
    render = _optional("catalog.dcat", "render_catalog")
    fmt = request.path_params["fmt"]
    if render is None or fmt not in _DCAT_TYPES:
        return PlainTextResponse("Not found", 404)
    body = await run_in_threadpool(render, context_for(request), fmt, dict(request.query_params))
    return _dcat_response(body, fmt)


async def dcat_dataset(request: Request) -> Response:
    render = _optional("catalog.dcat", "render_dataset")
    fmt = request.path_params["fmt"]
    if render is None or fmt not in _DCAT_TYPES:
        return PlainTextResponse("Not found", 404)
    try:
        body = await run_in_threadpool(render, context_for(request), request.path_params["pkg_id"], fmt)
    except NotFound:
        return PlainTextResponse("Not found", 404)
    except NotAuthorized:
        return PlainTextResponse("Forbidden", 403)
    return _dcat_response(body, fmt)


def _dcat_response(body, fmt: str) -> Response:
    if isinstance(body, Response):
        return body
    return Response(body, media_type=f"{_DCAT_TYPES[fmt]}; charset=utf-8")
