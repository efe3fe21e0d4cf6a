"""Auth for delete actions."""
from __future__ import annotations

from catalog.store import users
from catalog.auth import can_edit_package, deny, only, package_of_resource, stored_package
from catalog.context import Context


def package_delete(context: Context, data_dict: dict) -> dict:
    doc = stored_package(context, data_dict.get("id"))
    return only(can_edit_package(context, doc),
                f"User {context.user_name} not authorized to delete package {data_dict.get('id')}")


def dataset_purge(context: Context, data_dict: dict) -> dict:
    return only(context.is_sysadmin, f"User {context.user_name} not authorized to purge package {data_dict.get('id')}")


def resource_delete(context: Context, data_dict: dict) -> dict:
    doc = package_of_resource(context, data_dict.get("id"))
    return only(can_edit_package(context, doc),
                f"User {context.user_name} not authorized to delete resource {data_dict.get('id')}")


def api_token_revoke(context: Context, data_dict: dict) -> dict:
    if context.user is None:
        return deny("User  not authorized to revoke API tokens")
    owner = users.token_owner(context.store, data_dict.get("token"), data_dict.get("jti"))
    return only(context.is_sysadmin or owner in (None, context.user["id"]),
                f"User {context.user_name} not authorized to revoke this API token")
