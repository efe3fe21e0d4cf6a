"""Read actions (all side-effect free, so all GET-able). Docstrings are the API docs served by ``help_show``."""
from __future__ import annotations

import uuid

from catalog.store import groups, licenses, users, visibility
from catalog.search import index
from catalog import search
from catalog.context import Context
from catalog.errors import NotFound, ValidationError
from catalog.store.params import flag, limit_offset

SITE_TITLE = "東京都オープンデータカタログ"
CKAN_VERSION = "2.11.6"  # the Action API level this catalog implements; clients gate features on it


def package_list(context: Context, data_dict: dict) -> list[str]:
    """Return the names of the site's public, active datasets, ordered by name.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets per page
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int
    :rtype: list of strings
    """
    limit, offset = limit_offset(data_dict, None)
    rows = context.store.query(
        "SELECT name FROM pkg WHERE state = 'active' AND private = 0 ORDER BY name LIMIT ? OFFSET ?",
        (-1 if limit is None else limit, offset))
    return [r["name"] for r in rows]


def current_package_list_with_resources(context: Context, data_dict: dict) -> list[dict]:
    """Return a list of the site's datasets and their resources, most recently modified first.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets per page
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int
    :rtype: list of dictionaries
    """
    limit, offset = limit_offset(data_dict, 10)
    result = search.package_search(context, {"q": "", "rows": limit, "start": offset,
                                             "include_private": context.is_sysadmin})
    return result["results"]


def package_show(context: Context, data_dict: dict) -> dict:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    :type id: string
    :rtype: dictionary
    """
    ref = data_dict.get("id") or data_dict.get("name_or_id")
    if not ref:
        raise ValidationError({"name_or_id": ["Missing value"]})
    return index.dictize(context.store, [index.find_doc(context.store, str(ref))], context.site_url)[0]


def resource_show(context: Context, data_dict: dict) -> dict:
    """Return the metadata of a resource.

    :param id: the id of the resource
    :type id: string
    :rtype: dictionary
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    doc, _ = index.find_resource(context.store, str(data_dict["id"]))
    pkg = index.dictize(context.store, [doc], context.site_url)[0]
    return next(r for r in pkg["resources"] if r["id"] == data_dict["id"])


def resource_view_list(context: Context, data_dict: dict) -> list[dict]:
    """Return the views of a resource, as CKAN's ``resource_view_list``.

    Views here are derived, not configured: a table view (CKAN's ``datatables_view``) for every DataStore
    resource, which the dataset page shows as its preview, and a map view (ckanext-geoview's ``geo_view``) for
    GeoJSON resources. Their ids are stable (UUID 5 of the resource id and the view type).

    :param id: the id of the resource
    :type id: string
    :rtype: list of dictionaries
    """
    resource = resource_show(context, data_dict)
    pkg_id = index.find_resource(context.store, resource["id"])[0]["id"]
    kinds = []
    if resource.get("datastore_active"):
        kinds.append(("datatables_view", "Table"))
    if (resource.get("format") or "").lower() == "geojson":
        kinds.append(("geo_view", "Map"))
    return [{"description": "", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{resource['id']}/{view_type}")),
             "package_id": pkg_id, "resource_id": resource["id"], "title": title, "view_type": view_type}
            for view_type, title in kinds]


