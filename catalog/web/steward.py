"""The steward's pages and forms: upload a new version (→ inbox → ``opendata ingest``), re-run an ingest, a run's
live status, and the API-token page ``/user/<name>/api-tokens`` (CKAN's paths: list + create by POST, revoke by
``POST …/<jti>/revoke``).

Every form checks the CSRF token first and changes nothing when a check fails; failures are answered with the
page again (or the error page) carrying a message in the page's language and a 4xx status.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from catalog.actions import get_action
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.metrics.measures import extras
from catalog.store import users
from catalog.web import i18n, render, runs, security
from catalog.web.session import web_context


def _lang(request: Request) -> str:
    return i18n.lang_of(request.url.path)


def _fail(request: Request, status: int, key: str, user, **fmt) -> Response:
    return render.error(request, status, as_json=False, user=user, message=i18n.t(_lang(request), key, **fmt))


async def _package(request: Request, context) -> dict | None:
    try:
        return await run_in_threadpool(get_action("package_show"), context, {"id": request.path_params["name"]})
    except (NotFound, NotAuthorized):
        return None


def _is_editor(context, pkg: dict) -> bool:
    return context.is_sysadmin or users.has_role(context.store, context.user, pkg.get("owner_org"), "editor")


async def _checked(request: Request, form):
    """(context, pkg, None) when the form may act on the dataset, else (…, an error response)."""
    context = web_context(request)
    lang = _lang(request)
    if not security.csrf_ok(request, form):
        return context, None, _fail(request, 403, "csrf_failed", context.user)
    pkg = await _package(request, context)
    if pkg is None:
        return context, None, render.error(request, 404, as_json=False, user=context.user)
    if context.user is None or not _is_editor(context, pkg):
        return context, None, _fail(request, 403, "upload_not_editor", context.user)
    if not extras(pkg).get("table_version"):
        return context, None, _fail(request, 400, "upload_not_pipeline", context.user)
    if runs.busy(context.home, pkg["name"]):
        return context, None, _fail(request, 409, "run_busy", context.user)
    del lang
    return context, pkg, None


async def upload(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    try:
        context, pkg, failed = await _checked(request, form)
        if failed:
            return failed
        item = form.get("file")
        if item is None or not hasattr(item, "filename") or not item.filename:
            return _fail(request, 400, "upload_no_file", context.user)
        if not item.filename.lower().endswith(runs.EXTENSIONS):
            return _fail(request, 415, "upload_bad_type", context.user)
        limit = runs.max_upload_bytes()
        path, problem = await run_in_threadpool(runs.drop_in_inbox, context.home, pkg["name"], item.filename,
                                                item.file, limit)
        if problem:
            status = 413 if problem == "upload_too_large" else 400
            return _fail(request, status, problem, context.user, mb=limit // (1 << 20))
        run_id = await run_in_threadpool(runs.start, context.home, pkg["name"], "upload", context.user["name"],
                                         context.site_url, path.name)
    finally:
        await form.close()
    return RedirectResponse(i18n.localize(f"/dataset/{pkg['name']}/run/{run_id}", _lang(request)), status_code=303)


async def rerun(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    context, pkg, failed = await _checked(request, form)
    if failed:
        return failed
    run_id = await run_in_threadpool(runs.start, context.home, pkg["name"], "rerun", context.user["name"],
                                     context.site_url)
    return RedirectResponse(i18n.localize(f"/dataset/{pkg['name']}/run/{run_id}", _lang(request)), status_code=303)


def _run_page(request: Request, context, pkg: dict, run: runs.Run) -> dict:
    lang = _lang(request)
    name = pkg["name"]
    report = ""
    if run.state in ("succeeded", "failed"):
        report = i18n.localize(f"/dataset/{name}/quality", lang)
        newest = sorted((context.home / "reports" / name).glob("*.json"), key=lambda p: p.stat().st_mtime)
        if newest:
            report += f"/{newest[-1].stem}"
    title = (extras(pkg).get("title_en") if lang == "en" else None) or pkg.get("title") or name
    return {**asdict(run), "title": title, "dataset_url": i18n.localize(f"/dataset/{name}", lang),
            "state_label": i18n.t(lang, f"run_{run.state}"), "done": run.state != "running",
            "outcome_label": i18n.t(lang, f"outcome_{run.outcome}") if run.outcome else "",
            "report_url": report, "self_url": i18n.localize(f"/dataset/{name}/run/{run.id}", lang),
            "json_url": i18n.localize(f"/dataset/{name}/run/{run.id}", lang) + ".json"}


async def run_status(request: Request) -> Response:
    """The run's page (``…/run/<id>``) or its JSON (``….json``, what ``steward.js`` polls)."""
    context = web_context(request)
    pkg = await _package(request, context)
    as_json = request.url.path.endswith(".json")
    if pkg is None:
        return render.error(request, 404, as_json=as_json, user=context.user)
    if context.user is None or not _is_editor(context, pkg):
        return render.error(request, 403, as_json=as_json, user=context.user)
    run = await run_in_threadpool(runs.get, context.home, request.path_params["run"])
    if run is None or run.dataset != pkg["name"]:
        return render.error(request, 404, as_json=as_json, user=context.user)
    page = _run_page(request, context, pkg, run)
    if as_json:
        response = Response(json.dumps(page, ensure_ascii=False), media_type=render.JSON_TYPE)
    else:
        response = render.html(request, "run.html", page, user=context.user)
    response.headers["cache-control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------------------ API tokens


async def api_tokens(request: Request) -> Response:
    context = web_context(request)
    lang = _lang(request)
    name = request.path_params["name"]
    if context.user is None:
        return RedirectResponse(i18n.localize("/user/login", lang) + f"?next={request.url.path}", status_code=303)
    created, message, status = None, "", 200
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=10)
        if not security.csrf_ok(request, form):
            return _fail(request, 403, "csrf_failed", context.user)
        token_name = str(form.get("name") or "").strip()[:200]
        if not token_name:
            message, status = i18n.t(lang, "token_name_missing"), 400
        else:
            try:
                created = (await run_in_threadpool(get_action("api_token_create"), context,
                                                   {"user": name, "name": token_name}))["token"]
            except NotAuthorized:
                return render.error(request, 403, as_json=False, user=context.user)
            except NotFound:
                return render.error(request, 404, as_json=False, user=context.user)
    elif request.query_params.get("revoked"):
        message = i18n.t(lang, "token_revoked")
    try:
        tokens = await run_in_threadpool(get_action("api_token_list"), context, {"user_id": name})
    except NotAuthorized:
        return render.error(request, 403, as_json=False, user=context.user)
    except NotFound:
        return render.error(request, 404, as_json=False, user=context.user)
    page = {"name": name, "tokens": tokens, "created": created, "message": message,
            "action": i18n.localize(f"/user/{name}/api-tokens", lang)}
    response = render.html(request, "api_tokens.html", page, user=web_context(request).user, status=status)
    response.headers["cache-control"] = "no-store"     # a page that once shows a token is never cached
    return response


async def api_token_revoke(request: Request) -> Response:
    context = web_context(request)
    lang = _lang(request)
    name = request.path_params["name"]
    form = await request.form(max_files=0, max_fields=10)
    if not security.csrf_ok(request, form):
        return _fail(request, 403, "csrf_failed", context.user)
    if context.user is None:
        return render.error(request, 403, as_json=False, user=None)
    jti = request.path_params["jti"]
    owner = users.token_owner(context.store, jti=jti)
    try:
        target = users.get_user(context.store, name) if owner else None
    except NotFound:
        target = None
    if owner is None or target is None or owner != target["id"]:
        return render.error(request, 404, as_json=False, user=context.user)
    try:
        await run_in_threadpool(get_action("api_token_revoke"), context, {"jti": jti})
    except (NotAuthorized, ValidationError):
        return render.error(request, 403, as_json=False, user=context.user)
    return RedirectResponse(i18n.localize(f"/user/{name}/api-tokens", lang) + "?revoked=1", status_code=303)
