"""Auth for the DataStore actions: whoever may read the resource may query its table (resource_show's rule).

``datastore_search_sql`` names its tables inside the SQL, so its auth function lets every caller through and
the action checks each table it reads with ``resource_show`` under the caller's context (as CKAN's
``datastore_search_sql`` checks ``table_names`` after parsing).
"""
from __future__ import annotations

from catalog import auth as _auth
from catalog.auth import get as _get
from catalog.context import Context


def _resource(data_dict: dict) -> dict:
    return {"id": data_dict.get("resource_id") or data_dict.get("id")}


def datastore_search(context: Context, data_dict: dict) -> dict:
    return _get.resource_show(context, _resource(data_dict))


def datastore_info(context: Context, data_dict: dict) -> dict:
    return _get.resource_show(context, _resource(data_dict))


def datastore_search_sql(context: Context, data_dict: dict) -> dict:
    return _auth.ok()


def datastore_create(context: Context, data_dict: dict) -> dict:
    """Editors of the owning organization (of the resource, or of the package a new ``resource`` joins)."""
    if isinstance(data_dict.get("resource"), dict) and not data_dict.get("resource_id"):
        doc = _auth.stored_package(context, data_dict["resource"].get("package_id"))
    else:
        doc = _auth.package_of_resource(context, data_dict.get("resource_id") or data_dict.get("id"))
    return _auth.only(_auth.can_edit_package(context, doc),
                      f"User {context.user_name} not authorized to update resource")


datastore_upsert = datastore_delete = datastore_records_delete = datastore_create
