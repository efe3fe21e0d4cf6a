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
    return Context(store=state.store, site_url=state.site_url, home=state.home, user=user)


def _user_from_headers(store: Store, request: Request) -> dict | None:
    auth = request.headers.get("authorization", "")
    candidates = [auth, auth[7:] if auth.lower().startswith("bearer ") else "", request.headers.get("x-ckan-api-key")]
    for token in candidates:
        user = users.user_for_token(store, (token or "").strip())
        if user:
            return user
    return None
