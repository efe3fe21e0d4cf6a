"""Fetch a dataset's source bytes into ``raw/<sha256>`` (content-addressed, immutable) — the ``<id>/source`` asset.

``raw/index.sqlite`` records every fetch (source, sha256, etag, last_modified, fetched_at), so an HTTP source
is fetched with a conditional GET and an unchanged remote file is not downloaded again. The sha256 is the
data version: an unchanged source makes nothing downstream stale.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.declarations import CkanSource, Dataset, FileSource, HttpSource
from pipelines.read import http

INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL, filename TEXT, size INTEGER,
    etag TEXT, last_modified TEXT, fetched_at TEXT NOT NULL, not_modified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS fetches_source ON fetches (source, id);
"""


@dataclass(frozen=True)
class FetchedSource:
    sha256: str
    path: Path                    # home/raw/<sha256>
    filename: str                 # the original file name (for format detection and downloads)
    meta: dict = field(default_factory=dict)   # source (url or path), etag, last_modified, fetched_at, size …


def fetch_source(ds: Dataset, datasets_root: Path, home: Path) -> FetchedSource:
    """Fetch ``ds.source`` (file, http or ckan) into ``home/raw/`` and record it in ``raw/index.sqlite``."""
    src = ds.source
    if isinstance(src, FileSource):
        return fetch_file(resolve(src.path, datasets_root), home)
    if isinstance(src, HttpSource):
        return fetch_url(src.url, home, timeout=src.timeout, max_bytes=src.max_bytes)
    if isinstance(src, CkanSource):
        return fetch_ckan(src, home)
    raise TypeError(f"unknown source kind {type(src).__name__}")


def resolve(path: str, datasets_root: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path(datasets_root) / p


def fetch_file(path: Path, home: Path) -> FetchedSource:
    if not path.is_file():
        raise FileNotFoundError(f"source file not found: {path}")
    with open(path, "rb") as f:
        sha, blob, size = store_blob(home, iter(lambda: f.read(1 << 20), b""))
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
    meta = {"source": str(path.resolve()), "path": str(path), "etag": None, "last_modified": modified, "size": size}
    return record(home, FetchedSource(sha, blob, path.name, meta))


def fetch_url(url: str, home: Path, *, timeout: float = 30.0, max_bytes: int = 512 * 1024**2,
              extra_meta: dict | None = None) -> FetchedSource:
    """Conditional GET (ETag / Last-Modified of the last fetch whose blob still exists); 304 reuses that blob."""
    previous = last_fetch(home, url)
    with http.get(url, previous, timeout=timeout, max_bytes=max_bytes) as resp:
        if resp.not_modified and previous:
            meta = {**previous["meta"], "not_modified": True, **(extra_meta or {})}
            return record(home, FetchedSource(previous["sha256"], raw_dir(home) / previous["sha256"],
                                              previous["filename"], meta))
        sha, blob, size = store_blob(home, resp.chunks(), limit=max_bytes)
    meta = {"source": url, "url": url, "final_url": resp.url, "etag": resp.etag, "last_modified": resp.last_modified,
            "size": size, "content_type": resp.content_type, "not_modified": False, **(extra_meta or {})}
    return record(home, FetchedSource(sha, blob, resp.filename, meta))


def fetch_ckan(src: CkanSource, home: Path) -> FetchedSource:
    """Find the resource in a remote CKAN (``package_show`` through ckanapi), then download its url."""
    resource = http.ckan_resource(src.url, src.dataset, src.resource)
    meta = {"ckan_url": src.url, "ckan_dataset": src.dataset, "ckan_resource_id": resource.get("id"),
            "ckan_resource_name": resource.get("name"), "format": resource.get("format")}
    return fetch_url(resource["url"], home, extra_meta=meta)


def raw_dir(home: Path) -> Path:
    d = Path(home) / "raw"
    d.mkdir(parents=True, exist_ok=True)
    return d


def store_blob(home: Path, chunks: Iterable[bytes], limit: int | None = None) -> tuple[str, Path, int]:
    """Write chunks to a temp file while hashing; rename to ``raw/<sha256>`` unless that blob exists already."""
    d = raw_dir(home)
    tmp = d / f".incoming-{os.getpid()}-{threading.get_ident()}"
    digest, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise http.FetchError(f"source is larger than the limit of {limit} bytes")
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        blob = d / sha
        if not blob.exists():            # content-addressed: an existing blob is never rewritten
            os.replace(tmp, blob)
            os.chmod(blob, 0o444)
    finally:
        tmp.unlink(missing_ok=True)
    return sha, blob, size


def _index(home: Path) -> sqlite3.Connection:
    con = sqlite3.connect(raw_dir(home) / "index.sqlite", timeout=30)
    con.executescript(INDEX_SCHEMA)
    return con


_BATCH = threading.local()


@contextlib.contextmanager
def one_transaction(home: Path):
    """Record every fetch made in the block (this thread, this home) in one transaction of ``raw/index.sqlite``,
    not one commit each: how ``opendata ingest`` hashes 1,000 sources before deciding what to run. Not for run
    steps: it holds the index's write lock for the whole block."""
    if getattr(_BATCH, "con", None) is not None:
        yield
        return
    with contextlib.closing(_index(home)) as con:
        _BATCH.con, _BATCH.home = con, Path(home).resolve()
        try:
            with con:
                yield
        finally:
            _BATCH.con = _BATCH.home = None


def record(home: Path, fetched: FetchedSource) -> FetchedSource:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    meta = {**fetched.meta, "fetched_at": now, "sha256": fetched.sha256, "filename": fetched.filename}
    batch = getattr(_BATCH, "con", None)
    if batch is not None and _BATCH.home == Path(home).resolve():
        cm = contextlib.nullcontext(batch)
    else:
        cm = _single(home)
    with cm as con:
        con.execute("INSERT INTO fetches (source, sha256, filename, size, etag, last_modified, fetched_at, not_modified)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (meta["source"], fetched.sha256, fetched.filename, meta.get("size"), meta.get("etag"),
                     meta.get("last_modified"), now, int(bool(meta.get("not_modified")))))
    return FetchedSource(fetched.sha256, fetched.path, fetched.filename, meta)


@contextlib.contextmanager
def _single(home: Path):
    with contextlib.closing(_index(home)) as con, con:
        yield con


def last_fetch(home: Path, source: str) -> dict | None:
    """The latest downloaded (not 304) fetch of ``source`` whose blob is still on disk."""
    with contextlib.closing(_index(home)) as con:
        rows = con.execute("SELECT sha256, filename, size, etag, last_modified, fetched_at FROM fetches "
                           "WHERE source = ? AND not_modified = 0 ORDER BY id DESC LIMIT 1", (source,)).fetchall()
    for sha, filename, size, etag, modified, fetched_at in rows:
        if (raw_dir(home) / sha).exists():
            meta = {"source": source, "url": source, "etag": etag, "last_modified": modified, "size": size}
            return {"sha256": sha, "filename": filename, "etag": etag, "last_modified": modified, "meta": meta}
    return None
