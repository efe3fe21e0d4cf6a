"""Activity streams, as CKAN 2.11's ``activity`` plugin answers them (``ckanext/activity/logic/action.py``):
newest first, ``offset``/``limit`` (default 31, at most 100), ``after``/``before``, and the activity-type filters
where CKAN has them. Private datasets' activities appear only to their organization's members."""
from __future__ import annotations

from catalog.store import activities, groups
from catalog.search import index
from catalog.actions import side_effect_free
from catalog.context import Context
from catalog.errors import ValidationError


@side_effect_free
def package_activity_list(context: Context, data_dict: dict) -> list[dict]:
    """Return a package's activity stream (``new package``, ``changed package``, ``deleted package``).

    You must be authorized to view the package.

    :param id: the id or name of the package
    :type id: string
    :param offset: where to start getting activity items from (optional, default: ``0``)
    :type offset: int
    :param limit: the maximum number of activities to return (optional, default: ``31``, upper limit: ``100``)
    :type limit: int
    :param after: After timestamp (a Unix time or an ISO date-time; optional)
    :type after: int, str
    :param before: Before timestamp (optional)
    :type before: int, str
    :param include_hidden_activity: accepted for compatibility; this catalog hides no activity
    :type include_hidden_activity: bool
    :param activity_types: A list of activity types to include in the response
    :type activity_types: list
    :param exclude_activity_types: A list of activity types to exclude from the response
    :type exclude_activity_types: list
    :rtype: list of dictionaries
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    doc = index.find_doc(context.store, str(data_dict["id"]))
    return activities.list_activities(context, data_dict, where="a.object_id = ?", params=[doc["id"]])


@side_effect_free
def organization_activity_list(context: Context, data_dict: dict) -> list[dict]:
    """Return an organization's activity stream: its own changes and those of its datasets.

    :param id: the id or name of the organization
    :type id: string
    :param offset: where to start getting activity items from (optional, default: ``0``)
    :type offset: int
    :param limit: the maximum number of activities to return (optional, default: ``31``, upper limit: ``100``)
    :type limit: int
    :param after: After timestamp (optional)
    :type after: int, str
    :param before: Before timestamp (optional)
    :type before: int, str
    :param include_hidden_activity: accepted for compatibility; this catalog hides no activity
    :type include_hidden_activity: bool
    :param activity_types: A list of activity types to include in the response
    :type activity_types: list
    :rtype: list of dictionaries
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    row = groups.get_row(context.store, str(data_dict["id"]), is_org=True)
    data = {k: v for k, v in data_dict.items() if k != "exclude_activity_types"}
    return activities.list_activities(context, data, where="a.owner_org = ?", params=[row["id"]])


@side_effect_free
def group_activity_list(context: Context, data_dict: dict) -> list[dict]:
    """Return a group's activity stream: its own changes and those of its datasets.

    :param id: the id or name of the group
    :type id: string
    :param offset: where to start getting activity items from (optional, default: ``0``)
    :type offset: int
    :param limit: the maximum number of activities to return (optional, default: ``31``, upper limit: ``100``)
    :type limit: int
    :param include_hidden_activity: accepted for compatibility; this catalog hides no activity
    :type include_hidden_activity: bool
    :param activity_types: A list of activity types to include in the response
    :type activity_types: list
    :rtype: list of dictionaries
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    row = groups.get_row(context.store, str(data_dict["id"]), is_org=False)
    data = {k: v for k, v in data_dict.items() if k != "exclude_activity_types"}
    return activities.list_activities(context, data, where="g.grp = ?", params=[row["id"]],
                                      join="JOIN activity_group g ON g.seq = a.seq")


@side_effect_free
def recently_changed_packages_activity_list(context: Context, data_dict: dict) -> list[dict]:
    """Return the activity stream of all recently added or changed packages.

    :param offset: where to start getting activity items from (optional, default: ``0``)
    :type offset: int
    :param limit: the maximum number of activities to return (optional, default: ``31``, upper limit: ``100``)
    :type limit: int
    :rtype: list of dictionaries
    """
    data = {k: data_dict.get(k) for k in ("offset", "limit", "after", "before")}
    return activities.list_activities(context, data, where="a.kind = 'package'", params=[])
