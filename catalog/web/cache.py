"""An in-memory answer cache per server worker: anonymous GETs answered again from memory until the catalog changes.

What a busy public catalog needs in front of it (CKAN sites put nginx's proxy_cache or Varnish there): most
requests are the same few searches, dataset pages and API reads by anonymous clients. An entry is reused only
while the store's ``generation()`` is the one it was made under — SQLite's ``data_version`` (any commit, by any
process) plus the ``changed`` mark every other write touches — so a write is visible to the next request, in
every worker; so is a change of the ``OPENDATA_*`` settings. A ``ttl`` bounds what a write outside both could leave behind.

Never cached: requests with credentials (``Authorization``, ``X-CKAN-API-Key``, the session cookie), ranges,
downloads and static files (they have their own validators), anything but a complete 200 without
``Set-Cookie`` and without ``Cache-Control: private/no-store``, and bodies over ``max_body``. The key holds
everything an answer depends on: path, query, the site URL its links are built from (scheme and the host a
trusted proxy named), ``Accept`` (content negotiation) and whether gzip is accepted (bodies are stored as sent). Answers say
``X-Cache: hit`` or ``miss``.
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass

from catalog.web.session import COOKIE

_BYPASS_HEADERS = (b"authorization", b"x-ckan-api-key", b"range")
_BYPASS_PATHS = ("/static/", "/user/", "/en/user/")


@dataclass
class _Entry:
    generation: tuple
    made: float
    start: dict
    body: bytes


class AnswerCache:
    """ASGI middleware; ``generation()`` is the store's (``Store.generation``)."""

    def __init__(self, app, generation, max_entries: int = 4096, max_bytes: int = 64 << 20,
                 max_body: int = 1 << 20, ttl: float = 60.0):
        self.app, self.generation = app, generation
        self.max_entries, self.max_bytes, self.max_body, self.ttl = max_entries, max_bytes, max_body, ttl
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    async def __call__(self, scope, receive, send):
        key = self._key(scope)
        if key is None:
            return await self.app(scope, receive, send)
        generation, now = (self.generation(), _settings()), time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry.generation == generation and now - entry.made < self.ttl:
            self.entries.move_to_end(key)
            self.hits += 1
            await send({**entry.start, "headers": [*entry.start.get("headers", []), (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": entry.body, "more_body": False})
            return
        self.misses += 1
        start: dict = {}
        chunks: list[bytes] = []
        size = [0]
        keep = [True]

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                keep[0] = message["status"] == 200 and _storable(message.get("headers") or [])
                message = {**message, "headers": [*message.get("headers", []), (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and keep[0]:
                size[0] += len(message.get("body", b""))
                if size[0] > self.max_body:
                    keep[0] = False
                    chunks.clear()
                else:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and keep[0]:
                    self._put(key, _Entry(generation, now, start, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)

    def _key(self, scope) -> tuple | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path = scope["path"]
        if path.startswith(_BYPASS_PATHS) or "/download/" in path:
            return None
        accept, gzip = b"", False
        for name, value in scope.get("headers") or []:
            if name in _BYPASS_HEADERS:
                return None
            if name == b"cookie" and COOKIE.encode() in value:
                return None
            if name == b"accept":
                accept += b"," + value
            elif name == b"accept-encoding":
                gzip = gzip or b"gzip" in value
        # the site URL an answer's links are built from: set by a trusted proxy's headers (catalog.app._Forwarded)
        site = (scope.get("scheme"), scope.get("forwarded_host"), scope.get("root_path", ""))
        return path, scope.get("query_string", b""), site, accept, gzip

    def _put(self, key: tuple, entry: _Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old.body)
        self.entries[key] = entry
        self.bytes += len(entry.body)
        while self.entries and (len(self.entries) > self.max_entries or self.bytes > self.max_bytes):
            _, evicted = self.entries.popitem(last=False)
            self.bytes -= len(evicted.body)


def _settings() -> tuple:
    """The ``OPENDATA_*`` settings pages read when they answer (tile server, report address…): part of the key."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("OPENDATA_")))


def _storable(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        name = name.lower()
        if name == b"set-cookie":
            return False
        if name == b"cache-control" and (b"private" in value or b"no-store" in value):
            return False
    return True
