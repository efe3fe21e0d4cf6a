"""DataStore actions: ``datastore_search``, ``datastore_info``, ``datastore_search_sql`` over published files, and
CKAN's write API (``datastore_create``, ``datastore_upsert``, ``datastore_delete``) over tables it owns.

A resource is queryable when the core marks it ``datastore_active`` (an uploaded CSV or Parquet). Its table:
- a Parquet upload is used as it is;
- a CSV upload is served from a Parquet resource of the same package whose columns are exactly the CSV's
  header (the pipeline writes both from one standardized table, and the Parquet keeps the types);
  otherwise it is converted once to ``<home>/catalog/datastore/<resource_id>.parquet``, all columns text.
Visibility is the core's: every resource is looked up with ``resource_show`` under the caller's context, so
a private (庁内限定) dataset's tables do not exist for callers without a role in its organization.

Only actions are public here: the registry turns every public function of this module into an action.
"""
from __future__ import annotations

import hashlib

from pathlib import Path

import duckdb

from catalog import datastore as _ds
from catalog.datastore import files as _files
from catalog.datastore import query as _dq
from catalog.datastore import results as _dr
from catalog.datastore import sql as _dsql
from catalog.datastore import write as _write
from catalog.context import Context
from catalog.errors import NotAuthorized, NotFound, ValidationError


def datastore_search(context: Context, data_dict: dict) -> dict:
    """Search a DataStore table, as CKAN's ``datastore_search``.

    :param resource_id: the resource id (alias: ``id``)
    :param q: a string: every word must occur in the row (substring match over all text, so Japanese such
        as ``千代田区`` works); or ``{"column": "words"}`` to search single columns. Adds ``rank``.
    :param filters: ``{"column": value}``; a list value matches any of its items
    :param fields: columns to return (list or comma-separated string)
    :param sort: ``"column desc, other"`` (``nulls first|last`` allowed); default ``_id`` (``rank`` with ``q``)
    :param limit: rows per page, default 100, at most 32000 · :param offset: rows to skip
    :param distinct: distinct rows only · :param include_total: count all matching rows (default true)
    :param records_format: ``objects`` (default), ``lists``, ``csv`` or ``tsv``
    :returns: the parameters echoed, ``records``, ``fields`` (PostgreSQL type names), ``_links``, ``total``
    """
    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    if not resource_id:
        raise ValidationError({"resource_id": ["Missing value"]})
    table = _table(context, str(resource_id), f'Resource "{resource_id}" was not found.')
    search = _dq.parse(data_dict, table)
    matches = table.index.match(search.terms) if search.terms else None
    direct = _dq.direct_page(search, matches)
    if direct is not None:
        columns, rows = _dq.take(search, *direct)
    else:
        register = {"_q": matches} if matches is not None else None
        late = _dq.id_page_sql(search)
        if late is not None:
            columns, rows = _dq.take_ids(search, *_run(*late, register=register, slow="Search took too long"))
        else:
            columns, rows = _run(*_dq.page_sql(search), register=register, slow="Search took too long")
    result = _search_result(search, columns, rows)
    result["_links"] = _dr.links(data_dict, search.limit, search.offset)
    if search.include_total:
        result["total"] = _total(search, matches)
        result["total_was_estimated"] = False
    return result


def datastore_info(context: Context, data_dict: dict) -> dict:
    """The columns and size of a DataStore table, as CKAN's ``datastore_info``.

    :param id: the resource id (alias: ``resource_id``)
    :returns: ``{"meta": {"id", "count", "table_type", "size", "db_size", "idx_size", "aliases"},
        "fields": [{"id", "type", "schema": {"native_type", "notnull", "index_name", "is_index", "uniquekey"}}]}``
    """
    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    if not resource_id:
        raise ValidationError({"resource_id": ["Missing value"]})
    table = _table(context, str(resource_id), f'Resource/Alias "{resource_id}" was not found.')
    meta = {"id": table.resource_id, "count": table.rows, "table_type": "BASE TABLE", "size": table.nbytes,
            "db_size": _ds.engine().db_size(), "idx_size": 0, "aliases": _write.aliases_of(context.home,
                                                                                            table.resource_id)}
    schema = _write.schema_of(context.home, table.resource_id)
    keys, indexed = (set(schema.primary_key), set(schema.indexes)) if schema else (set(), set())

    def index_name(name: str) -> str | None:
        return hashlib.sha1(f"{table.resource_id}:{name}".encode()).hexdigest() if name in keys | indexed else None

    fields = [{"id": name, "type": _ds.pg_type(t),
               "schema": {"native_type": _ds.native_type(_ds.pg_type(t)), "notnull": name in keys,
                          "index_name": index_name(name), "is_index": name in keys | indexed,
                          "uniquekey": name in keys}} for name, t in table.columns]
    return {"meta": meta, "fields": fields}


