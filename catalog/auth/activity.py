"""Auth for the activity streams: a package's stream needs read access to the package (as CKAN); the others
are public, their rows filtered by visibility (``catalog.store.activities``)."""
from __future__ import annotations

from catalog.auth.get import package_show
from catalog.context import Context
from catalog.auth import ok


def package_activity_list(context: Context, data_dict: dict) -> dict:
    return package_show(context, {"id": data_dict.get("id")})


def organization_activity_list(context: Context, data_dict: dict) -> dict:
    return ok()


group_activity_list = recently_changed_packages_activity_list = organization_activity_list
