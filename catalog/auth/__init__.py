"""Auth functions: one per action, same name, in the module of the same name. Each returns
``{"success": bool, "msg": str}`` and holds no business logic; the registry in ``catalog.actions`` calls them.

When the object an auth function needs does not exist it returns success, so that the action itself answers
with NotFound (CKAN's actions look the object up before checking access; the status codes stay the same).
"""
from __future__ import annotations

from catalog.search import index
from catalog.store import users
from catalog.context import Context


def ok() -> dict:
    return {"success": True, "msg": ""}


def deny(msg: str) -> dict:
    return {"success": False, "msg": msg}


def only(condition: bool, msg: str) -> dict:
    return ok() if condition else deny(msg)


def stored_package(context: Context, id_or_name) -> dict | None:
    """The stored package document, or None if there is none (the action then reports NotFound)."""
    return index.doc_or_none(context.store, id_or_name)


def package_of_resource(context: Context, resource_id) -> dict | None:
    return index.resource_doc_or_none(context.store, resource_id)


def group_id(context: Context, id_or_name) -> str | None:
    row = context.store.one("SELECT id FROM grp WHERE id = ? OR name = ?", (id_or_name, id_or_name))
    return row["id"] if row else None


def can_edit_package(context: Context, doc: dict | None) -> bool:
    return doc is None or users.has_role(context.store, context.user, doc.get("owner_org"), "editor")