def datastore_search_sql(context: Context, data_dict: dict) -> dict:
    """Run one read-only SQL SELECT over DataStore tables, as CKAN's ``datastore_search_sql``.

    Tables are named by resource id in double quotes: ``SELECT 区名, count(*) FROM "<resource id>" GROUP BY 1``.
    DuckDB SQL; functions are limited to an allowlist, file/network/system access is refused, at most 32000
    rows come back (``records_truncated: true`` when there were more), and a query may run 10 seconds.

    :param sql: a single SQL SELECT statement
    :returns: ``{"sql", "records", "fields"}`` (+ ``records_truncated``)
    """
    sql = data_dict.get("sql")
    checked = _dsql.check(sql, resolve=lambda name: _write.alias_target(context.home, name) or name)
    for resource_id in checked.tables:
        _table(context, resource_id, None)
    wrapped = f"SELECT * FROM ({checked.sql}) AS blah LIMIT {_ds.limits.ROWS_MAX + 1}"
    columns, rows = _run(wrapped, [], register=None, slow="Query took too long",
                         max_bytes=_ds.limits.RESULT_MAX_BYTES)
    result: dict = {"sql": sql}
    if len(rows) > _ds.limits.ROWS_MAX:
        result["records_truncated"] = True
        rows = rows[:_ds.limits.ROWS_MAX]
    names = [name for name, _ in columns]
    result["records"] = _dr.records(_dr.json_rows(rows, [t for _, t in columns]), names, "objects")
    result["fields"] = [{"id": name, "type": _ds.pg_type(t)} for name, t in columns]
    return result


def _table(context: Context, resource_id: str, not_found: str | None) -> _ds.Table:
    """The loaded table of a resource the caller may read; ``not_found`` None = as a SQL relation."""
    from catalog.actions import get_action  # the registry imports this module

    try:
        resource = get_action("resource_show")(context, {"id": resource_id})
    except NotFound:
        target = _write.alias_target(context.home, resource_id)      # an alias of another resource's table
        resource = _table_resource(context, target) if target else None
    except NotAuthorized:
        if not_found is None:
            raise NotAuthorized(f"Not authorized to read resource {resource_id}") from None
        raise
    source = _source(context, resource) if resource and resource.get("datastore_active") else None
    if source is None:
        if not_found is None:
            raise ValidationError({"query": [f'relation "{resource_id}" does not exist']})
        raise NotFound(not_found)
    return _ds.engine().table(resource["id"], source)


def _table_resource(context: Context, resource_id: str) -> dict | None:
    from catalog.actions import get_action

    try:
        return get_action("resource_show")(context, {"id": resource_id})
    except NotFound:
        return None


def _source(context: Context, resource: dict) -> Path | None:
    """The Parquet file to serve for a resource: the write API's table, else the published file (module docstring)."""
    written = _write.table_path(context.home, resource["id"])
    if written.exists():
        return written
    return _published(context, resource)


def _published(context: Context, resource: dict) -> Path | None:
    path = _files.uploaded_file(context.home, resource["id"])
    if path is None:
        return None
    kind = (resource.get("format") or path.suffix.lstrip(".")).upper()
    if kind == "PARQUET" or path.suffix.lower() == ".parquet":
        return path
    if kind != "CSV" and path.suffix.lower() != ".csv":
        return None
    return _sibling_parquet(context, resource, path) or _files.csv_as_parquet(context.home, resource["id"], path)


