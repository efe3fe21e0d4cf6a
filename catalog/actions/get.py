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
    if data_dict.get("vocabulary_id"):  # no tag vocabularies here: every name is unknown (as CKAN answers)
        raise NotFound(f"could not find vocabulary '{data_dict['vocabulary_id']}'")
    text = data_dict.get("query") or data_dict.get("q") or ""
    rows = context.store.query(
        "SELECT t.id, t.name FROM tag t WHERE t.name LIKE ? AND EXISTS (SELECT 1 FROM pkg_tag pt JOIN pkg p "
        "ON p.rowid = pt.pkg WHERE pt.tag = t.name AND p.state = 'active' AND p.private = 0) ORDER BY t.name",
        (f"%{text}%",))
    if flag(data_dict, "all_fields", False):
        return [{"id": r["id"], "name": r["name"], "vocabulary_id": None} for r in rows]
    return [r["name"] for r in rows]


def user_list(context: Context, data_dict: dict) -> list:
    """Return the site's active users (e-mail addresses only to sysadmins).

    :param q: only users whose name, full name or e-mail contains this
    :type q: string
    :param order_by: ``name`` (default), ``fullname``, ``created``, ``last_active`` or ``sysadmin``
    :type order_by: string
    :param all_fields: user dicts (default true) or only names
    :type all_fields: bool
    :rtype: list of dictionaries or strings
    """
    found = users.list_users(context.store, str(data_dict.get("q") or ""), str(data_dict.get("order_by") or "name"))
    if not flag(data_dict, "all_fields", True):
        return [u["name"] for u in found]
    counts = _created_counts(context)
    return [users.user_dict(u, counts.get(u["id"], 0), email=context.is_sysadmin) for u in found]


def user_show(context: Context, data_dict: dict) -> dict:
    """Return a user; the e-mail address only to the user and to sysadmins.

    :param id: the id or name of the user
    :type id: string
    :rtype: dictionary
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    user = users.get_user(context.store, str(data_dict["id"]))
    own = context.user is not None and context.user["id"] == user["id"]
    count = _created_counts(context).get(user["id"], 0)
    return users.user_dict(user, count, email=own or context.is_sysadmin)


def _created_counts(context: Context) -> dict[str, int]:
    rows = context.store.query("SELECT creator_user_id, count(*) AS n FROM pkg WHERE state = 'active' "
                               "AND private = 0 GROUP BY creator_user_id")
    return {r["creator_user_id"]: r["n"] for r in rows}


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


def api_token_list(context: Context, data_dict: dict) -> list[dict]:
    """Return a user's API tokens (their ids, names and dates; never the tokens themselves).

    :param user_id: the name or id of the user (``user`` is accepted too, as older CKAN versions named it)
    :type user_id: string
    :rtype: list of dictionaries
    """
    ref = data_dict.get("user_id") or data_dict.get("user")
    if not ref:
        raise ValidationError({"user_id": ["Missing value"]})
    return users.list_tokens(context.store, users.get_user(context.store, str(ref)))


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


def package_autocomplete(context: Context, data_dict: dict) -> list[dict]:
    """Datasets whose title or name contains ``q``, for a search box, as CKAN's ``package_autocomplete``.

    :param q: the text typed so far
    :type q: string
    :param limit: at most this many (default 10)
    :type limit: int
    :rtype: list of ``{name, title, match_field, match_displayed}``
    """
    q = str(data_dict.get("q") or "").strip()
    limit, _ = limit_offset(data_dict, 10)
    if not q:
        return []
    quoted = '"' + q.replace("\\", "\\\\").replace('"', '\\"') + '"'
    found = search.package_search(context, {"q": f"title_ngram:{quoted} OR name_ngram:{quoted}",
                                            "rows": min(limit or 10, 100)})
    out = []
    for package in found["results"]:
        by_name = q in package["name"]
        out.append({"name": package["name"], "title": package["title"], "match_field": "name" if by_name else "title",
                    "match_displayed": package["name"] if by_name else f"{package['title']} ({package['name']})"})
    return out


def tag_autocomplete(context: Context, data_dict: dict) -> list[str]:
    """Tags of visible datasets that contain ``q``, as CKAN's ``tag_autocomplete``.

    :param q: the text typed so far (also ``query``)
    :type q: string
    :param limit: at most this many (default 10)
    :type limit: int
    :rtype: list of strings
    """
    q = str(data_dict.get("q") or data_dict.get("query") or "").strip()
    limit, _ = limit_offset(data_dict, 10)
    if not q:
        return []
    return tag_list(context, {"query": q, **({"vocabulary_id": data_dict["vocabulary_id"]}
                                             if data_dict.get("vocabulary_id") else {})})[:min(limit or 10, 100)]


def format_autocomplete(context: Context, data_dict: dict) -> list[str]:
    """Resource formats containing ``q``, most used first, lower-cased, as CKAN's ``format_autocomplete``.

    :param q: the text typed so far
    :type q: string
    :param limit: at most this many (default 5)
    :type limit: int
    :rtype: list of strings
    """
    q = str(data_dict.get("q") or "").strip()
    limit, _ = limit_offset(data_dict, 5)
    if not q:
        return []
    where, params = visibility.clause(context, include_private=False)
    rows = context.store.query(
        f"SELECT lower(f.format) AS format, count(*) AS n FROM pkg_format f JOIN pkg p ON p.rowid = f.pkg "
        f"WHERE f.format LIKE ? AND {where} GROUP BY lower(f.format) ORDER BY n DESC, format LIMIT ?",
        [f"%{q}%", *params, min(limit or 5, 100)])
    return [r["format"] for r in rows]


def organization_autocomplete(context: Context, data_dict: dict) -> list[dict]:
    """Organizations whose name or title contains ``q``: ``[{id, name, title}]`` (CKAN's shape).

    :param q: the text typed so far
    :type q: string
    :param limit: at most this many (default 20)
    :type limit: int
    """
    return _group_autocomplete(context, data_dict, True)


def group_autocomplete(context: Context, data_dict: dict) -> list[dict]:
    """Groups (categories) whose name or title contains ``q``: ``[{id, name, title}]`` (CKAN's shape).

    :param q: the text typed so far
    :type q: string
    :param limit: at most this many (default 20)
    :type limit: int
    """
    return _group_autocomplete(context, data_dict, False)


def _group_autocomplete(context: Context, data_dict: dict, is_org: bool) -> list[dict]:
    q = str(data_dict.get("q") or "").strip()
    limit, _ = limit_offset(data_dict, 20)
    if not q:
        return []
    rows = context.store.query("SELECT id, name, title FROM grp WHERE is_organization = ?1 AND state = 'active' "
                               "AND (name LIKE ?2 OR title LIKE ?2) ORDER BY title LIMIT ?3",
                               (int(is_org), f"%{q}%", min(limit or 20, 100)))
    return [{"id": r["id"], "name": r["name"], "title": r["title"]} for r in rows]
