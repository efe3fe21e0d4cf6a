"""Auth for update actions: dataset editors/admins of the owning organization, organization admins, sysadmins."""
from __future__ import annotations

from catalog.store import users
from catalog.auth import can_edit_package, deny, group_id, ok, only, package_of_resource, stored_package
from catalog.context import Context


def package_update(context: Context, data_dict: dict) -> dict:
    doc = stored_package(context, data_dict.get("id") or data_dict.get("name"))
    msg = f"User {context.user_name} not authorized to edit package {data_dict.get('id')}"
    if not can_edit_package(context, doc):
        return deny(msg)
    new_org = data_dict.get("owner_org")
    if doc is not None and new_org and group_id(context, new_org) not in (None, doc.get("owner_org")):
        # moving a dataset needs the editor role at its new home as well
        return only(users.has_role(context.store, context.user, group_id(context, new_org), "editor"), msg)
    return ok()


def package_resource_reorder(context: Context, data_dict: dict) -> dict:
    doc = stored_package(context, data_dict.get("id"))
    return only(can_edit_package(context, doc),
                f"User {context.user_name} not authorized to reorder resources of package {data_dict.get('id')}")


def resource_update(context: Context, data_dict: dict) -> dict:
    doc = package_of_resource(context, data_dict.get("id"))
    return only(can_edit_package(context, doc),
                f"User {context.user_name} not authorized to edit resource {data_dict.get('id')}")


def organization_update(context: Context, data_dict: dict) -> dict:
    org = group_id(context, data_dict.get("id"))
    if org is None:
        return ok()
    return only(users.has_role(context.store, context.user, org, "admin"),
                f"User {context.user_name} not authorized to edit organization {data_dict.get('id')}")
