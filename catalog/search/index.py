"""Writing package documents into the store (row, side tables, full-text index) and reading them back as dicts."""
from __future__ import annotations

import json
import sqlite3

from catalog.store import files, groups, packages, resources, timestamps
from catalog.search import keywords, text
from catalog.errors import NotFound
from catalog.store import Store, dumps

SEP = "\x1f"  # joins multi-valued facet columns (tags never contain control characters)


def write(store: Store, doc: dict) -> None:
    """Insert or replace a package document and everything derived from it, in one transaction.

    Invariant: ``rowid`` order is ``metadata_modified`` order. A changed package gets a new, highest rowid (its
    side rows are rewritten anyway), and a timestamp not after the newest one is moved 1 µs past it. So the
    default sort, newest first, is FTS5's native rowid order and needs neither a sort nor a lookup per hit.
    """
    packages.store_links(doc)  # links as stored: upload file names, site paths (built again when answered)
    columns = _columns(store, doc)  # read before the write lock is taken
    with store.transaction() as conn:
        old = conn.execute("SELECT rowid, metadata_modified FROM pkg WHERE id = ?", (doc["id"],)).fetchone()
        keep = old is not None and old["metadata_modified"] == doc["metadata_modified"]  # e.g. re-indexing
        if old is not None:
            _clear(conn, old["rowid"])
        if not keep:
            newest = conn.execute("SELECT max(metadata_modified) FROM pkg").fetchone()[0]
            if newest and doc["metadata_modified"] <= newest:
                doc["metadata_modified"] = timestamps.after(newest)
        rowid = old["rowid"] if keep else None
        cur = conn.execute(
            "INSERT INTO pkg (rowid, id, name, owner_org, private, state, type, license_id, title_string,"
            " creator_user_id, metadata_created, metadata_modified, num_resources, num_tags, facet_tags,"
            " facet_groups, facet_formats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rowid, doc["id"], doc["name"], doc["owner_org"], int(doc["private"]), doc["state"], doc["type"],
             doc.get("license_id"), text.normalize(doc.get("title") or "").lower(), doc.get("creator_user_id"),
             doc["metadata_created"], doc["metadata_modified"], len(doc["resources"]), len(doc["tags"]),
             SEP.join(t["name"] for t in doc["tags"]), SEP.join(doc["groups"]), SEP.join(_formats(doc))))
        rowid = cur.lastrowid if rowid is None else rowid
        conn.execute("INSERT INTO pkg_doc (rowid, data) VALUES (?, ?)", (rowid, dumps(doc)))
        _index(conn, rowid, doc, columns)


def purge(store: Store, doc: dict) -> None:
    """Remove a package and everything derived from it (``dataset_purge``); there is no way back."""
    with store.transaction() as conn:
        row = conn.execute("SELECT rowid FROM pkg WHERE id = ?", (doc["id"],)).fetchone()
        if row is not None:
            _clear(conn, row["rowid"])


def _clear(conn: sqlite3.Connection, rowid: int) -> None:
    for table in ("pkg_tag", "pkg_group", "pkg_format", "pkg_extra", "res"):
        conn.execute(f"DELETE FROM {table} WHERE pkg = ?", (rowid,))
    for table in ("pkg", "pkg_doc", "pkg_fts"):
        conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))


def _columns(store: Store, doc: dict) -> list[str]:
    """Column names of the package's uploaded tables: people search for 車椅子 or オストメイト, which a toilet list
    may carry only as a column (CKAN indexes the DataStore's field names too)."""
    names: dict[str, None] = {}
    for res in doc["resources"]:
        filename = resources.filename_of(res)
        if filename and res.get("datastore_active") is not False:
            for name in files.column_names(files.resource_dir(store.files_dir, res["id"]) / filename):
                if name and not name.startswith("_"):
                    names[name] = None
    return list(names)


