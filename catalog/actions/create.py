"""Create actions. Each returns what CKAN returns: the full dict of the new object."""
from __future__ import annotations

import uuid

from catalog.store import activities, files, groups, packages, resources, timestamps, users
from catalog.search import index
from catalog.actions import get_action
from catalog.context import Context
from catalog.errors import ValidationError


def package_create(context: Context, data_dict: dict) -> dict:
    """Create a dataset (package) and return it as ``package_show`` does.

    You must be an editor or admin of the owning organization (or a sysadmin).

    :param name: the URL name: 2-100 lowercase ASCII letters, digits, ``-`` and ``_``
    :type name: string
    :param owner_org: the id or name of the owning organization
    :type owner_org: string
    :param title: the title (default: the name)
    :type title: string
    :param notes: a description
    :type notes: string
    :param private: internal (庁内限定) datasets are visible only to the organization's members (default false)
    :type private: bool
    :param license_id: a licence id from ``license_list``, e.g. ``CC-BY-4.0``
    :type license_id: string
    :param author, author_email, maintainer, maintainer_email, url, version: optional strings
    :type author: string
    :param state: ``active`` (default) or ``draft``
    :type state: string
    :param tags: ``[{"name": "人口"}]``
    :type tags: list of dictionaries
    :param extras: ``[{"key": "...", "value": "..."}]`` (values are stored as strings)
    :type extras: list of dictionaries
    :param groups: ``[{"name": "c001"}]`` (existing groups)
    :type groups: list of dictionaries
    :param resources: resource dicts (see ``resource_create``)
    :type resources: list of dictionaries
    :rtype: dictionary
    """
    store = context.store
    with store.transaction():
        doc = packages.clean(store, data_dict)
        given_id = data_dict.get("id") if context.is_sysadmin or context.ignore_auth else None
        if given_id and store.one("SELECT 1 FROM pkg WHERE id = ?", (given_id,)):
            raise ValidationError({"id": ["Dataset id already exists"]})
        now = timestamps.now()
        doc.update(id=given_id or str(uuid.uuid4()), creator_user_id=(context.user or {}).get("id"),
                   metadata_created=now, metadata_modified=now)
        doc["resources"] = packages.clean_resources(data_dict.get("resources") or [], doc["id"], [])
        index.write(store, doc)
        activities.record_package(store, context.user, "new package", doc)
    return get_action("package_show")(context.internal(), {"id": doc["id"]})


def resource_create(context: Context, data_dict: dict) -> dict:
    """Add a resource to a dataset: a link (``url``) or an uploaded file (``upload``).

    An upload is stored by the catalog and served at
    ``{site_url}/dataset/{package_id}/resource/{id}/download/{filename}`` (``url_type`` ``upload``);
    uploaded CSV and Parquet files are queryable with ``datastore_search``.

    :param package_id: the id or name of the dataset
    :type package_id: string
    :param url: the URL of a linked resource
    :type url: string
    :param upload: the file (multipart form field)
    :type upload: file
    :param name, description, format, mimetype, hash, resource_type: optional strings
    :type name: string
    :rtype: dictionary
    """
    if not data_dict.get("package_id"):
        raise ValidationError({"package_id": ["Missing value"]})
    store = context.store
    doc = index.find_doc(store, str(data_dict.pop("package_id")))
    upload = files.Upload.from_value(data_dict.pop("upload", None))
    res = resources.clean(data_dict, package_id=doc["id"], position=len(doc["resources"]))
    res = resources.attach_upload(res, upload, store.files_dir) if upload \
        else resources.guess_missing(res)
    doc["resources"].append(res)
    doc["metadata_modified"] = timestamps.now()
    with store.transaction():
        index.write(store, doc)
        activities.record_package(store, context.user, "changed package", doc)
    return get_action("resource_show")(context.internal(), {"id": res["id"]})


def organization_create(context: Context, data_dict: dict) -> dict:
    """Create an organization (a publisher); the creator becomes its admin. Sysadmins only.

    :param name: the URL name (e.g. the publisher id ``t131083``)
    :type name: string
    :param title: the display name (e.g. ``江東区``)
    :type title: string
    :param description: a description
    :type description: string
    :param image_url: a logo URL
    :type image_url: string
    :param extras: ``[{"key": "code", "value": "131083"}]``
    :type extras: list of dictionaries
    :rtype: dictionary
    """
    return _create_group(context, data_dict, is_org=True)


def group_create(context: Context, data_dict: dict) -> dict:
    """Create a group (a catalog category such as ``c001``). Sysadmins only.

    :param name: the URL name
    :type name: string
    :param title: the display name
    :type title: string
    :param description: a description
    :type description: string
    :param extras: ``[{"key": ..., "value": ...}]``
    :type extras: list of dictionaries
    :rtype: dictionary
    """
    return _create_group(context, data_dict, is_org=False)


def organization_member_create(context: Context, data_dict: dict) -> dict:
    """Make a user a member of an organization, or change their role. Organization admins and sysadmins only.

    :param id: the id or name of the organization
    :type id: string
    :param username: the name or id of the user
    :type username: string
    :param role: ``admin``, ``editor`` or ``member``
    :type role: string
    :rtype: dictionary
    """
    missing = {k: ["Missing value"] for k in ("id", "username", "role") if not data_dict.get(k)}
    if missing:
        raise ValidationError(missing)
    org = groups.get_row(context.store, str(data_dict["id"]), is_org=True)
    user = users.get_user(context.store, str(data_dict["username"]))
    users.add_member(context.store, org["id"], user["id"], str(data_dict["role"]))
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"member:{org['id']}:{user['id']}")), "table_name": "user",
            "table_id": user["id"], "capacity": data_dict["role"], "group_id": org["id"], "state": "active"}


def api_token_create(context: Context, data_dict: dict) -> dict:
    """Create an API token for a user (yourself, or anyone if you are a sysadmin). It is shown only once.

    :param user: the name or id of the user
    :type user: string
    :param name: a name for the token
    :type name: string
    :rtype: dictionary ``{"token": "..."}``
    """
    missing = {k: ["Missing value"] for k in ("user", "name") if not data_dict.get(k)}
    if missing:
        raise ValidationError(missing)
    user = users.get_user(context.store, str(data_dict["user"]))
    return {"token": users.new_token(context.store, user, str(data_dict["name"]))}


def _create_group(context: Context, data_dict: dict, is_org: bool) -> dict:
    store = context.store
    with store.transaction():
        fields = groups.validate(data_dict, None, store)
        gid = groups.save(store, fields, is_org, None)
        if context.user:
            users.add_member(store, gid, context.user["id"], "admin")
        activities.record_group(store, context.user, "new organization" if is_org else "new group", gid)
    show = "organization_show" if is_org else "group_show"
    return get_action(show)(context.internal(), {"id": gid})
