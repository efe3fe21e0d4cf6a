"""``/dataset/<name>/resource/<id>/embed``: a resource's first rows as a small page other sites may put in an
``<iframe>`` (the only page whose CSP allows framing: ``frame-ancestors *``). Runs as the caller, like every page."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from catalog.actions import get_action
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.web import i18n, render, security
from catalog.web.session import web_context

ROWS = 20


def _load(context, name: str, res_id: str) -> dict | None:
    pkg = get_action("package_show")(context, {"id": name})
    res = next((r for r in pkg.get("resources") or [] if r["id"] == res_id), None)
    if res is None:
        return None
    try:
        found = get_action("datastore_search")(context, {"resource_id": res_id, "limit": ROWS})
    except (NotFound, ValidationError):
        found = {"fields": [], "records": [], "total": 0}
    fields = [f["id"] for f in found["fields"] if f["id"] != "_id"]
    return {"title": pkg.get("title") or pkg["name"], "resource": res.get("name") or res.get("format") or "",
            "fields": fields, "rows": [[r.get(f) for f in fields] for r in found["records"]],
            "total": found.get("total", 0), "url": f"{context.site_url}/dataset/{pkg['name']}"}


async def embed(request: Request) -> Response:
    context = web_context(request)
    try:
        page = await run_in_threadpool(_load, context, request.path_params["name"], request.path_params["res_id"])
    except NotFound:
        page = None
    except NotAuthorized:
        return render.error(request, 403, as_json=False, user=context.user)
    if page is None:
        return render.error(request, 404, as_json=False, user=context.user)
    lang = i18n.lang_of(request.url.path)
    body = render.env.get_template("embed.html").render(page=page, lang=lang, t=lambda k, **f: i18n.t(lang, k, **f))
    policy = security.csp("").replace("frame-ancestors 'none'", "frame-ancestors *")
    return Response(body, media_type="text/html; charset=utf-8", headers={"content-security-policy": policy})
