"""Auth for patch actions: the same rules as the update they merge into."""
from __future__ import annotations

from catalog.auth import update
from catalog.context import Context


def package_patch(context: Context, data_dict: dict) -> dict:
    return update.package_update(context, data_dict)


def resource_patch(context: Context, data_dict: dict) -> dict:
    return update.resource_update(context, data_dict)


def organization_patch(context: Context, data_dict: dict) -> dict:
    return update.organization_update(context, data_dict)
