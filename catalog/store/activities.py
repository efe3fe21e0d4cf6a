"""Activity streams (CKAN's ``activity`` plugin): one row per create/update/delete of a dataset (resources
included: CKAN records a resource change as ``changed package``) or an organization.

A row keeps the stored document (links in their stored form, as everywhere in the store); answers rebuild the
``package`` dict with ``package_dict`` for the site URL they are served at. ``owner_org``/``private`` are copied
so streams filter by the same visibility rule as searches (CKAN's permission labels).
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timezone

from catalog.store import groups, packages, timestamps, users
from catalog.store.params import as_int
from catalog.store.db import Store, dumps
from catalog.errors import ValidationError

DEFAULT_LIMIT = 31                     # ckan.activity_list_limit
MAX_LIMIT = 100                        # ckan.activity_list_limit_max
PACKAGE_TYPES = ("new package", "changed package", "deleted package")


def record_package(store: Store, user: dict | None, activity_type: str, doc: dict) -> None:
    """Record ``new``/``changed``/``deleted package`` for a stored document (drafts are not streamed, as CKAN)."""
    if doc.get("state") == "draft":
        return
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO activity (id, timestamp, user_id, actor, object_id, owner_org, private, activity_type, kind,"
            " data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'package', ?)",
            (str(uuid.uuid4()), timestamps.now(), (user or {}).get("id"), (user or {}).get("name"), doc["id"],
             doc.get("owner_org"), int(bool(doc.get("private"))), activity_type, dumps(doc)))
        conn.executemany("INSERT OR IGNORE INTO activity_group (grp, seq) VALUES (?, ?)",
                         [(g, cur.lastrowid) for g in doc.get("groups") or []])


def record_group(store: Store, user: dict | None, activity_type: str, grp_id: str) -> None:
    """``new organization`` / ``changed organization`` / ``new group`` … (the group dict at that moment)."""
    row = groups.get_row(store, grp_id)
    data = groups.list_dict(row, 0)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO activity (id, timestamp, user_id, actor, object_id, owner_org, private, activity_type, kind,"
            " data) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'group', ?)",
            (str(uuid.uuid4()), timestamps.now(), (user or {}).get("id"), (user or {}).get("name"), row["id"],
             row["id"] if row["is_organization"] else None, activity_type, dumps(data)))
        if not row["is_organization"]:
            conn.execute("INSERT OR IGNORE INTO activity_group (grp, seq) VALUES (?, last_insert_rowid())", (row["id"],))


def forget_package(store: Store, package_id: str) -> None:
    """``dataset_purge``: its activities go with it."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM activity_group WHERE seq IN (SELECT seq FROM activity WHERE object_id = ?)",
                     (package_id,))
        conn.execute("DELETE FROM activity WHERE object_id = ?", (package_id,))


def _visible(context, alias: str = "a") -> tuple[str, list]:
    if context.is_sysadmin:
        return "1", []
    orgs = sorted(users.groups_of(context.store, context.user))
    marks = ",".join("?" * len(orgs))
    return (f"({alias}.private = 0 OR {alias}.owner_org IN ({marks}))" if orgs else f"{alias}.private = 0"), orgs


def _types(value) -> list[str] | None:
    if value is None or value == "":
        return None
    items = value if isinstance(value, list) else [v for v in str(value).split(",")]
    return [str(v).strip() for v in items if str(v).strip()]


def _when(value, key: str) -> str | None:
    """``after``/``before``: a Unix timestamp or an ISO date-time, as CKAN accepts them."""
    if value is None or value == "":
        return None
    try:
        return datetime.fromtimestamp(float(value), timezone.utc).replace(tzinfo=None).strftime(timestamps.FORMAT)
    except (TypeError, ValueError, OverflowError):
        pass
    try:
        return datetime.fromisoformat(str(value)).strftime(timestamps.FORMAT)
    except ValueError:
        raise ValidationError({key: ["Invalid timestamp"]}) from None


def list_activities(context, data_dict: dict, *, where: str, params: list, join: str = "") -> list[dict]:
    """One page of a stream, newest first, with CKAN's ``offset``/``limit`` (31, at most 100), ``after``/
    ``before`` and ``activity_types``/``exclude_activity_types`` (not both)."""
    errors: dict = {}
    limit = as_int(data_dict, "limit", DEFAULT_LIMIT, errors)
    offset = as_int(data_dict, "offset", 0, errors)
    include = _types(data_dict.get("activity_types"))
    exclude = _types(data_dict.get("exclude_activity_types"))
    if include is not None and exclude is not None:
        errors["activity_types"] = ["Cannot be used together with `exclude_activity_types"]
    after = _when(data_dict.get("after"), "after")
    before = _when(data_dict.get("before"), "before")
    if errors:
        raise ValidationError(errors)
    limit = min(limit if limit is not None else DEFAULT_LIMIT, MAX_LIMIT)
    vis, vis_params = _visible(context)
    sql, args = f"{where} AND {vis}", [*params, *vis_params]
    for values, op in ((include, "IN"), (exclude, "NOT IN")):
        if values is not None:
            sql += f" AND a.activity_type {op} ({','.join('?' * len(values))})"
            args += values
    if after:
        sql += " AND a.timestamp > ?"
        args.append(after)
    if before:
        sql += " AND a.timestamp < ?"
        args.append(before)
    # with only ``after``: the oldest page after it (then newest first), so a client can walk forward
    order = "ASC" if after and not before else "DESC"
    rows = context.store.query(f"SELECT a.* FROM activity a {join} WHERE {sql} ORDER BY a.seq {order} "
                               f"LIMIT ? OFFSET ?", [*args, limit, offset])
    if order == "ASC":
        rows = rows[::-1]
    return _dictize(context, rows)


def _dictize(context, rows: list[sqlite3.Row]) -> list[dict]:
    docs = {r["seq"]: json.loads(r["data"]) for r in rows}
    ids = {d.get("owner_org") for r, d in ((r, docs[r["seq"]]) for r in rows) if r["kind"] == "package"} - {None}
    ids |= {g for r in rows if r["kind"] == "package" for g in docs[r["seq"]].get("groups") or []}
    grp_rows = groups.rows_by_id(context.store.connection(), ids) if ids else {}
    out = []
    for r in rows:
        doc = docs[r["seq"]]
        if r["kind"] == "package":
            data = {"package": packages.package_dict(doc, grp_rows, grp_rows, context.site_url), "actor": r["actor"]}
        else:
            data = {("organization" if r["owner_org"] else "group"): doc, "actor": r["actor"]}
        labels = ["public"] if not r["private"] else [f"member-{r['owner_org']}"]
        out.append({"id": r["id"], "timestamp": r["timestamp"], "user_id": r["user_id"], "object_id": r["object_id"],
                    "revision_id": None, "activity_type": r["activity_type"], "data": data,
                    "permission_labels": labels})
    return out
