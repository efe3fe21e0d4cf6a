"""Auth for create actions (CKAN defaults: only sysadmins create organizations and groups)."""
from __future__ import annotations

from catalog.store import users
from catalog.auth import can_edit_package, deny, group_id, ok, only, stored_package
from catalog.context import Context


def package_create(context: Context, data_dict: dict) -> dict:
    msg = f"User {context.user_name} not authorized to create packages"
    if context.is_sysadmin:
        return ok()
    org = data_dict.get("owner_org")
    if org:
        return only(users.has_role(context.store, context.user, group_id(context, org), "editor"), msg)
    # without an owner_org: let an editor through so validation can say which field is missing
    return only(bool(users.groups_of(context.store, context.user, "editor")), msg)


def resource_create(context: Context, data_dict: dict) -> dict:
    doc = stored_package(context, data_dict.get("package_id"))
    return only(can_edit_package(context, doc),
                f"User {context.user_name} not authorized to create resources on dataset {data_dict.get('package_id')}")


def organization_create(context: Context, data_dict: dict) -> dict:
    return only(context.is_sysadmin, f"User {context.user_name} not authorized to create organizations")


def group_create(context: Context, data_dict: dict) -> dict:
    return only(context.is_sysadmin, f"User {context.user_name} not authorized to create groups")


def organization_member_create(context: Context, data_dict: dict) -> dict:
    org = group_id(context, data_dict.get("id"))
    if org is None:
        return ok()
    return only(users.has_role(context.store, context.user, org, "admin"),
                f"User {context.user_name} not authorized to edit organization {data_dict.get('id')}")


def api_token_create(context: Context, data_dict: dict) -> dict:
    if context.user is None:
        return deny("User  not authorized to create API tokens")
    target = data_dict.get("user")
    return only(context.is_sysadmin or target in (context.user["name"], context.user["id"]),
                f"User {context.user_name} not authorized to create API tokens for {target}")