def _sibling_parquet(context: Context, resource: dict, csv_path: Path) -> Path | None:
    from catalog.actions import get_action

    header = _files.csv_header(csv_path)
    package = get_action("package_show")(context, {"id": resource["package_id"]})
    for other in package.get("resources", []):
        if other["id"] == resource["id"] or (other.get("format") or "").upper() != "PARQUET":
            continue
        path = _files.uploaded_file(context.home, other["id"])
        if path is not None and path.suffix.lower() == ".parquet" and _files.parquet_columns(path) == header:
            return path
    return None


def _run(sql: str, params: list, *, register, slow: str,
         max_bytes: int | None = None) -> tuple[list[tuple[str, str]], list[tuple]]:
    try:
        return _ds.engine().execute(sql, params, register=register, max_bytes=max_bytes)
    except _ds.QueryTimeout:
        raise ValidationError({"query": [slow]}) from None
    except _ds.ResultTooLarge:
        raise ValidationError({"query": [f"Result is larger than {max_bytes} bytes; select fewer rows or "
                                         "columns"]}) from None
    except duckdb.Error as exc:  # a bad filter value, an unknown column in SQL: the caller's query, not us
        raise ValidationError({"query": [str(exc).split("\n\n")[0]]}) from None


def _total(search: _dq.Search, matches) -> int:
    counted = _dq.count_sql(search)
    if counted is not None:
        register = {"_q": matches} if matches is not None else None
        return _run(*counted, register=register, slow="Search took too long")[1][0][0]
    return matches.num_rows if matches is not None else search.table.rows


def _search_result(search: _dq.Search, columns: list[tuple[str, str]], rows: list[tuple]) -> dict:
    """CKAN's key order: the echoed parameters sorted, then records, fields, _links, total."""
    types = {**search.table.types, **{name: "float" for name in search.ranks}}
    fields = [{"id": name, "type": types[name]} for name in search.fields]
    echo = dict(search.echo)
    if "fields" in echo:
        echo["fields"] = fields
    result = {key: echo[key] for key in sorted(echo)}
    values = _dr.json_rows(rows, [t for _, t in columns])
    result["records"] = _dr.records(values, search.fields, search.records_format)
    result.setdefault("fields", fields)
    return result


def datastore_create(context: Context, data_dict: dict) -> dict:
    """Create a DataStore table (or add fields and records to one), as CKAN's ``datastore_create``.

    :param resource_id: the resource the table belongs to; or ``resource``: a resource dict to create first
        (its ``package_id`` required)
    :param force: required to write to a table the pipeline published (read-only otherwise, as xloader tables)
    :param fields: ``[{"id": "名称", "type": "text"}]``; types: text, int, int8, numeric, float, bool, date,
        time, timestamp, json, _text; without fields, text columns from the first record
    :param records: rows to insert, ``[{"名称": "..."}]`` (at most 32000 per call)
    :param primary_key: a field name or a list of them (unique; needed by upsert and update)
    :param indexes: a field name or a list of them (``datastore_info`` reports them as ``is_index``)
    :param aliases: a name or a list of names by which ``datastore_search``, ``datastore_info`` and
        ``datastore_search_sql`` also find the table
    :returns: ``{"resource_id", "fields", "primary_key", "method": "insert", "delete_fields": false}`` (+ the
        ``indexes`` and ``aliases`` given)
    """
    from catalog.actions import get_action

    if isinstance(data_dict.get("resource"), dict) and not data_dict.get("resource_id"):
        resource = get_action("resource_create")(context, {**data_dict["resource"], "url_type": "datastore"})
    else:
        resource = _writable(context, data_dict)
    keys, indexes, aliases = (_names(data_dict, key) for key in ("primary_key", "indexes", "aliases"))
    bad = [f'"{a}" is not a valid alias name' for a in aliases if not _write.ALIAS.match(a) or _is_resource(context, a)]
    if bad:
        raise ValidationError({"aliases": bad})
    schema = _write.create(context.home, resource["id"], data_dict.get("fields") or [],
                           data_dict.get("records") or [], keys, _published(context, resource), indexes, aliases)
    _set_active(context, resource, True)
    extra = {k: data_dict[k] for k in ("indexes", "aliases") if data_dict.get(k)}
    return {"delete_fields": False, "primary_key": list(schema.primary_key), "resource_id": resource["id"],
            "fields": list(schema.fields), "method": "insert", **extra}


