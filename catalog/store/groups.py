"""Organizations and groups (one table, like CKAN): rows, validation and the dict shapes CKAN returns."""
from __future__ import annotations

import json
import re
import sqlite3
import uuid

from catalog.store import timestamps, users, visibility
from catalog.errors import NotFound, ValidationError
from catalog.store.db import Store, dumps

NAME = re.compile(r"^[a-z0-9_-]{2,100}$")
NAME_MESSAGE = "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"


def get_row(store: Store, id_or_name: str | None, is_org: bool | None = None) -> sqlite3.Row:
    """The group/organization row by id or name; NotFound if missing or of the other kind."""
    row = store.one("SELECT * FROM grp WHERE id = ? OR name = ?", (id_or_name, id_or_name)) if id_or_name else None
    if row is None or (is_org is not None and bool(row["is_organization"]) != is_org):
        raise NotFound(f'{"Organization" if is_org else "Group"} "{id_or_name}" was not found.')
    return row


def rows_by_id(conn: sqlite3.Connection, ids: set[str]) -> dict[str, sqlite3.Row]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r["id"]: r for r in conn.execute(f"SELECT * FROM grp WHERE id IN ({marks})", list(ids))}


def validate(data: dict, existing: sqlite3.Row | None, store: Store) -> dict:
    """Clean group/org fields, raising ValidationError(error_dict) like CKAN's group schema."""
    errors: dict[str, list[str]] = {}
    name = data.get("name", existing["name"] if existing else None)
    if not name:
        errors["name"] = ["Missing value"]
    elif not NAME.match(str(name)):
        errors["name"] = [NAME_MESSAGE]
    else:
        clash = store.one("SELECT id FROM grp WHERE name = ?", (name,))
        if clash and (existing is None or clash["id"] != existing["id"]):
            errors["name"] = ["Group name already exists in database"]
    extras = data.get("extras") or []
    if not isinstance(extras, list) or any(not isinstance(e, dict) or "key" not in e for e in extras):
        errors["extras"] = ["Extras must be a list of {key, value}"]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "title": data.get("title") or "", "description": data.get("description") or "",
            "image_url": data.get("image_url") or "",
            "extras": [{"key": e["key"], "value": "" if e.get("value") is None else str(e["value"])} for e in extras]}


def save(store: Store, fields: dict, is_org: bool, existing: sqlite3.Row | None) -> str:
    """Insert or replace a group row; returns its id."""
    gid = existing["id"] if existing else str(uuid.uuid4())
    created = existing["created"] if existing else timestamps.now()
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO grp (id, name, is_organization, title, description, image_url, created, state,"
            " approval_status, extras) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', 'approved', ?)",
            (gid, fields["name"], int(is_org), fields["title"], fields["description"], fields["image_url"],
             created, dumps(fields["extras"])))
    return gid


def list_dict(row: sqlite3.Row, package_count: int) -> dict:
    """The ``organization_list?all_fields=true`` shape."""
    kind = "organization" if row["is_organization"] else "group"
    return {"approval_status": row["approval_status"], "created": row["created"], "description": row["description"],
            "display_name": row["title"] or row["name"], "id": row["id"], "image_display_url": row["image_url"],
            "image_url": row["image_url"], "is_organization": bool(row["is_organization"]), "name": row["name"],
            "num_followers": 0, "package_count": package_count, "state": row["state"], "title": row["title"],
            "type": kind}


def package_org(row: sqlite3.Row) -> dict:
    """The ``organization`` object embedded in a package dict."""
    return {"id": row["id"], "name": row["name"], "title": row["title"], "type": "organization",
            "description": row["description"], "image_url": row["image_url"], "created": row["created"],
            "is_organization": True, "approval_status": row["approval_status"], "state": row["state"]}


def package_group(row: sqlite3.Row) -> dict:
    """A group as listed in a package's ``groups``."""
    return {"description": row["description"], "display_name": row["title"] or row["name"], "id": row["id"],
            "image_display_url": row["image_url"], "name": row["name"], "title": row["title"]}


def extras(row: sqlite3.Row) -> list[dict]:
    return json.loads(row["extras"])


def package_counts(context, grp_id: str | None = None) -> dict[str, int]:
    """{organization/group id: number of datasets the caller can see}, as CKAN counts them (private ones of the
    caller's organizations included)."""
    vis, params = visibility.clause(context, include_private=True)
    only_org = " AND p.owner_org = ?" if grp_id else ""
    only_grp = " AND g.grp = ?" if grp_id else ""
    sql = (f"SELECT p.owner_org, count(*) FROM pkg p WHERE {vis}{only_org} GROUP BY p.owner_org UNION ALL "
           f"SELECT g.grp, count(*) FROM pkg_group g JOIN pkg p ON p.rowid = g.pkg WHERE {vis}{only_grp} GROUP BY g.grp")
    args = params + ([grp_id] if grp_id else []) + params + ([grp_id] if grp_id else [])
    return {r[0]: r[1] for r in context.store.query(sql, args) if r[0]}


_SORTS = {"name": "name", "title": "lower(title)", "package_count": "package_count", "packages": "package_count"}


def list_groups(context, *, is_org: bool, sort: str, q: str | None, names, all_fields: bool, limit: int,
                offset: int) -> list:
    """``organization_list`` / ``group_list``."""
    words = sort.split()
    column = _SORTS.get(words[0] if words else "title")
    direction = words[1].upper() if len(words) > 1 else "ASC"
    if column is None or direction not in ("ASC", "DESC"):
        raise ValidationError({"sort": [f"Cannot sort by field `{sort}`"]})
    rows = context.store.query("SELECT * FROM grp WHERE is_organization = ? AND state = 'active'", (int(is_org),))
    if q:
        needle = str(q).lower()
        rows = [r for r in rows if any(needle in (r[k] or "").lower() for k in ("name", "title", "description"))]
    if names:
        wanted = set(map(str, names) if isinstance(names, list) else str(names).split(","))
        rows = [r for r in rows if r["name"] in wanted]
    counts = package_counts(context)
    key = {"name": lambda r: r["name"], "lower(title)": lambda r: ((r["title"] or r["name"]).lower(), r["name"]),
           "package_count": lambda r: (counts.get(r["id"], 0), r["name"])}[column]
    rows = sorted(rows, key=key, reverse=direction == "DESC")[offset:offset + limit]
    return [list_dict(r, counts.get(r["id"], 0)) for r in rows] if all_fields else [r["name"] for r in rows]


def members(store: Store, grp_id: str) -> list[dict]:
    """The members of an organization/group in CKAN's ``users`` shape."""
    rows = store.query("SELECT m.user, m.capacity, (SELECT count(*) FROM pkg p WHERE p.creator_user_id = m.user) "
                       "AS created FROM member m WHERE m.grp = ? ORDER BY m.user", (grp_id,))
    return [users.member_dict(users.get_user(store, r["user"]), r["capacity"], r["created"]) for r in rows]
