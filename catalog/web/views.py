"""HTTP handlers of the pages: turn a request into a ``PageRequest``, run the page's builder in a worker thread,
render the result as HTML or ``.json``. No page logic lives here (see ``catalog/web/contexts/``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse

from catalog.store import files
from catalog.errors import NotAuthorized, NotFound, SearchError, SearchQueryError, ValidationError
from catalog.web import charts, endpoints, i18n, render, security, session
from catalog.web.contexts import dashboard, quality, resource
from catalog.web.page import PageRequest

Builder = Callable[[PageRequest], Any]


def page_request(request: Request) -> PageRequest:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return PageRequest(context=session.web_context(request), lang=i18n.lang_of(request.url.path), params=params,
                       path_params=dict(request.path_params), base_url=str(request.base_url).rstrip("/"))


async def build(request: Request, builder: Builder, as_json: bool) -> tuple[PageRequest, Any, Response | None]:
    """(request, page, None) or (request, None, an error response)."""
    req = page_request(request)
    try:
        return req, await run_in_threadpool(builder, req), None
    except NotFound as exc:
        return req, None, render.error(request, 404, as_json=as_json, user=req.context.user, message=str(exc))
    except NotAuthorized:
        return req, None, render.error(request, 403, as_json=as_json, user=req.context.user)
    except (ValidationError, SearchQueryError, SearchError) as exc:
        message = str(getattr(exc, "error_dict", None) or exc)
        return req, None, render.error(request, 400, as_json=as_json, user=req.context.user, message=message)


def page(builder: Builder, template: str, decorate: Callable | None = None):
    """The HTML endpoint of a page; ``decorate(page, lang)`` adds template-only extras (e.g. chart SVGs)."""
    async def endpoint(request: Request) -> Response:
        req, result, failed = await build(request, builder, as_json=False)
        if failed:
            return failed
        extra = await run_in_threadpool(decorate, result, req.lang) if decorate else None
        return render.html(request, template, result, user=req.context.user, extra=extra)

    endpoint.__name__ = f"{template.removesuffix('.html')}_page"
    return endpoint


def page_json(builder: Builder):
    async def endpoint(request: Request) -> Response:
        _, result, failed = await build(request, builder, as_json=True)
        return failed or render.json_response(result)

    return endpoint


def dashboard_svgs(result: dashboard.DashboardPage, lang: str) -> dict:
    return {"svgs": {c.id: charts.svg(c, lang, highlight=result.category) for c in result.charts if c.id != "matrix"},
            "legend": charts.legend(lang)}


async def dashboard_csv(request: Request) -> Response:
    chart_id = request.path_params["chart"]
    if chart_id not in dashboard.CHARTS:
        return render.error(request, 404, as_json=True, user=None)
    _, result, failed = await build(request, dashboard.build, as_json=True)
    return failed or endpoints.chart_csv(next(c for c in result.charts if c.id == chart_id))


async def explorer_csv(request: Request) -> Response:
    """The explorer's filtered + sorted view as CSV: every matching row, streamed chunk by chunk."""
    req, result, failed = await build(request, resource.csv_chunks, as_json=True)
    if failed:
        return failed
    filename, chunks = result
    return StreamingResponse((c.encode("utf-8") for c in chunks), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})


async def login(request: Request) -> Response:
    lang = i18n.lang_of(request.url.path)
    next_url = session.safe_next(request.query_params.get("next"), i18n.localize("/", lang))
    failed = False
    if request.method == "POST":
        form = await request.form()
        if not security.csrf_ok(request, form):
            return render.error(request, 403, as_json=False, user=None, message=i18n.t(lang, "csrf_failed"))
        name = str(form.get("username", ""))
        address, limits = (request.client.host if request.client else ""), security.login_limits(request.app)
        wait = limits.wait(address, name)
        if wait:
            response = render.error(request, 429, as_json=False, user=None, message=i18n.t(lang, "too_many_logins"))
            response.headers["Retry-After"] = str(wait)
            return response
        user = await run_in_threadpool(session.sign_in, request, name, str(form.get("token", "")))
        if user is not None:
            return RedirectResponse(session.safe_next(str(form.get("next", "")), next_url), status_code=303)
        limits.failed(address, name)
        failed = True
    context = session.web_context(request)
    result = {"next": next_url, "failed": failed}
    return render.html(request, "login.html", result, status=400 if failed else 200, user=context.user)


async def logout(request: Request) -> Response:
    lang = i18n.lang_of(request.url.path)
    if not security.csrf_ok(request, await request.form()):
        return render.error(request, 403, as_json=False, user=None, message=i18n.t(lang, "csrf_failed"))
    session.sign_out(request)
    return RedirectResponse(i18n.localize("/", lang), status_code=303)


async def gx_docs(request: Request) -> Response:
    """``/dataset/<name>/quality/<version>/gx/<path>``: the version's GX Data Docs (``contexts.quality.gx_file``)."""
    req = page_request(request)
    p = request.path_params
    try:
        path = await run_in_threadpool(quality.gx_file, req, p["name"], p["version"], p["path"])
    except NotFound:
        return PlainTextResponse("Not found", 404)
    except NotAuthorized:
        return PlainTextResponse("Forbidden", 403)
    media_type = files.guess_mimetype(path.name) or "application/octet-stream"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return FileResponse(path, media_type=media_type, headers={"content-security-policy": security.GX_DOCS_CSP})
