"""Delete actions. Datasets are soft-deleted (``state: deleted``), as in CKAN; all return ``None``."""
from __future__ import annotations

import shutil

from catalog.store import activities, files, timestamps, users
from catalog.search import index
from catalog.context import Context
from catalog.errors import NotFound, ValidationError


def package_delete(context: Context, data_dict: dict) -> None:
    """Delete a dataset: it disappears from lists and searches; sysadmins can still ``package_show`` it.

    :param id: the id or name of the dataset
    :type id: string
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    with context.store.transaction():
        doc = index.find_doc(context.store, str(data_dict["id"]))
        doc.update(state="deleted", metadata_modified=timestamps.now())
        index.write(context.store, doc)
        activities.record_package(context.store, context.user, "deleted package", doc)
    return None


def dataset_purge(context: Context, data_dict: dict) -> None:
    """Remove a dataset completely: its record, its search rows and its uploaded files (sysadmins only).

    :param id: the id or name of the dataset
    :type id: string
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    doc = index.find_doc(context.store, str(data_dict["id"]))
    index.purge(context.store, doc)
    activities.forget_package(context.store, doc["id"])
    for res in doc["resources"]:
        shutil.rmtree(files.resource_dir(context.store.files_dir, res["id"]), ignore_errors=True)
    return None


def resource_delete(context: Context, data_dict: dict) -> None:
    """Remove a resource from its dataset (and its uploaded file).

    :param id: the id of the resource
    :type id: string
    """
    if not data_dict.get("id"):
        raise ValidationError({"id": ["Missing value"]})
    doc, res = index.find_resource(context.store, str(data_dict["id"]))
    remaining = [r for r in doc["resources"] if r["id"] != res["id"]]
    doc["resources"] = [{**r, "position": i} for i, r in enumerate(remaining)]
    doc["metadata_modified"] = timestamps.now()
    with context.store.transaction():
        index.write(context.store, doc)
        activities.record_package(context.store, context.user, "changed package", doc)
    shutil.rmtree(files.resource_dir(context.store.files_dir, res["id"]), ignore_errors=True)
    return None


def api_token_revoke(context: Context, data_dict: dict) -> None:
    """Revoke an API token.

    :param token: the token itself
    :type token: string
    :param jti: or the token's id
    :type jti: string
    """
    if not data_dict.get("token") and not data_dict.get("jti"):
        raise ValidationError({"token": ["Missing value"]})
    if not users.revoke_token(context.store, data_dict.get("token"), data_dict.get("jti")):
        raise NotFound("Token not found")
    return None