def _names(data_dict: dict, key: str) -> list[str]:
    """A field name, a comma-separated string or a list of names, as CKAN's ``primary_key``/``indexes``/``aliases``."""
    value = data_dict.get(key) or []
    value = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({key: [f"{key} must be a name or a list of them"]})
    return value


def _is_resource(context: Context, name: str) -> bool:
    from catalog.actions import get_action

    try:
        get_action("resource_show")(context.internal(), {"id": name})
    except NotFound:
        return False
    return True


def datastore_upsert(context: Context, data_dict: dict) -> dict:
    """Insert, upsert or update records of a DataStore table, as CKAN's ``datastore_upsert``.

    :param resource_id: the resource id (alias: ``id``)
    :param records: ``[{...}]``; upsert and update match rows by the primary key and change only given fields
    :param method: ``upsert`` (default), ``insert`` or ``update``
    :param force: required for tables the pipeline published
    :param dry_run: check everything, change nothing
    :returns: ``{"method", "resource_id", "records"}``
    """
    resource = _writable(context, data_dict)
    method = str(data_dict.get("method") or "upsert")
    records = data_dict.get("records") or []
    _write.upsert(context.home, resource["id"], records, method, _published(context, resource),
                  dry_run=bool(data_dict.get("dry_run")))
    return {"method": method, "resource_id": resource["id"], "records": records}


def datastore_delete(context: Context, data_dict: dict) -> dict:
    """Delete rows of a DataStore table, or the whole table, as CKAN's ``datastore_delete``.

    :param resource_id: the resource id (alias: ``id``)
    :param filters: ``{"column": value}`` (a list matches any); without filters the table is deleted (a table
        the pipeline published is then served from its published file again)
    :param force: required for tables the pipeline published
    :returns: the parameters, as CKAN echoes them
    """
    resource = _writable(context, data_dict)
    filters = data_dict.get("filters")
    if filters is not None and not isinstance(filters, dict):
        raise ValidationError({"filters": ["filters must be a dictionary"]})
    if _source(context, resource) is None:
        raise NotFound(f'Resource "{resource["id"]}" was not found.')
    gone = _write.delete(context.home, resource["id"], filters, _published(context, resource))
    if gone:
        _set_active(context, resource, False)
    return {k: v for k, v in {**data_dict, "resource_id": resource["id"]}.items() if k != "id"}


def datastore_records_delete(context: Context, data_dict: dict) -> dict:
    """Delete rows of a DataStore table but keep the table, as CKAN's ``datastore_records_delete``.

    :param resource_id: the resource id (alias: ``id``)
    :param filters: ``{"column": value}`` (required; ``{}`` deletes every row)
    :param force: required for tables the pipeline published
    :returns: the parameters, as CKAN echoes them
    """
    resource = _writable(context, data_dict)
    filters = data_dict.get("filters")
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Missing value"]})
    if _source(context, resource) is None:
        raise NotFound(f'Resource "{resource["id"]}" was not found.')
    _write.delete(context.home, resource["id"], filters, _published(context, resource), keep_table=True)
    return {k: v for k, v in {**data_dict, "resource_id": resource["id"]}.items() if k != "id"}


def _writable(context: Context, data_dict: dict) -> dict:
    """The resource to write to; a table the API does not own needs ``force`` (CKAN's read-only check)."""
    from catalog.actions import get_action

    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    if not resource_id:
        raise ValidationError({"resource_id": ["Missing value"]})
    resource = get_action("resource_show")(context, {"id": str(resource_id)})
    if resource.get("url_type") != "datastore" and not _flag(data_dict.get("force")):
        raise ValidationError({"read-only": ['Cannot edit read-only resource. Either pass"force=True" or change '
                                             'url_type to "datastore"']})
    return resource


def _flag(value) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _set_active(context: Context, resource: dict, active: bool) -> None:
    from catalog.actions import get_action

    if resource.get("datastore_active") != active:
        get_action("resource_patch")(context.internal(), {"id": resource["id"], "datastore_active": active})
