"""Who is calling: the ``Context`` of an HTTP request."""
from __future__ import annotations

from starlette.requests import Request

from catalog.store import users
from catalog.context import Context
from catalog.store import Store


def context_for(request: Request, anonymous: bool = False) -> Context:
    """The user of the first valid token in ``Authorization`` (raw or ``Bearer``) or ``X-CKAN-API-Key``.

    An unknown token means anonymous, so writes answer 403 and reads still work (as CKAN does; never 401).
    """
    state = request.app.state
    user = None if anonymous else _user_from_headers(state.store, request)
    return Context(store=state.store, site_url=site_url_of(request), home=state.home, user=user)


def site_url_of(request: Request) -> str:
    """The site URL an answer is for, every link in it built from it: the public address a trusted reverse proxy
    named (``X-Forwarded-Proto`` + ``X-Forwarded-Host``, see ``catalog.app``), else the configured one
    (``opendata serve --site-url`` / ``OPENDATA_SITE_URL``)."""
    host = request.scope.get("forwarded_host")
    if host:
        return f"{request.scope.get('scheme', 'http')}://{host}{request.scope.get('root_path', '')}".rstrip("/")
    return request.app.state.site_url


def _user_from_headers(store: Store, request: Request) -> dict | None:
    auth = request.headers.get("authorization", "")
    candidates = [auth, auth[7:] if auth.lower().startswith("bearer ") else "", request.headers.get("x-ckan-api-key")]
    for token in candidates:
        user = users.user_for_token(store, (token or "").strip())
        if user:
            return user
    return None
