"""HTTP downloads for sources: conditional GET, timeouts, bounded retries with backoff, size and redirect limits.

Retried: connection errors, timeouts, 429 and 5xx (``Retry-After`` honoured up to a cap). Not retried: other
4xx, which will not get better by asking again.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

import requests

USER_AGENT = "tokyo-opendata-platform/0.1 (+https://github.com/)"
RETRIES, BACKOFF, MAX_WAIT = 3, 0.5, 10.0
MAX_REDIRECTS = 5
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(RuntimeError):
    """A source could not be downloaded (status, size, redirects or network), with the URL in the message."""


@dataclass
class Response:
    url: str
    status: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    filename: str
    _resp: requests.Response | None
    max_bytes: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def chunks(self) -> Iterator[bytes]:
        yield from self._resp.iter_content(1 << 20)

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc) -> None:
        if self._resp is not None:
            self._resp.close()


def get(url: str, previous: dict | None = None, *, timeout: float = 30.0, max_bytes: int = 512 * 1024**2,
        retries: int | None = None, session: requests.Session | None = None) -> Response:
    """GET ``url`` streaming; with ``previous`` (etag, last_modified) a conditional GET that may answer 304."""
    headers = {"User-Agent": USER_AGENT}
    if previous and previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous and previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    s = session or requests.Session()
    s.max_redirects = MAX_REDIRECTS
    resp = _with_retries(lambda: s.get(url, headers=headers, stream=True, timeout=(min(timeout, 10.0), timeout)),
                         url, RETRIES if retries is None else retries)
    if resp.status_code not in (200, 304):
        resp.close()
        raise FetchError(f"GET {url}: HTTP {resp.status_code}")
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        resp.close()
        raise FetchError(f"GET {url}: {length} bytes is over the limit of {max_bytes}")
    return Response(resp.url, resp.status_code, resp.headers.get("ETag"), resp.headers.get("Last-Modified"),
                    resp.headers.get("Content-Type"), filename_of(resp), resp, max_bytes)


def _with_retries(send, url: str, retries: int) -> requests.Response:
    for attempt in range(retries + 1):
        try:
            resp = send()
        except requests.TooManyRedirects:
            raise FetchError(f"GET {url}: more than {MAX_REDIRECTS} redirects") from None
        except (requests.ConnectionError, requests.Timeout) as e:
            if attempt == retries:
                raise FetchError(f"GET {url}: {type(e).__name__} after {retries + 1} attempts: {e}") from None
            time.sleep(BACKOFF * 2**attempt)
            continue
        if resp.status_code in RETRY_STATUS and attempt < retries:
            wait = _retry_after(resp.headers.get("Retry-After"), BACKOFF * 2**attempt)
            resp.close()
            time.sleep(wait)
            continue
        return resp
    raise AssertionError("unreachable")


def _retry_after(value: str | None, default: float) -> float:
    if value and value.strip().isdigit():
        return min(float(value), MAX_WAIT)
    return default


def filename_of(resp: requests.Response) -> str:
    """From Content-Disposition (RFC 5987 ``filename*`` first), else the last URL path segment."""
    cd = resp.headers.get("Content-Disposition", "")
    m = re.search(r"filename\*\s*=\s*([\w-]+)''([^;]+)", cd)
    if m:
        return unquote(m.group(2), encoding=m.group(1) or "utf-8").strip('"')
    m = re.search(r'filename\s*=\s*"?([^";]+)"?', cd)
    if m:
        return m.group(1)
    name = PurePosixPath(unquote(urlparse(resp.url).path)).name
    return name or "download"


def ckan_resource(site: str, dataset: str, resource: str, timeout: float = 30.0) -> dict:
    """The resource dict of ``dataset`` on a remote CKAN whose id or name is ``resource``."""
    import ckanapi

    with ckanapi.RemoteCKAN(site, user_agent=USER_AGENT) as ckan:
        try:
            pkg = ckan.call_action("package_show", {"id": dataset}, requests_kwargs={"timeout": timeout})
        except ckanapi.NotFound:
            raise FetchError(f"CKAN {site}: dataset {dataset!r} not found") from None
    resources = pkg.get("resources", [])
    for key in ("id", "name"):
        hits = [r for r in resources if r.get(key) == resource]
        if hits:
            return hits[0]
    names = ", ".join(repr(r.get("name") or r.get("id")) for r in resources)
    raise FetchError(f"CKAN {site}: dataset {dataset!r} has no resource {resource!r}; resources: {names}")
