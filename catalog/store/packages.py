"""Package (dataset) validation — CKAN's default schema as small checks — and the package dict CKAN returns."""
from __future__ import annotations

import re
import sqlite3
import uuid
from typing import Any

from catalog.store import groups, licenses, resources
from catalog.store.params import as_bool
from catalog.errors import ValidationError
from catalog.store.db import Store

NAME = re.compile(r"^[a-z0-9_-]{2,100}$")
TAG = re.compile(r"^[\w \-.]+$", re.UNICODE)
_TEXT = ("title", "notes", "author", "author_email", "maintainer", "maintainer_email", "license_id", "url", "version")
_CORE = set(_TEXT) | {"id", "name", "owner_org", "private", "state", "type", "extras", "groups", "tags", "resources",
                      "tag_string", "metadata_created", "metadata_modified", "creator_user_id"}
def clean(store: Store, data: dict, *, old: dict | None = None) -> dict:
    """The stored document for ``data`` (a full replacement of ``old`` when updating). Raises ValidationError."""
    errors: dict[str, Any] = {}
    doc: dict[str, Any] = {k: _text(data.get(k)) for k in _TEXT}
    doc["name"] = _name(store, data.get("name", (old or {}).get("name")), old, errors)
    doc["title"] = doc["title"] or doc["name"]
    doc["owner_org"] = _owner_org(store, data.get("owner_org"), errors)
    doc["private"] = as_bool(data.get("private"))
    doc["state"] = data.get("state") or (old or {}).get("state") or "active"
    doc["type"] = data.get("type") or "dataset"
    if doc["version"] and len(doc["version"]) > 100:
        errors["version"] = ["Length must be less than 100 characters"]
    doc["tags"] = _tags(store, data, errors)
    doc["extras"] = _extras(data.get("extras"), errors)
    doc["groups"] = _groups(store, data.get("groups"), errors)
    if errors:
        raise ValidationError(errors)
    return doc


def clean_resources(items: Any, package_id: str, old: list[dict]) -> list[dict]:
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise ValidationError({"resources": ["Resources must be a list of dicts"]})
    by_id = {r["id"]: r for r in old}
    return [resources.clean(r, package_id=package_id, position=i, old=by_id.get(r.get("id")))
            for i, r in enumerate(items)]


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _name(store: Store, name: Any, old: dict | None, errors: dict) -> str | None:
    if not name:
        errors["name"] = ["Missing value"]
        return None
    name = str(name)
    if not NAME.match(name):
        errors["name"] = ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"]
        return name
    clash = store.one("SELECT id FROM pkg WHERE name = ?", (name,))
    if clash and (old is None or clash["id"] != old["id"]):
        errors["name"] = ["That URL is already in use."]
    return name


def _owner_org(store: Store, value: Any, errors: dict) -> str | None:
    if not value:
        errors["owner_org"] = ["An organization must be provided"]
        return None
    row = store.one("SELECT id FROM grp WHERE (id = ? OR name = ?) AND is_organization = 1", (value, value))
    if row is None:
        errors["owner_org"] = ["Organization does not exist"]
        return None
    return row["id"]


def _tags(store: Store, data: dict, errors: dict) -> list[dict]:
    raw = data.get("tags")
    if raw is None and data.get("tag_string"):
        raw = [t.strip() for t in str(data["tag_string"]).split(",") if t.strip()]
    names, problems = [], []
    for tag in raw or []:
        name = (tag.get("name") if isinstance(tag, dict) else tag) or ""
        name = str(name).strip()
        problem = _tag_problem(name)
        problems.append({"name": [problem]} if problem else {})
        if not problem and name not in names:
            names.append(name)
    if any(problems):
        errors["tags"] = problems
    return [{"id": _tag_id(store, n), "name": n} for n in sorted(names)]


def _tag_problem(name: str) -> str | None:
    if len(name) < 2:
        return f'Tag "{name}" length is less than minimum 2'
    if len(name) > 100:
        return f'Tag "{name}" length is more than maximum 100'
    if not TAG.match(name):
        return f'Tag "{name}" must be alphanumeric characters or symbols: -_.'
    return None


def _tag_id(store: Store, name: str) -> str:
    row = store.one("SELECT id FROM tag WHERE name = ?", (name,))
    if row:
        return row["id"]
    tag_id = str(uuid.uuid4())
    store.connection().execute("INSERT OR IGNORE INTO tag (id, name) VALUES (?, ?)", (tag_id, name))
    return store.one("SELECT id FROM tag WHERE name = ?", (name,))["id"]