def package_search(context: Context, data_dict: dict) -> dict:
    """Search for datasets with Solr syntax; returns ``{count, facets, results, sort, search_facets}``.

    A ``q`` without a colon is a simple search: words and "phrases" (``+word`` required, ``-word`` excluded).
    A ``q`` with a colon uses the Lucene syntax: ``field:value``, ``AND``/``OR``/``NOT``, ranges, wildcards.
    Japanese terms match substrings of any length (``人口`` finds ``東京都の人口統計``).

    :param q: the search query (default ``*:*``)
    :type q: string
    :param fq: a filter query, e.g. ``organization:t131083 tags:人口``
    :type fq: string
    :param fq_list: further filter queries, all of which must match
    :type fq_list: list of strings
    :param sort: e.g. ``name asc``, ``metadata_modified desc``, ``id asc`` (default
        ``score desc, metadata_modified desc``)
    :type sort: string
    :param rows: the number of results to return (default 10, at most 1000)
    :type rows: int
    :param start: the offset of the first result to return
    :type start: int
    :param facet.field: the fields to facet on, a JSON list such as ``["organization", "tags"]``
    :type facet.field: list of strings
    :param facet.limit: the maximum number of values per facet (default 50; negative for all)
    :type facet.limit: int
    :param facet.mincount: the minimum count a facet value needs to be returned (default 1)
    :type facet.mincount: int
    :param fl: the fields to return instead of full dataset dicts, e.g. ``id,name,metadata_modified``
    :type fl: string or list of strings
    :param include_private: also return private datasets the user may see (default false)
    :type include_private: bool
    :param include_drafts: also return draft datasets the user may see (default false)
    :type include_drafts: bool
    :rtype: dictionary
    """
    return search.package_search(context, data_dict)


def organization_list(context: Context, data_dict: dict) -> list:
    """Return the names (or, with ``all_fields``, the dicts) of the site's organizations.

    :param sort: ``name``, ``title`` or ``package_count``, optionally followed by ``asc``/``desc`` (default ``title asc``)
    :type sort: string
    :param limit: the maximum number of organizations returned (default 1000, or 25 with ``all_fields``)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start from
    :type offset: int
    :param organizations: a list of names to return only
    :type organizations: list of strings
    :param q: a text to look for in names, titles and descriptions
    :type q: string
    :param all_fields: return dicts instead of names (default false)
    :type all_fields: bool
    :rtype: list of strings or dictionaries
    """
    return _group_list(context, data_dict, True)


def group_list(context: Context, data_dict: dict) -> list:
    """Return the names (or, with ``all_fields``, the dicts) of the site's groups (Tokyo catalog categories).

    :param sort: ``name``, ``title`` or ``package_count``, optionally followed by ``asc``/``desc`` (default ``title asc``)
    :type sort: string
    :param limit: the maximum number of groups returned (default 1000, or 25 with ``all_fields``)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start from
    :type offset: int
    :param groups: a list of names to return only
    :type groups: list of strings
    :param q: a text to look for in names, titles and descriptions
    :type q: string
    :param all_fields: return dicts instead of names (default false)
    :type all_fields: bool
    :rtype: list of strings or dictionaries
    """
    return _group_list(context, data_dict, False)


def organization_show(context: Context, data_dict: dict) -> dict:
    """Return the details of an organization.

    :param id: the id or name of the organization
    :type id: string
    :param include_datasets: include a list of the organization's datasets (default false)
    :type include_datasets: bool
    :param include_users: include the organization's members (default true; members and sysadmins only)
    :type include_users: bool
    :rtype: dictionary
    """
    return _group_show(context, data_dict, True)


def group_show(context: Context, data_dict: dict) -> dict:
    """Return the details of a group.

    :param id: the id or name of the group
    :type id: string
    :param include_datasets: include a list of the group's datasets (default false)
    :type include_datasets: bool
    :param include_users: include the group's members (default true; members and sysadmins only)
    :type include_users: bool
    :rtype: dictionary
    """
    return _group_show(context, data_dict, False)


def organization_list_for_user(context: Context, data_dict: dict) -> list[dict]:
    """Return the organizations the user has a given permission in (all of them for a sysadmin).

    :param id: the name or id of the user (default: the caller)
    :type id: string
    :param permission: ``manage_group`` (admin; the default), ``create_dataset``/``update_dataset``/``delete_dataset``
        (editor) or ``read`` (member)
    :type permission: string
    :param include_dataset_count: include ``package_count`` (default false)
    :type include_dataset_count: bool
    :rtype: list of dictionaries, each with the user's ``capacity``
    """
    user = users.get_user(context.store, data_dict["id"]) if data_dict.get("id") else context.user
    if user is None:
        return []
    least = {"manage_group": "admin", "read": "member"}.get(data_dict.get("permission") or "manage_group", "editor")
    held = users.groups_of(context.store, user, least)
    rows = context.store.query("SELECT * FROM grp WHERE is_organization = 1 AND state = 'active' ORDER BY name")
    counts = groups.package_counts(context) if flag(data_dict, "include_dataset_count", False) else {}
    return [{**groups.list_dict(r, counts.get(r["id"], 0)), "capacity": held.get(r["id"], "admin")}
            for r in rows if user["sysadmin"] or r["id"] in held]


