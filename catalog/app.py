"""The HTTP server: CKAN's Action API, resource downloads, a small home page, and the DCAT/metrics hooks.

CKAN's envelope and error codes are produced only here (``_respond``/``_error``); actions just raise
``catalog.errors``. Compatibility is the feature, so the quirks are reproduced: bare JSON strings for
unknown actions and bad requests, ``\\uXXXX``-escaped JSON, ``help`` URLs with ``/3/``, 403 (never 401).
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import re
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalog.search import facets
from catalog import web
from catalog.actions import get_action, registered, registry
from catalog.caller import context_for, site_url_of
from catalog.context import Context
from catalog.errors import NotAuthorized, NotFound, SearchError, SearchQueryError, ValidationError
from catalog.store.files import Upload
from catalog.store import open_store

log = logging.getLogger(__name__)
JSON_TYPE = "application/json;charset=utf-8"
MAX_BODY = 10 << 20  # bytes of one request body (CKAN's ckan.max_resource_size is 10 MB too): more is a 413
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")  # JSONP: a function name, never script
MAX_JSON_DEPTH = 32  # nesting of a JSON body: no CKAN action reads anything deeper than a few levels


def create_app(home: Path, site_url: str, trusted_proxies: tuple[str, ...] = ()) -> Starlette:
    """The catalog ASGI app for the data home ``home``, publicly reachable at ``site_url``.

    With ``trusted_proxies`` (addresses of reverse proxies), a request those send with ``X-Forwarded-Host``
    is answered for the address it names: ``X-Forwarded-Proto://X-Forwarded-Host`` becomes its site URL (every
    link in the answer), ``X-Forwarded-For`` its client. The same headers from anyone else are ignored.
    """
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
    ], middleware=[Middleware(_Forwarded, trusted=tuple(trusted_proxies)),
                   Middleware(web.AnswerCache, generation=store.generation),  # anonymous GETs, until a change
                   Middleware(_Gzip),
                   Middleware(_BodyLimit, limit=MAX_BODY),
                   *web.middleware(Path(home))])  # web UI: the signed session cookie of /user/login
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
    context = context_for(request, anonymous=callback is not None)  # JSONP runs as anonymous, like CKAN
    if callback is not None and not _CALLBACK.fullmatch(callback):
        return _json(_error(context, name, ValidationError({"callback": [
            "Must be a JavaScript name: ^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$"]}))[1], 409)
    try:
        data = await _request_data(request)
    except _BadRequest as e:
        return _json(str(e), 400)
    except ValidationError as exc:
        return _json(_error(context, name, exc)[1], 409)
    data.pop("callback", None)
    data.pop("_", None)  # jQuery's cache buster
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
        try:
            form = await request.form()  # Starlette's caps: 1,000 fields, 1 MB per non-file field
        except HTTPException as exc:
            raise _BadRequest(f"Bad request - {exc.detail}") from None
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
    except RecursionError:  # the C decoder's own guard: far deeper than MAX_JSON_DEPTH
        raise ValidationError({"__body": [f"JSON nested deeper than {MAX_JSON_DEPTH} levels"]}) from None
    except ValueError:
        raise _BadRequest("Bad request - JSON Error: Error decoding JSON data. Error: <BadRequest '400: Bad Request'> "
                          "JSON data extracted from the request: {}") from None
    if not isinstance(data, dict):
        raise _BadRequest(f"Bad request - JSON Error: Request data JSON decoded to {_short(data)} but it needs to "
                          "be a dictionary.")
    deep = [key for key, value in data.items() if _depth(value) >= MAX_JSON_DEPTH]
    if deep:
        raise ValidationError({key: [f"JSON nested deeper than {MAX_JSON_DEPTH} levels"] for key in deep})
    return data


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (0 for a scalar), walked without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            stack.extend((v, level) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


class _Forwarded:
    """``X-Forwarded-Proto``/``-Host``/``-For`` from a trusted proxy: the request as the public sent it."""

    def __init__(self, app, trusted: tuple[str, ...]):
        self.app = app
        self.any = "*" in trusted
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted if t != "*"]

    def _trusted(self, client) -> bool:
        if not client:
            return False
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self._trusted(scope.get("client")):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        scope = dict(scope)
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        host = headers.get(b"x-forwarded-host", b"").decode("latin-1").split(",")[0].strip()
        if host and _HOST.fullmatch(host):
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", host.encode())]
            scope["forwarded_host"] = host
        forwarded_for = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")[0].strip()
        if forwarded_for:
            scope["client"] = (forwarded_for, 0)
        await self.app(scope, receive, send)


_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class _Gzip:
    """gzip for HTML, JSON, CSV, GeoJSON, RDF … when the client accepts it; never for files that are compressed
    already (Parquet, images) nor for range requests (a byte range of a compressed body means nothing)."""

    _SKIP = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.apache.parquet", "application/octet-stream",
             "image/*")

    def __init__(self, app):
        self.app, self.gzip = app, GZipMiddleware(app, minimum_size=1024, compresslevel=6,
                                                       exclude_content_types=self._SKIP)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and any(k == b"range" for k, _ in scope.get("headers") or []):
            return await self.app(scope, receive, send)
        return await self.gzip(scope, receive, send)


class _TooLarge(Exception):
    pass


class _BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413: by Content-Length up front, and while streaming
    (chunked bodies have none), before anything buffers them."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.limit:
            return await _too_large(scope, send, self.limit)
        received, started = 0, False

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge()
            return message

        async def watching_send(message):
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await _too_large(scope, send, self.limit)


async def _too_large(scope, send, limit: int) -> None:
    path = scope.get("path", "")
    message = f"Request body is larger than {limit} bytes"
    if "/action/" in path:
        site = site_url_of(Request(scope)) if "app" in scope else ""
        body = {"help": f"{site}/api/3/action/help_show?name={path.rsplit('/', 1)[-1]}",
                "error": {"__type": "Request Entity Too Large", "message": message}, "success": False}
        response = _json(body, 413)
    else:
        mb = limit >> 20
        response = Response(f"ファイルが大きすぎます（最大 {mb} MB）。\nThe file is too large (at most {mb} MB).\n{message}",
                            status_code=413, media_type="text/plain;charset=utf-8")
    await response(scope, _discard, send)


async def _discard():
    return {"type": "http.disconnect"}


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
