"""Patch actions: read the object, merge in the keys sent (a list sent replaces the whole list), update."""
from __future__ import annotations

from catalog.actions import get_action
from catalog.context import Context
from catalog.errors import ValidationError


def package_patch(context: Context, data_dict: dict) -> dict:
    """Change only the given fields of a dataset; everything else keeps its value.

    Lists (``tags``, ``extras``, ``groups``, ``resources``) are replaced as a whole when given.

    :param id: the id or name of the dataset
    :type id: string
    :rtype: dictionary
    """
    current = _show(context, "package_show", data_dict)
    return get_action("package_update")(context.internal(), {**current, **data_dict, "id": current["id"]})


def resource_patch(context: Context, data_dict: dict) -> dict:
    """Change only the given fields of a resource (and its file, when ``upload`` is sent).

    :param id: the id of the resource
    :type id: string
    :rtype: dictionary
    """
    current = _show(context, "resource_show", data_dict)
    return get_action("resource_update")(context.internal(), {**current, **data_dict, "id": current["id"]})


def organization_patch(context: Context, data_dict: dict) -> dict:
    """Change only the given fields of an organization.

    :param id: the id or name of the organization
    :type id: string
    :rtype: dictionary
    """
    current = _show(context, "organization_show", data_dict)
    merged = {k: current[k] for k in ("name", "title", "description", "image_url", "extras")}
    return get_action("organization_update")(context.internal(), {**merged, **data_dict, "id": current["id"]})


def _show(context: Context, action: str, data_dict: dict) -> dict:
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    return get_action(action)(context.internal(), {"id": data_dict["id"]})
