"""Auth for read actions: everyone may call them; what each caller sees is filtered by ``catalog.store.visibility``."""
from __future__ import annotations

from catalog.store import visibility
from catalog.auth import deny, ok, only, package_of_resource, stored_package
from catalog.context import Context


def package_show(context: Context, data_dict: dict) -> dict:
    doc = stored_package(context, data_dict.get("id") or data_dict.get("name_or_id"))
    if doc is None or visibility.can_read(context, doc):
        return ok()
    return deny(f"User {context.user_name} not authorized to read package {doc['id']}")


def resource_show(context: Context, data_dict: dict) -> dict:
    doc = package_of_resource(context, data_dict.get("id"))
    if doc is None or visibility.can_read(context, doc):
        return ok()
    return deny(f"User {context.user_name} not authorized to read resource {data_dict.get('id')}")


resource_view_list = resource_show


def _public(context: Context, data_dict: dict) -> dict:
    return ok()


package_list = package_search = current_package_list_with_resources = _public
organization_list = organization_show = group_list = group_show = _public
tag_list = license_list = status_show = help_show = organization_list_for_user = _public
package_autocomplete = tag_autocomplete = format_autocomplete = _public
organization_autocomplete = group_autocomplete = _public
user_list = user_show = _public  # CKAN's default ckan.auth.public_user_details = true (e-mails stay hidden)


def api_token_list(context: Context, data_dict: dict) -> dict:
    target = data_dict.get("user_id") or data_dict.get("user")
    if context.user is None:
        return deny("User  not authorized to list API tokens")
    return only(context.is_sysadmin or target in (context.user["name"], context.user["id"]),
                f"User {context.user_name} not authorized to list API tokens of {target}")
