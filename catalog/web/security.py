"""Browser-facing protections: security headers on every response, CSRF tokens for forms, login rate limits.

- Headers: a Content-Security-Policy without inline script (the pages load ``/static/*.js`` only), ``nosniff``,
  ``frame-ancestors 'none'`` (no page is meant to be embedded), a strict Referrer-Policy, and HSTS when the
  request came over https (directly, or through a trusted proxy's ``X-Forwarded-Proto``).
- CSRF: every state-changing form (sign-in, sign-out) carries a token held in the signed session and compared
  in constant time. The Action API uses tokens in headers, never cookies, so it needs none.
- Login rate limits: a sliding window per client address and per user name, in this process (each of
  ``--workers N`` keeps its own, so the effective limit is N times higher); 429 with ``Retry-After``.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from urllib.parse import urlsplit

from starlette.requests import Request

CSRF_FIELD = "csrf_token"
LOGIN_PER_ADDRESS = (20, 60.0)  # attempts, seconds
LOGIN_PER_USER = (10, 60.0)


def csp(tile_url: str) -> str:
    tiles = urlsplit(tile_url)
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme in ("http", "https") and tiles.netloc else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tile_origin}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# GX's Data Docs pages run inline scripts (their own templates). They are served sandboxed — an opaque origin, so
# a script there cannot read the catalog's session or call its API as the reader — and never framed.
GX_DOCS_CSP = ("sandbox allow-scripts allow-popups; default-src 'self'; script-src 'self' 'unsafe-inline' "
               "'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
               "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response (API, pages, files, errors)."""

    def __init__(self, app, tile_url):
        self.app, self.tile_url = app, tile_url

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                for name, value in self._headers(https):
                    # a page that sets its own CSP (the embed view) decides about framing there
                    if name not in present and not (name == b"x-frame-options" and b"content-security-policy" in present):
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, https: bool) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-security-policy", csp(self.tile_url()).encode()),
                   (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                   (b"referrer-policy", b"strict-origin-when-cross-origin")]
        if https:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        return headers


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (only pages with a form ask, so visitors get no cookie)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, form) -> bool:
    expected = request.session.get("csrf") or ""
    sent = str(form.get(CSRF_FIELD) or "")
    return bool(expected) and secrets.compare_digest(expected.encode(), sent.encode())


class SlidingWindow:
    """At most ``limit`` events per ``seconds`` for each key; remembers at most ``max_keys`` keys (oldest go)."""

    def __init__(self, limit: int, seconds: float, max_keys: int = 100_000):
        self.limit, self.seconds, self.max_keys = limit, seconds, max_keys
        self._events: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str, now: float | None = None) -> float:
        """0 when another event for ``key`` is allowed now, else the seconds until one would be (records nothing)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            while events and events[0] <= now - self.seconds:
                events.popleft()
            if events and len(events) >= self.limit:
                return max(events[0] + self.seconds - now, 0.001)
            return 0.0

    def hit(self, key: str, now: float | None = None) -> None:
        """Record an event for ``key``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.pop(key, None) or deque()
            events.append(now)
            self._events[key] = events
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)


class LoginLimits:
    """The per-address and per-user windows of failed sign-ins of one app."""

    def __init__(self):
        self.by_address = SlidingWindow(*LOGIN_PER_ADDRESS)
        self.by_user = SlidingWindow(*LOGIN_PER_USER)

    def wait(self, address: str, user: str) -> int:
        """0 when this attempt may go on, else the whole seconds to put in ``Retry-After``."""
        wait = max(self.by_address.wait(address), self.by_user.wait(user.strip().lower()))
        return int(wait + 0.999) if wait else 0

    def failed(self, address: str, user: str) -> None:
        """Only failed attempts count: a steward signing in many times a minute is not guessing tokens."""
        self.by_address.hit(address)
        self.by_user.hit(user.strip().lower())


_LIMITS_LOCK = threading.Lock()


def login_limits(app) -> LoginLimits:
    """The login windows of ``app`` (one per app, so each test's app starts with a clean slate)."""
    with _LIMITS_LOCK:
        if not hasattr(app.state, "login_limits"):
            app.state.login_limits = LoginLimits()
        return app.state.login_limits
