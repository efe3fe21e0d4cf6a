"""The DataStore: published tables queried through CKAN's ``datastore_*`` actions.

Inside: ``db`` (the in-memory DuckDB engine the Parquet files are loaded into), ``text`` (the trigram signatures
behind ``q``), ``query`` (``datastore_search`` parameters → SQL or Arrow pages), ``sql`` (the
``datastore_search_sql`` sandbox, checked with sqlglot), ``results`` (rows in CKAN's record formats and links),
``files`` (which file backs a resource), ``limits`` (page sizes, time and memory limits).
"""
from catalog.datastore import files, limits, query, results, sql
from catalog.datastore.db import (INTERNAL_PREFIX, SCHEMA, Engine, QueryTimeout, ResultTooLarge, Table, engine,
                                  native_type, pg_type, quote, table_ref)

__all__ = ["INTERNAL_PREFIX", "SCHEMA", "Engine", "QueryTimeout", "ResultTooLarge", "Table", "engine", "files", "limits",
           "native_type", "pg_type", "query", "quote", "results", "sql", "table_ref"]
