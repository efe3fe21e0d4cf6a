"""Update actions: ``*_update`` REPLACES the object with what is sent (omitted fields are cleared), except that
``package_update`` keeps the existing resources when ``resources`` is not sent (CKAN's default since #8407,
after years of accidental data loss). Use ``*_patch`` to change only some fields."""
from __future__ import annotations

from catalog.store import activities, files, groups, packages, resources, timestamps
from catalog.search import index
from catalog.actions import get_action
from catalog.context import Context
from catalog.errors import ValidationError


def package_update(context: Context, data_dict: dict) -> dict:
    """Replace a dataset's metadata and return it as ``package_show`` does.

    Fields you leave out are cleared (tags, extras, groups, license, ...); ``name``, ``owner_org`` and ``state``
    keep their values when left out, and so do the resources when ``resources`` is absent.
    Takes the same parameters as ``package_create``, plus:

    :param id: the id or name of the dataset
    :type id: string
    :rtype: dictionary
    """
    ref = data_dict.get("id") or data_dict.get("name")
    if not ref:
        raise ValidationError({"id": ["Missing value"]})
    store = context.store
    with store.transaction():
        old = index.find_doc(store, str(ref))
        data = {"name": old["name"], "owner_org": old["owner_org"], "state": old["state"], **data_dict}
        doc = packages.clean(store, data, old=old)
        doc.update(id=old["id"], creator_user_id=old.get("creator_user_id"),
                   metadata_created=old["metadata_created"], metadata_modified=timestamps.now())
        doc["resources"] = (packages.clean_resources(data_dict["resources"], old["id"], old["resources"])
                            if "resources" in data_dict else old["resources"])
        index.write(store, doc)
        activities.record_package(store, context.user, "changed package", doc)
    return get_action("package_show")(context.internal(), {"id": doc["id"]})


def package_resource_reorder(context: Context, data_dict: dict) -> dict:
    """Reorder a dataset's resources: those in ``order`` first, as listed; the others after, as they were.

    :param id: the id or name of the dataset
    :type id: string
    :param order: resource ids
    :type order: list of strings
    :rtype: dictionary ``{id, order}`` with the new order
    """
    order = data_dict.get("order")
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    if not isinstance(order, list) or not all(isinstance(r, str) for r in order):
        raise ValidationError({"order": ["Invalid value: order must be a list of resource ids"]})
    with context.store.transaction():
        doc = index.find_doc(context.store, str(data_dict["id"]))
        by_id = {r["id"]: r for r in doc["resources"]}
        if len(set(order)) != len(order) or any(r not in by_id for r in order):
            raise ValidationError({"order": ["Invalid resource ids or duplicates in order"]})
        ordered = [by_id[r] for r in order] + [r for r in doc["resources"] if r["id"] not in set(order)]
        doc["resources"] = [{**r, "position": i} for i, r in enumerate(ordered)]
        doc["metadata_modified"] = timestamps.now()
        index.write(context.store, doc)
        activities.record_package(context.store, context.user, "changed package", doc)
    return {"id": doc["id"], "order": [r["id"] for r in doc["resources"]]}


def resource_update(context: Context, data_dict: dict) -> dict:
    """Replace a resource's metadata (and its file, when ``upload`` is sent).

    Without a new ``upload`` and without a different ``url``, an uploaded resource keeps its file.

    :param id: the id of the resource
    :type id: string
    :param upload: a new file (multipart form field)
    :type upload: file
    :param url, name, description, format, mimetype, hash, resource_type: as for ``resource_create``
    :type url: string
    :rtype: dictionary
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    store = context.store
    doc, old = index.find_resource(store, str(data_dict["id"]))
    upload = files.Upload.from_value(data_dict.pop("upload", None))
    data_dict.pop("package_id", None)
    res = resources.clean(data_dict, package_id=doc["id"], position=old["position"], old=old)
    res = resources.attach_upload(res, upload, store.files_dir) if upload \
        else resources.guess_missing(res)
    doc["resources"] = [res if r["id"] == res["id"] else r for r in doc["resources"]]
    doc["metadata_modified"] = timestamps.now()
    with store.transaction():
        index.write(store, doc)
        activities.record_package(store, context.user, "changed package", doc)
    return get_action("resource_show")(context.internal(), {"id": res["id"]})


def organization_update(context: Context, data_dict: dict) -> dict:
    """Replace an organization's metadata (title, description, image_url, extras). Organization admins only.

    :param id: the id or name of the organization
    :type id: string
    :param name: a new URL name (default: unchanged)
    :type name: string
    :param title, description, image_url: strings (cleared when left out)
    :type title: string
    :param extras: ``[{"key": ..., "value": ...}]`` (cleared when left out)
    :type extras: list of dictionaries
    :rtype: dictionary
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    store = context.store
    row = groups.get_row(store, str(data_dict["id"]), is_org=True)
    with store.transaction():
        fields = groups.validate({"name": row["name"], **data_dict}, row, store)
        groups.save(store, fields, True, row)
        activities.record_group(store, context.user, "changed organization", row["id"])
        index.reindex_group(store, row["id"])  # packages' search text holds the organization's name and title
    return get_action("organization_show")(context.internal(), {"id": row["id"]})