def _extras(raw: Any, errors: dict) -> list[dict]:
    if raw is None:
        return []
    if isinstance(raw, dict):  # a convenience some clients use: {"key": "value"}
        raw = [{"key": k, "value": v} for k, v in raw.items()]
    if not isinstance(raw, list) or any(not isinstance(e, dict) or not e.get("key") for e in raw):
        errors["extras"] = ["Extras must be a list of {\"key\": ..., \"value\": ...}"]
        return []
    keys = [str(e["key"]) for e in raw]
    clash = sorted({k for k in keys if k in _CORE})
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if clash or dupes:
        errors["extras"] = [f'There is a schema field with the same name: {k}' for k in clash] + \
            [f"Duplicate key \"{k}\"" for k in dupes]
        return []
    return [{"key": str(e["key"]), "value": "" if e.get("value") is None else str(e["value"])} for e in raw]


def _groups(store: Store, raw: Any, errors: dict) -> list[str]:
    ids, missing = [], []
    for g in raw or []:
        ref = (g.get("id") or g.get("name")) if isinstance(g, dict) else g
        row = store.one("SELECT id FROM grp WHERE (id = ? OR name = ?) AND is_organization = 0", (ref, ref))
        if row is None:
            missing.append(str(ref))
        elif row["id"] not in ids:
            ids.append(row["id"])
    if missing:
        errors["groups"] = [f'Group "{m}" does not exist' for m in missing]
    return ids


# Extras holding a link into this catalog: stored as a site path (``/dataset/x/quality``), shown as a URL.
SITE_LINK_EXTRAS = ("quality_report_url",)
_SITE_PREFIX = re.compile(r"^https?://[^/]+(?=/)")


def site_link(value: str, site_url: str) -> str:
    return f"{site_url.rstrip('/')}{value}" if value.startswith("/") else value


def store_links(doc: dict) -> dict:
    """Put a document's links in their stored form (in place): upload file names and site paths, as the answers
    build the URLs from the address they are served at."""
    doc["extras"] = [{**e, "value": _SITE_PREFIX.sub("", e["value"])} if e.get("key") in SITE_LINK_EXTRAS else e
                     for e in doc.get("extras", [])]
    doc["resources"] = [resources.stored_url(r) for r in doc.get("resources", [])]
    return doc


def package_dict(doc: dict, orgs: dict[str, sqlite3.Row], grps: dict[str, sqlite3.Row], site_url: str) -> dict:
    """The package dict exactly as CKAN's ``package_show`` emits it (key order included), its links built from
    ``site_url``, the address the catalog answers at."""
    org = orgs.get(doc["owner_org"]) if doc.get("owner_org") else None
    out = {"author": doc.get("author"), "author_email": doc.get("author_email"),
           "creator_user_id": doc.get("creator_user_id"), "id": doc["id"], "isopen": False,
           "license_id": doc.get("license_id")}
    out.update(licenses.license_fields(doc.get("license_id")))  # isopen, license_title[, license_url]
    out.update({
        "maintainer": doc.get("maintainer"), "maintainer_email": doc.get("maintainer_email"),
        "metadata_created": doc["metadata_created"], "metadata_modified": doc["metadata_modified"],
        "name": doc["name"], "notes": doc.get("notes"), "num_resources": len(doc["resources"]),
        "num_tags": len(doc["tags"]), "organization": groups.package_org(org) if org else None,
        "owner_org": doc.get("owner_org"), "private": doc["private"], "state": doc["state"], "title": doc["title"],
        "type": doc["type"], "url": doc.get("url"), "version": doc.get("version"),
        "extras": [{**e, "value": site_link(e["value"], site_url)} if e.get("key") in SITE_LINK_EXTRAS else dict(e)
                   for e in doc["extras"]],
        "groups": [groups.package_group(grps[g]) for g in doc["groups"] if g in grps],
        "resources": [resources.shown(r, site_url) for r in doc["resources"]],
        "tags": [{"display_name": t["name"], "id": t["id"], "name": t["name"], "state": "active",
                  "vocabulary_id": None} for t in doc["tags"]],
        "relationships_as_subject": [], "relationships_as_object": []})
    return out