def _index(conn: sqlite3.Connection, rowid: int, doc: dict, columns: list[str] = ()) -> None:
    tags = [t["name"] for t in doc["tags"]]
    conn.executemany("INSERT INTO pkg_tag (pkg, tag) VALUES (?, ?)", [(rowid, t) for t in tags])
    conn.executemany("INSERT INTO pkg_group (pkg, grp) VALUES (?, ?)", [(rowid, g) for g in doc["groups"]])
    conn.executemany("INSERT INTO pkg_format (pkg, format) VALUES (?, ?)", [(rowid, f) for f in _formats(doc)])
    conn.executemany("INSERT INTO pkg_extra (pkg, key, value) VALUES (?, ?, ?)",
                     [(rowid, e["key"], e["value"]) for e in doc["extras"]])
    conn.executemany("INSERT INTO res (id, pkg, position) VALUES (?, ?, ?)",
                     [(r["id"], rowid, i) for i, r in enumerate(doc["resources"])])
    group_rows = groups.rows_by_id(conn, set(doc["groups"]) | {doc["owner_org"]} - {None})
    org = group_rows.get(doc["owner_org"])
    other = [doc.get("notes"), org["name"] if org else "", org["title"] if org else "",
             doc.get("author"), doc.get("maintainer"), doc.get("version"), doc.get("url"),
             *[f"{r.get('name') or ''} {r.get('description') or ''} {r.get('format') or ''}" for r in doc["resources"]],
             *[e["value"] for e in doc["extras"]], " ".join(columns)]
    conn.execute("INSERT INTO pkg_fts (rowid, name, title, tags, groups, notes, text, kw, vis)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (rowid, text.index_text(doc["name"].replace("-", " ").replace("_", " ")),
                  text.index_text(doc.get("title")), text.index_text(" ".join(tags)),
                  text.index_text(" ".join(f"{g['name']} {g['title']}" for g in
                                           (group_rows[i] for i in doc["groups"] if i in group_rows))),
                  text.index_text(doc.get("notes")), text.index_text(" ".join(v for v in other if v)),
                  keywords.keyword_text(doc), keywords.visibility_text(doc)))


def _formats(doc: dict) -> list[str]:
    return sorted({r["format"] for r in doc["resources"] if r.get("format")})


_DOC = "SELECT d.data FROM pkg p JOIN pkg_doc d ON d.rowid = p.rowid WHERE p.id = ? OR p.name = ?"
_RES_DOC = "SELECT d.data FROM res r JOIN pkg_doc d ON d.rowid = r.pkg WHERE r.id = ?"


def doc_or_none(store: Store, id_or_name) -> dict | None:
    """The stored document by id or name (any state), or None."""
    row = store.one(_DOC, (id_or_name, id_or_name)) if id_or_name else None
    return json.loads(row["data"]) if row else None


def find_doc(store: Store, id_or_name: str) -> dict:
    """The stored document by id or name (any state); NotFound otherwise."""
    doc = doc_or_none(store, id_or_name)
    if doc is None:
        raise NotFound()  # CKAN's package_show says just "Not found"
    return doc


def resource_doc_or_none(store: Store, resource_id) -> dict | None:
    """The stored document of the package holding a resource, or None."""
    row = store.one(_RES_DOC, (resource_id,)) if resource_id else None
    return json.loads(row["data"]) if row else None


def find_resource(store: Store, resource_id: str) -> tuple[dict, dict]:
    """(package document, resource dict) of a resource id; NotFound otherwise."""
    doc = resource_doc_or_none(store, resource_id)
    if doc is None:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    return doc, next(r for r in doc["resources"] if r["id"] == resource_id)


def docs_by_rowid(store: Store, rowids: list[int]) -> list[dict]:
    if not rowids:
        return []
    marks = ",".join("?" * len(rowids))
    rows = dict(store.query(f"SELECT rowid, data FROM pkg_doc WHERE rowid IN ({marks})", rowids))
    return [json.loads(rows[r]) for r in rowids if r in rows]


def dictize(store: Store, docs: list[dict], site_url: str) -> list[dict]:
    """Package dicts for documents, with organization and group objects read once for the whole list; links are
    built from ``site_url`` (the address this answer is for)."""
    ids = {d["owner_org"] for d in docs if d.get("owner_org")} | {g for d in docs for g in d["groups"]}
    rows = groups.rows_by_id(store.connection(), ids)
    return [packages.package_dict(d, rows, rows, site_url) for d in docs]


def reindex_group(store: Store, grp_id: str) -> None:
    """Re-write the packages of a renamed/retitled organization or group (their full-text rows hold its names)."""
    rows = store.query("SELECT data FROM pkg_doc WHERE rowid IN (SELECT rowid FROM pkg WHERE owner_org = ? "
                       "UNION SELECT pkg FROM pkg_group WHERE grp = ?)", (grp_id, grp_id))
    with store.transaction():
        for row in rows:
            write(store, json.loads(row["data"]))