def tag_list(context: Context, data_dict: dict) -> list:
    """Return the names of the tags of public datasets, sorted.

    :param query: only tags containing this text (also ``q``)
    :type query: string
    :param all_fields: return dicts ``{id, name, vocabulary_id}`` instead of names (default false)
    :type all_fields: bool
    :rtype: list of strings or dictionaries
    """
    text = data_dict.get("query") or data_dict.get("q") or ""
    rows = context.store.query(
        "SELECT t.id, t.name FROM tag t WHERE t.name LIKE ? AND EXISTS (SELECT 1 FROM pkg_tag pt JOIN pkg p "
        "ON p.rowid = pt.pkg WHERE pt.tag = t.name AND p.state = 'active' AND p.private = 0) ORDER BY t.name",
        (f"%{text}%",))
    if flag(data_dict, "all_fields", False):
        return [{"id": r["id"], "name": r["name"], "vocabulary_id": None} for r in rows]
    return [r["name"] for r in rows]


def license_list(context: Context, data_dict: dict) -> list[dict]:
    """Return the licences datasets can have (CKAN's defaults, CC BY 4.0 and 公共データ利用規約 PDL 1.0).

    :rtype: list of dictionaries
    """
    return [dict(lic) for lic in licenses.LICENSES]


def status_show(context: Context, data_dict: dict) -> dict:
    """Return the site's name, URL, default locale, extensions and the CKAN API version it implements.

    :rtype: dictionary
    """
    return {"site_title": SITE_TITLE, "site_description": "", "site_url": context.site_url, "error_emails_to": "",
            "locale_default": "ja", "extensions": ["datastore", "dcat", "tokyo_opendata"],
            "ckan_version": CKAN_VERSION}


def help_show(context: Context, data_dict: dict) -> str:
    """Return the documentation of an action.

    :param name: the name of the action, e.g. ``package_search``
    :type name: string
    :rtype: string
    """
    from catalog.actions import registered

    try:
        return registered(str(data_dict.get("name"))).function.__doc__ or ""
    except KeyError:
        raise NotFound("Action function not found") from None


def _group_list(context: Context, data_dict: dict, is_org: bool) -> list:
    all_fields = flag(data_dict, "all_fields", False)
    limit, offset = limit_offset(data_dict, 25 if all_fields else 1000)
    names = data_dict.get("organizations" if is_org else "groups")
    return groups.list_groups(context, is_org=is_org, sort=str(data_dict.get("sort") or "title"),
                              q=data_dict.get("q"), names=names, all_fields=all_fields,
                              limit=min(limit, 1000), offset=offset)


def _group_show(context: Context, data_dict: dict, is_org: bool) -> dict:
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    row = groups.get_row(context.store, str(data_dict["id"]), is_org)
    out = groups.list_dict(row, groups.package_counts(context, row["id"]).get(row["id"], 0))
    if flag(data_dict, "include_datasets", False):
        field = "owner_org" if is_org else "groups"
        found = search.package_search(context, {"fq": f'{field}:"{row["id"] if is_org else row["name"]}"',
                                                "rows": 1000, "sort": "metadata_modified desc",
                                                "include_private": True})
        drop = ("extras", "groups", "resources", "tags")
        out["packages"] = [{k: v for k, v in sorted(p.items()) if k not in drop} for p in found["results"]]
    if flag(data_dict, "include_users", True) and visibility.can_see_members(context, row["id"]):
        out["users"] = groups.members(context.store, row["id"])
    out.update(extras=groups.extras(row) if flag(data_dict, "include_extras", True) else [], tags=[], groups=[])
    return out
