"""Web sign-in: a user name + API token (the API's own credential) opens a signed session cookie.

The cookie (Starlette's SessionMiddleware, itsdangerous-signed) holds only the user id; the signing secret lives
in the data home (``catalog/web_secret``, created on first start) so sessions survive restarts and never sit in
the repository. Pages then act as that user with the same roles as the API: private (庁内限定) datasets appear
only to members of their organization. The API itself keeps token-only auth (no cookies, so no CSRF there).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request

from catalog.store import users
from catalog.caller import context_for
from catalog.context import Context
from catalog.errors import NotFound
from catalog.web.render import tile_url
from catalog.web.security import SecurityHeaders

COOKIE = "opendata_session"
MAX_AGE = 8 * 3600                     # a working day; revoking the token ends the session at once


def middleware(home: Path) -> list[Middleware]:
    return [Middleware(SecurityHeaders, tile_url=tile_url),
            Middleware(SessionMiddleware, secret_key=secret(Path(home)), session_cookie=COOKIE, max_age=MAX_AGE,
                       same_site="lax", https_only=False)]


def secret(home: Path) -> str:
    path = home / "catalog" / "web_secret"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".web_secret.{os.getpid()}.tmp")
    tmp.write_text(secrets.token_urlsafe(48))
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)             # first writer wins; a concurrent starter reads the winner's secret
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def web_context(request: Request) -> Context:
    """The caller of a page: an API token in the headers, else the signed-in session user, else anonymous."""
    context = context_for(request)
    if context.user is not None or "session" not in request.scope:
        return context
    user_id = request.session.get("user")
    if not user_id:
        return context
    try:
        user = users.get_user(context.store, user_id)
    except NotFound:                   # deleted since sign-in
        request.session.clear()
        return context
    # The session lives only as long as what it was made from: the token (revoked = deleted), an active user,
    # and the same rights (a demoted user signs in again). Checked on every request, so it ends at the next one.
    if (user.get("state") != "active" or not users.token_alive(context.store, request.session.get("token", ""), user["id"])
            or request.session.get("grants") != users.grants(context.store, user)):
        request.session.clear()
        return context
    return Context(store=context.store, site_url=context.site_url, home=context.home, user=user)


def sign_in(request: Request, name: str, token: str) -> dict | None:
    """Open a session if ``token`` is one of ``name``'s API tokens; the user dict, or None."""
    store = request.app.state.store
    user = users.user_for_token(store, token.strip()) if token.strip() else None
    if user is None or user["name"] != name.strip() or user.get("state") != "active":
        return None
    request.session.clear()            # a fresh session on every sign-in (no fixation)
    request.session["user"] = user["id"]
    request.session["token"] = users.token_id(store, token.strip())
    request.session["grants"] = users.grants(store, user)
    return user


def sign_out(request: Request) -> None:
    request.session.clear()


def safe_next(value: str | None, default: str) -> str:
    """Only same-site paths after sign-in (never ``//evil.example`` or a full URL)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
