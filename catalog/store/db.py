"""The catalog store: one SQLite file (WAL) under ``<home>/catalog/catalog.sqlite``.

Packages are JSON documents (``pkg_doc.data``); the columns search filters and sorts on are copied into the
narrow ``pkg`` table and indexed (with the facet values, ``\x1f``-joined, so facets need one row per hit; kept apart from the documents so that checking thousands of search hits touches
small rows; the sort indexes also cover the visibility columns, so deep paging never reads the table); multi-valued fields (tags, groups, resource formats, extras) live in side tables so facet counts are SQL
``GROUP BY``s over indexes, never JSON scans. ``pkg_fts`` is the full-text index (see ``catalog.search.text``).
One connection per thread: SQLite connections must not be shared across threads, and WAL lets readers run
while one writer commits.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

SCHEMA_VERSION = 3  # 3: links are built when answering (uploads keep their file name)
SCHEMA = """
CREATE TABLE IF NOT EXISTS pkg (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, owner_org TEXT,
    private INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, type TEXT NOT NULL, license_id TEXT,
    title_string TEXT, creator_user_id TEXT, metadata_created TEXT NOT NULL, metadata_modified TEXT NOT NULL,
    num_resources INTEGER NOT NULL, num_tags INTEGER NOT NULL,
    facet_tags TEXT NOT NULL, facet_groups TEXT NOT NULL, facet_formats TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pkg_doc (rowid INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pkg_modified ON pkg (metadata_modified, id, state, private, owner_org);
CREATE INDEX IF NOT EXISTS pkg_created ON pkg (metadata_created, id, state, private, owner_org);
CREATE INDEX IF NOT EXISTS pkg_id_visible ON pkg (id, state, private, owner_org);
CREATE INDEX IF NOT EXISTS pkg_name_visible ON pkg (name, state, private, owner_org);
CREATE INDEX IF NOT EXISTS pkg_title ON pkg (title_string, id, state, private, owner_org);
CREATE INDEX IF NOT EXISTS pkg_org ON pkg (owner_org, state, private);
CREATE INDEX IF NOT EXISTS pkg_visible ON pkg (state, private);
CREATE INDEX IF NOT EXISTS pkg_license ON pkg (license_id);
CREATE TABLE IF NOT EXISTS pkg_tag (pkg INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (pkg, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pkg_tag_tag ON pkg_tag (tag, pkg);
CREATE TABLE IF NOT EXISTS pkg_group (pkg INTEGER NOT NULL, grp TEXT NOT NULL, PRIMARY KEY (pkg, grp)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pkg_group_grp ON pkg_group (grp, pkg);
CREATE TABLE IF NOT EXISTS pkg_format (pkg INTEGER NOT NULL, format TEXT NOT NULL, PRIMARY KEY (pkg, format)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pkg_format_format ON pkg_format (format, pkg);
CREATE TABLE IF NOT EXISTS pkg_extra (pkg INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (pkg, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pkg_extra_kv ON pkg_extra (key, value, pkg);
CREATE TABLE IF NOT EXISTS res (id TEXT PRIMARY KEY, pkg INTEGER NOT NULL, position INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS res_pkg ON res (pkg);
CREATE VIRTUAL TABLE IF NOT EXISTS pkg_fts USING fts5 (name, title, tags, groups, notes, text, kw, vis, prefix='1');
CREATE TABLE IF NOT EXISTS tag (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS grp (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, is_organization INTEGER NOT NULL, title TEXT NOT NULL,
    description TEXT NOT NULL, image_url TEXT NOT NULL, created TEXT NOT NULL, state TEXT NOT NULL,
    approval_status TEXT NOT NULL, extras TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, sysadmin INTEGER NOT NULL, created TEXT NOT NULL,
    state TEXT NOT NULL, fullname TEXT, email TEXT, about TEXT, last_active TEXT);
CREATE TABLE IF NOT EXISTS member (
    grp TEXT NOT NULL, user TEXT NOT NULL, capacity TEXT NOT NULL, PRIMARY KEY (grp, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS member_user ON member (user, grp);
CREATE TABLE IF NOT EXISTS token (
    id TEXT PRIMARY KEY, user TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL, last_access TEXT);
CREATE TABLE IF NOT EXISTS activity (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, timestamp TEXT NOT NULL, user_id TEXT, actor TEXT,
    object_id TEXT NOT NULL, owner_org TEXT, private INTEGER NOT NULL, activity_type TEXT NOT NULL,
    kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS activity_object ON activity (object_id, seq);
CREATE INDEX IF NOT EXISTS activity_org ON activity (owner_org, seq);
CREATE TABLE IF NOT EXISTS activity_group (grp TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (grp, seq)) WITHOUT ROWID;
"""


class Store:
    """Connections, transactions and row helpers. What the rows mean lives in the modules that use them."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = self.home / "catalog" / "catalog.sqlite"
        self.files_dir = self.home / "catalog" / "files"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._create_schema()

    def _create_schema(self) -> None:
        conn = self.connection()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'pkg'").fetchone()[0]
        if has_tables and version == 2:
            _migrate_links(conn)
            version = SCHEMA_VERSION
        if has_tables and version != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has catalog schema {version}, this code needs {SCHEMA_VERSION}: "
                               "move it away and publish again (the pipeline re-creates every dataset)")
        conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so a writer takes the lock up front
            # instead of failing to upgrade a read transaction under concurrency.
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA mmap_size=2147418112")  # address space, not memory: reads skip the pager copy
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested use joins the outer one."""
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.connection().execute(sql, params).fetchone()

    def changed(self) -> None:
        """Tell every reader of this home (each server worker's answer cache) that something changed outside
        SQLite: files such as DataStore tables, quality reports or metric snapshots (``generation``)."""
        mark_changed(self.home)

    def generation(self) -> tuple[int, int]:
        """Changes iff the catalog may answer differently: SQLite's ``data_version`` on a connection of its own
        (it moves whenever any other connection, in any process, commits) and the ``changed`` mark's mtime."""
        conn = getattr(self, "_watch", None)
        if conn is None:
            conn = self._watch = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            with self._lock:
                self._all.append(conn)
        try:
            mark = (self.home / "catalog" / CHANGED).stat().st_mtime_ns
        except FileNotFoundError:
            mark = 0
        return conn.execute("PRAGMA data_version").fetchone()[0], mark

    def close(self) -> None:
        self._watch = None
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


CHANGED = "changed"   # <home>/catalog/changed: touched by every write that is not (only) a SQLite commit


def mark_changed(home: Path) -> None:
    path = Path(home) / "catalog" / CHANGED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)        # a new mtime even when the file existed (touch keeps it on some filesystems)


_LINK_EXTRAS = ("quality_report_url",)
_SITE_PREFIX = re.compile(r"^https?://[^/]+(?=/)")


def _migrate_links(conn: sqlite3.Connection) -> None:
    """Schema 2 -> 3: homes written before stored every link with the site URL of the day (an upload's
    ``{site}/dataset/<id>/resource/<id>/download/<file>``, the quality report's URL). Keep the file name and the
    site path only; the answers build the URLs from the address they are served at."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in conn.execute("SELECT rowid, data FROM pkg_doc").fetchall():
            doc = json.loads(row["data"])
            for res in doc.get("resources", []):
                if res.get("url_type") == "upload" and "/" in (res.get("url") or ""):
                    res["url"] = unquote(res["url"].rsplit("/", 1)[-1])
            for extra in doc.get("extras", []):
                if extra.get("key") in _LINK_EXTRAS:
                    extra["value"] = _SITE_PREFIX.sub("", extra["value"])
            conn.execute("UPDATE pkg_doc SET data = ? WHERE rowid = ?", (dumps(doc), row["rowid"]))
        for key in _LINK_EXTRAS:
            for row in conn.execute("SELECT pkg, value FROM pkg_extra WHERE key = ?", (key,)).fetchall():
                conn.execute("UPDATE pkg_extra SET value = ? WHERE pkg = ? AND key = ?",
                             (_SITE_PREFIX.sub("", row["value"]), row["pkg"], key))
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_STORES: dict[Path, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(home: Path) -> Store:
    """The shared Store of a data home (one per process, so per-thread connections are reused)."""
    key = Path(home).resolve()
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = Store(key)
        return _STORES[key]


def close_store(home: Path) -> None:
    """Close and forget the shared Store of a data home (tests, and tools that delete a home)."""
    with _STORES_LOCK:
        store = _STORES.pop(Path(home).resolve(), None)
    if store is not None:
        store.close()
