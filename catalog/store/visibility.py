"""Who may see which packages: the one definition used by show, list, search counts, facets and downloads.

Private (庁内限定) packages are visible only to sysadmins and to users holding any role in the owning
organization; deleted ones only to sysadmins and the organization's editors/admins (as in CKAN).
"""
from __future__ import annotations

from catalog.store import users
from catalog.context import Context


def can_read(context: Context, doc: dict) -> bool:
    if context.is_sysadmin:
        return True
    if doc["state"] == "deleted":
        return users.has_role(context.store, context.user, doc.get("owner_org"), "editor")
    if doc["state"] == "draft" and not _is_creator(context, doc):
        return users.has_role(context.store, context.user, doc.get("owner_org"), "editor")
    return not doc["private"] or users.has_role(context.store, context.user, doc.get("owner_org"), "member")


def _is_creator(context: Context, doc: dict) -> bool:
    return bool(context.user and doc.get("creator_user_id") == context.user["id"])


def clause(context: Context, *, include_private: bool, include_drafts: bool = False,
           alias: str = "p") -> tuple[str, list]:
    """SQL condition on ``pkg`` rows the caller may find in lists and searches.

    Like CKAN's search, private packages appear only when ``include_private`` is asked for (and permitted).
    """
    states = "('active', 'draft')" if include_drafts else "('active')"
    sql = f"{alias}.state IN {states}"
    params: list = []
    if include_drafts and not context.is_sysadmin:
        sql += f" AND ({alias}.state = 'active' OR {alias}.creator_user_id = ?)"
        params.append(context.user["id"] if context.user else "")
    if not include_private:
        return f"{sql} AND {alias}.private = 0", params
    if context.is_sysadmin:
        return sql, params
    orgs = sorted(users.groups_of(context.store, context.user))
    if not orgs:
        return f"{sql} AND {alias}.private = 0", params
    marks = ",".join("?" * len(orgs))
    return f"{sql} AND ({alias}.private = 0 OR {alias}.owner_org IN ({marks}))", params + orgs


def can_see_members(context: Context, grp_id: str) -> bool:
    """Member lists are shown to sysadmins and the group's own members (CKAN's public_user_details=false)."""
    return users.has_role(context.store, context.user, grp_id, "member")
