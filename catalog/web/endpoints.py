"""Machine endpoints next to the pages: resource downloads, DCAT, Prometheus ``/metrics``, dashboard CSVs.

They run as the page caller (an API token, else the signed-in session), so a member who signed in can download
an internal dataset's files from its page, and nobody else can. DCAT and metrics are provided by
``catalog.dcat`` / ``catalog.metrics``, imported when first requested.
"""
from __future__ import annotations

import csv
import importlib
import io
from email.utils import formatdate, parsedate_to_datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from catalog.store import files, resources
from catalog.actions import get_action
from catalog.errors import NotAuthorized, NotFound
from catalog.web.session import web_context

_NEGOTIABLE = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/rdf+xml": "rdf", "text/n3": "n3"}
DCAT_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
              "xml": "application/rdf+xml", "n3": "text/n3"}


async def download(request: Request) -> Response:
    """An uploaded file, with ETag/Last-Modified (304 on revalidation), byte ranges and an RFC 6266 file name."""
    res_id = request.path_params["res_id"]
    try:
        res = await run_in_threadpool(get_action("resource_show"), web_context(request), {"id": res_id})
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
    """A function another part of the catalog provides (imported lazily, None when absent)."""
    try:
        return getattr(importlib.import_module(module), function, None)
    except ImportError:
        return None


async def metrics(request: Request) -> Response:
    render = _optional("catalog.metrics", "prometheus_text")
    if render is None:
        return PlainTextResponse("Not found", 404)
    text = await run_in_threadpool(render, web_context(request))
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


async def dcat_catalog(request: Request) -> Response:
    render = _optional("catalog.dcat", "render_catalog")
    fmt = request.path_params["fmt"]
    if render is None or fmt not in DCAT_TYPES:
        return PlainTextResponse("Not found", 404)
    body = await run_in_threadpool(render, web_context(request), fmt, dict(request.query_params))
    return _dcat_response(body, fmt)


def rdf_format(request: Request) -> str | None:
    """The RDF format the ``Accept`` header prefers to HTML (content negotiation as ckanext-dcat), else None."""
    best, best_q = None, 0.0
    for order, part in enumerate(request.headers.get("accept", "").split(",")):
        kind, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        fmt = "html" if kind.strip() in ("text/html", "application/xhtml+xml", "*/*") else _NEGOTIABLE.get(kind.strip())
        if fmt and q > best_q:
            best, best_q = fmt, q
    return None if best in (None, "html") else best


async def dcat_catalog_negotiated(request: Request) -> Response:
    """``/catalog``: the catalog in the RDF format the client accepts (Turtle by default)."""
    request.path_params["fmt"] = rdf_format(request) or "ttl"
    return await dcat_catalog(request)


def negotiated(html_endpoint):
    """``/dataset/<name>``: HTML unless the client asks for RDF (text/turtle, application/ld+json, …)."""
    async def endpoint(request: Request) -> Response:
        fmt = rdf_format(request)
        if fmt is None:
            response = await html_endpoint(request)
        else:
            request.path_params.update(pkg_id=request.path_params["name"], fmt=fmt)
            response = await dcat_dataset(request)
        response.headers.append("Vary", "Accept")  # one URL, two representations: caches must key on Accept
        return response
    return endpoint


async def dcat_dataset(request: Request) -> Response:
    render = _optional("catalog.dcat", "render_dataset")
    fmt = request.path_params["fmt"]
    if render is None or fmt not in DCAT_TYPES:
        return PlainTextResponse("Not found", 404)
    try:
        body = await run_in_threadpool(render, web_context(request), request.path_params["pkg_id"], fmt,
                                       dict(request.query_params))
    except NotFound:
        return PlainTextResponse("Not found", 404)
    except NotAuthorized:
        return PlainTextResponse("Forbidden", 403)
    return _dcat_response(body, fmt)


def _dcat_response(body, fmt: str) -> Response:
    if isinstance(body, Response):
        return body
    return Response(body, media_type=f"{DCAT_TYPES[fmt]}; charset=utf-8")


def chart_csv(chart) -> Response:
    """One dashboard chart's numbers as CSV (UTF-8 with BOM, so Excel in Japan opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chart.headers)
    for row in chart.rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in chart.columns])
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{chart.id}.csv"'})

