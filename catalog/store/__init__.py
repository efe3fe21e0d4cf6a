"""The catalog store: one SQLite file (WAL) and the entities it holds.

``Store`` / ``open_store`` are the database (``db``); each entity has its module, exported here as a namespace:
``packages`` (package dicts and their validation), ``resources``, ``groups`` (organizations and groups),
``users`` (users, memberships, API tokens), ``licenses``, ``visibility`` (who may read what), ``timestamps``,
``formats`` (download artifacts), ``files`` (uploads on disk) and ``params`` (request values read as CKAN does), ``activities`` (activity streams).
"""
from catalog.store import (activities, files, formats, groups, licenses, packages, params, resources, timestamps, users,
                           visibility)
from catalog.store.db import SCHEMA_VERSION, Store, close_store, dumps, mark_changed, open_store

__all__ = ["SCHEMA_VERSION", "Store", "activities", "close_store", "dumps", "files", "formats", "groups", "licenses",
           "mark_changed", "open_store",
           "packages", "params", "resources", "timestamps", "users", "visibility"]
