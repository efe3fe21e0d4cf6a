"""The HTTP server: CKAN's Action API, resource downloads, a small home page, and the DCAT/metrics hooks.

CKAN's envelope and error codes are produced only here (``_respond``/``_error``); actions just raise
``catalog.errors``. Compatibility is the feature, so the quirks are reproduced: bare JSON strings for
unknown actions and bad requests, ``\\uXXXX``-escaped JSON, ``help`` URLs with ``/3/``, 403 (never 401).
"""
from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalog.search import facets
from catalog import web
from catalog.actions import get_action, registered, registry
from catalog.caller import context_for
from catalog.context import Context
from catalog.errors import NotAuthorized, NotFound, SearchError, SearchQueryError, ValidationError
from catalog.store.files import Upload
from catalog.store import open_store

log = logging.getLogger(__name__)
JSON_TYPE = "application/json;charset=utf-8"


def create_app(home: Path, site_url: str) -> Starlette:
    """The catalog ASGI app for the data home ``home``, publicly reachable at ``site_url``."""
    store = open_store(Path(home))

    def warm() -> None:
        registry()           # imports every action module
        facets.warm(store)   # ~1.4 s at 100k datasets

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # Ready means warm: the first requests neither pay for the imports nor compete with the facet build.
        await run_in_threadpool(warm)
        yield

    app = Starlette(lifespan=lifespan, routes=[
        Route("/api/3/action/{name}", _action_endpoint, methods=["GET", "POST"]),
        Route("/api/action/{name}", _action_endpoint, methods=["GET", "POST"]),
        Route("/api", _api_version), Route("/api/3", _api_version),
        *web.routes(),  # pages, downloads, DCAT, /metrics (catalog/web/)
    ], middleware=web.middleware(Path(home)))  # web UI: the signed session cookie of /user/login
    app.state.store, app.state.home, app.state.site_url = store, Path(home), site_url.rstrip("/")
    return app


async def _api_version(request: Request) -> Response:
    return _json({"version": 3})


async def _action_endpoint(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        entry = registered(name)
    except KeyError:
        return _json(f"Bad request - Action name not known: {name}", 400)
    if request.method == "GET" and not entry.side_effect_free:
        return _json("Bad request - JSON Error: Invalid request. Please use POST method for your request", 400)
    callback = request.query_params.get("callback") if request.method == "GET" else None
    try:
        data = await _request_data(request)
    except _BadRequest as e:
        return _json(str(e), 400)
    data.pop("callback", None)
    data.pop("_", None)  # jQuery's cache buster
    context = context_for(request, anonymous=callback is not None)  # JSONP runs as anonymous, like CKAN
    try:
        result = await run_in_threadpool(get_action(name), context, data)
        status, body = 200, {"help": _help(context, name), "success": True, "result": result}
    except Exception as exc:  # noqa: BLE001 - every failure becomes CKAN's error envelope
        status, body = _error(context, name, exc)
    finally:
        for value in data.values():
            if isinstance(value, Upload):
                value.fileobj.close()
    if callback and status == 200:
        return Response(f"{callback}({_dumps(body)});", media_type="application/javascript;charset=utf-8")
    return _json(body, status)


def _error(context: Context, name: str, exc: Exception) -> tuple[int, dict]:
    """The one place where catalog errors become CKAN's error envelope and HTTP status."""
    if isinstance(exc, NotFound):
        status, error = 404, {"__type": "Not Found Error", "message": f"Not found: {exc}" if str(exc) else "Not found"}
    elif isinstance(exc, NotAuthorized):
        status, error = 403, {"__type": "Authorization Error",
                              "message": f"Access denied: {exc}" if str(exc) else "Access denied"}
    elif isinstance(exc, ValidationError):
        status, error = 409, {**exc.error_dict, "__type": "Validation Error"}
    elif isinstance(exc, SearchQueryError):
        status, error = 400, {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc.args[0]!r}"}
    elif isinstance(exc, SearchError):
        status, error = 409, {"__type": "Search Error", "message": f"Search error: {exc.args[0]!r}"}
    else:
        log.exception("action %s failed", name)
        status, error = 500, {"__type": "Internal Server Error", "message": "Internal Server Error"}
    return status, {"help": _help(context, name), "error": error, "success": False}


def _help(context: Context, name: str) -> str:
    return f"{context.site_url}/api/3/action/help_show?name={name}"


class _BadRequest(Exception):
    pass


async def _request_data(request: Request) -> dict[str, Any]:
    """Query string for GET; JSON, url-encoded or multipart body (files become ``Upload``s) for POST."""
    if request.method == "GET":
        return _multidict(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        items = [(k, Upload(v.filename or "upload", v.file) if hasattr(v, "filename") and hasattr(v, "file") else v)
                 for k, v in form.multi_items()]
        data = _multidict(items)
        if len(data) == 1 and next(iter(data.values())) in ("1", ""):  # legacy: the JSON is the field name
            return _parse_json(next(iter(data)).encode())
        return data
    return _parse_json(await request.body())


def _parse_json(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise _BadRequest("Bad request - JSON Error: Error decoding JSON data. Error: <BadRequest '400: Bad Request'> "
                          "JSON data extracted from the request: {}") from None
    if not isinstance(data, dict):
        raise _BadRequest(f"Bad request - JSON Error: Request data JSON decoded to {data!r} but it needs to be a "
                          "dictionary.")
    return data


def _multidict(items) -> dict[str, Any]:
    """A key given once is a string, repeated keys make a list (``fq_list=a&fq_list=b``), as CKAN reads them."""
    data: dict[str, Any] = {}
    for key, value in items:
        if key in data:
            data[key] = (data[key] if isinstance(data[key], list) else [data[key]]) + [value]
        else:
            data[key] = value
    return data


def _dumps(value: Any) -> str:
    return json.dumps(value)  # ensure_ascii, as CKAN's simplejson emits it


def _json(value: Any, status: int = 200) -> Response:
    return Response(_dumps(value), status_code=status, media_type=JSON_TYPE)
