"""DataStore writes (``datastore_create`` / ``_upsert`` / ``_delete``): tables the API owns, kept as Parquet.

A written table is ``<home>/catalog/datastore/tables/<resource_id>.parquet`` plus ``<resource_id>.json`` (its
fields with CKAN's type names, and its primary key). Every write builds the whole new table first — records cast
to the declared types by DuckDB, keys checked — and only then replaces the file (temp name + rename), so a bad
write leaves the previous table as it was, and a reader never sees half a write. The engine (``db``) reloads a
table when its file changes, so searches see a write at once, in every server process.

A table that the pipeline published (an uploaded file) is read-only unless ``force`` (as CKAN treats xloader
tables): a forced write starts from the published rows and from then on the API's copy is served; the download
files stay as published.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from catalog.datastore import limits
from catalog.datastore.db import INTERNAL_PREFIX, pg_type, quote
from catalog.errors import ValidationError

# CKAN's DataStore type names -> DuckDB types (numeric keeps decimals exact; int is PostgreSQL's int4)
TYPES = {"text": "VARCHAR", "int": "INTEGER", "int4": "INTEGER", "integer": "INTEGER", "int2": "SMALLINT",
         "smallint": "SMALLINT", "int8": "BIGINT", "bigint": "BIGINT", "numeric": "DECIMAL(38, 10)",
         "float": "DOUBLE", "float8": "DOUBLE", "double precision": "DOUBLE", "float4": "REAL", "real": "REAL",
         "bool": "BOOLEAN", "boolean": "BOOLEAN", "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP",
         "json": "JSON", "_text": "VARCHAR[]", "_int4": "INTEGER[]", "_numeric": "DOUBLE[]"}


@dataclass(frozen=True)
class Schema:
    fields: tuple[dict, ...]          # [{"id", "type", "info"?}] as CKAN echoes them
    primary_key: tuple[str, ...]
    indexes: tuple[str, ...] = ()     # fields given as ``indexes`` (reported by datastore_info as is_index)

    @property
    def names(self) -> list[str]:
        return [f["id"] for f in self.fields]


def table_path(home: Path, resource_id: str) -> Path:
    return Path(home) / "catalog" / "datastore" / "tables" / f"{resource_id}.parquet"


def schema_of(home: Path, resource_id: str) -> Schema | None:
    path = table_path(home, resource_id).with_suffix(".json")
    if not path.exists():
        return None
    meta = json.loads(path.read_text("utf-8"))
    return Schema(tuple(meta["fields"]), tuple(meta["primary_key"]), tuple(meta.get("indexes", ())))


@contextlib.contextmanager
def _locked(home: Path, resource_id: str):
    """One writer per table at a time, across threads and server processes (read, change, replace)."""
    path = table_path(home, resource_id).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create(home: Path, resource_id: str, fields: list[dict], records: list[dict], primary_key: list[str],
           seed: Path | None, indexes: list[str] = (), aliases: list[str] = ()) -> Schema:
    """Create the table, or add ``fields`` and insert ``records`` into an existing one (CKAN's semantics)."""
    with _locked(home, resource_id):
        old = schema_of(home, resource_id) or (_schema_of_file(seed) if seed else None)
        schema = _merged_schema(old, fields, primary_key, records)
        unknown = [f'index "{i}" is not a field' for i in indexes if i not in schema.names]
        if unknown:
            raise ValidationError({"indexes": unknown})
        schema = Schema(schema.fields, schema.primary_key,
                        tuple(dict.fromkeys([*(old.indexes if old else ()), *indexes])))
        table = _insert(schema, _current(home, resource_id, seed, schema), records, method="insert")
        with _aliases_locked(home) as names:   # checked before anything is written: all or nothing
            taken = [a for a in aliases if names.get(a, resource_id) != resource_id]
            if taken:
                raise ValidationError({"aliases": [f'The alias "{a}" already exists.' for a in taken]})
            _save(home, resource_id, schema, table)
            names.update({a: resource_id for a in aliases})
    return schema


ALIAS = re.compile(r"^[^\x00-\x1f\"%]{1,63}$")   # a PostgreSQL table name, as CKAN's is_valid_table_name


def alias_target(home: Path, name: str) -> str | None:
    """The resource id a DataStore alias names (``datastore_create(aliases=…)``), or None."""
    path = _aliases_path(home)
    return json.loads(path.read_text("utf-8")).get(name) if path.exists() else None


def aliases_of(home: Path, resource_id: str) -> list[str]:
    path = _aliases_path(home)
    names = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return sorted(a for a, rid in names.items() if rid == resource_id)


def _aliases_path(home: Path) -> Path:
    return Path(home) / "catalog" / "datastore" / "aliases.json"


@contextlib.contextmanager
def _aliases_locked(home: Path):
    """The alias map ``{alias: resource id}`` to change; written back (temp name + rename) when the block ends."""
    path = _aliases_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        names = json.loads(path.read_text("utf-8")) if path.exists() else {}
        before = dict(names)
        yield names
        if names != before:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".aliases-", suffix=".json")
            os.close(fd)
            Path(tmp).write_text(json.dumps(names, ensure_ascii=False, sort_keys=True), "utf-8")
            os.replace(tmp, path)


def upsert(home: Path, resource_id: str, records: list[dict], method: str, seed: Path | None,
           dry_run: bool = False) -> None:
    with _locked(home, resource_id):
        _upsert(home, resource_id, records, method, seed, dry_run)


def _upsert(home: Path, resource_id: str, records: list[dict], method: str, seed: Path | None,
            dry_run: bool) -> None:
    schema = schema_of(home, resource_id) or (_schema_of_file(seed) if seed else None)
    if schema is None:
        raise ValidationError({"resource_id": [f'Resource "{resource_id}" has no DataStore table']})
    if method not in ("insert", "upsert", "update"):
        raise ValidationError({"method": [f'"{method}" is not a valid method']})
    if method != "insert" and not schema.primary_key:
        raise ValidationError({"table": ["table does not have a unique key defined"]})
    table = _insert(schema, _current(home, resource_id, seed, schema), records, method=method)
    if not dry_run:
        _save(home, resource_id, schema, table)


def delete(home: Path, resource_id: str, filters: dict | None, seed: Path | None, keep_table: bool = False) -> bool:
    """Delete the rows matching ``filters`` (``{column: value or [values]}``); without filters, the whole table
    (or, with ``keep_table``, all its rows). Returns True when the table itself is gone."""
    with _locked(home, resource_id):
        return _delete(home, resource_id, filters, seed, keep_table)


def _delete(home: Path, resource_id: str, filters: dict | None, seed: Path | None, keep_table: bool) -> bool:
    if not filters and not keep_table:
        with _aliases_locked(home) as names:
            for alias in [a for a, rid in names.items() if rid == resource_id]:
                del names[alias]
            for path in (table_path(home, resource_id), table_path(home, resource_id).with_suffix(".json")):
                path.unlink(missing_ok=True)
        return True
    schema = schema_of(home, resource_id) or (_schema_of_file(seed) if seed else None)
    if schema is None:
        raise ValidationError({"resource_id": [f'Resource "{resource_id}" has no DataStore table']})
    unknown = sorted(set(filters) - set(schema.names))
    if unknown:
        raise ValidationError({"filters": [f'field "{name}" not in table' for name in unknown]})
    current = _current(home, resource_id, seed, schema)
    where, params = ["true"], []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        where.append(f"CAST({quote(name)} AS VARCHAR) IN ({', '.join('?' * len(values))})")
        params += [_text(v) for v in values]
    with _connection() as con:
        con.register("cur", current)
        kept = con.sql(f"SELECT * FROM cur WHERE NOT ({' AND '.join(where)}) ORDER BY {quote('_pos')}",
                       params=params).to_arrow_table()
    _save(home, resource_id, schema, kept)
    return False


def _merged_schema(old: Schema | None, fields: list[dict], primary_key: list[str], records: list[dict]) -> Schema:
    if not isinstance(fields, list) or not all(isinstance(f, dict) and f.get("id") for f in fields):
        raise ValidationError({"fields": ["fields must be a list of {\"id\": name, \"type\": type}"]})
    if not fields and not old and records:  # CKAN guesses text columns from the first record
        fields = [{"id": k, "type": "text"} for k in records[0]]
    merged = {f["id"]: f for f in (old.fields if old else ())}
    errors = []
    for f in fields:
        name, kind = str(f["id"]), str(f.get("type") or "text").lower()
        if name.startswith(INTERNAL_PREFIX) or '"' in name or not name.strip():
            errors.append(f'"{name}" is not a valid field name')
        elif kind not in TYPES:
            errors.append(f'"{kind}" is not a valid field type')
        elif name in merged and str(merged[name]["type"]).lower() != kind:
            errors.append(f'field "{name}" already exists with type {merged[name]["type"]}')
        else:
            merged[name] = {"id": name, "type": kind, **({"info": f["info"]} if f.get("info") else {})}
    keys = tuple(primary_key or (old.primary_key if old else ()))
    errors += [f'primary key "{k}" is not a field' for k in keys if k not in merged]
    if errors:
        raise ValidationError({"fields": errors})
    return Schema(tuple(merged.values()), keys)


def _schema_of_file(path: Path) -> Schema:
    """The schema of a published table: its columns with the type names CKAN reports for them."""
    with _connection() as con:
        con.register("t", pq.read_table(path))
        described = con.execute("DESCRIBE t").fetchall()
    fields = [{"id": r[0], "type": pg_type(str(r[1]))} for r in described if not r[0].startswith(INTERNAL_PREFIX)]
    return Schema(tuple(f if f["type"] in TYPES else {**f, "type": "text"} for f in fields), ())


def _current(home: Path, resource_id: str, seed: Path | None, schema: Schema | None) -> pa.Table | None:
    """The table as it stands (API copy, else the published file), with ``_pos`` = its row order."""
    path = table_path(home, resource_id)
    source = path if path.exists() else seed
    if source is None or schema is None:
        return None
    current = pq.read_table(source, columns=[n for n in pq.read_schema(source).names if n in schema.names])
    current = current.append_column("_pos", pa.array(range(current.num_rows), pa.int64()))
    for f in schema.fields:  # a field added by this create, or one whose write was cut short: all null
        if f["id"] not in current.column_names:
            current = current.append_column(f["id"], pa.nulls(current.num_rows, pa.string()))
    return current


def _insert(schema: Schema, current: pa.Table | None, records: list[dict], method: str) -> pa.Table:
    """The whole new table: ``current`` with ``records`` inserted, upserted or updated, types cast, keys checked."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError({"records": ["records must be a list of dictionaries"]})
    if len(records) > limits.ROWS_MAX:
        raise ValidationError({"records": [f"at most {limits.ROWS_MAX} records per call"]})
    for number, record in enumerate(records, 1):
        extra = sorted(set(record) - set(schema.names))
        if extra:
            raise ValidationError({"records": [f'row "{number}" has extra keys "{", ".join(extra)}"']})
    with _connection() as con:
        con.execute(f"CREATE TABLE t ({', '.join(_column_sql(f) for f in schema.fields)}, _pos BIGINT)")
        if current is not None:
            con.register("cur", current)
            cols = ", ".join(quote(n) for n in [*schema.names, "_pos"])
            _cast(con, f"INSERT INTO t ({cols}) SELECT {cols} FROM cur", [])
        for keys in _key_sets(records):
            _apply(con, schema, [r for r in records if tuple(sorted(r)) == keys], list(keys), method)
        _check_unique(con, schema)
        return con.sql(f"SELECT * FROM t ORDER BY {quote('_pos')}").to_arrow_table()


def _apply(con, schema: Schema, records: list[dict], keys: list[str], method: str) -> None:
    """Records that give the same columns: one vectorised INSERT / UPDATE through a text staging table."""
    staging = pa.table({k: pa.array([_text(r.get(k)) for r in records], pa.string()) for k in keys}) \
        if keys else pa.table({"_n": pa.array([None] * len(records), pa.string())})
    staging = staging.append_column("_seq", pa.array(range(len(records)), pa.int64()))
    con.register("new", staging)
    types = {f["id"]: TYPES[f["type"]] for f in schema.fields}
    cast = {k: f"CAST(new.{quote(k)} AS {types[k]})" for k in keys}
    pk = list(schema.primary_key)
    if method in ("update", "upsert"):
        if any(k not in keys for k in pk):
            raise ValidationError({"key": [f"fields {', '.join(pk)} are missing but needed as key"]})
        match = " AND ".join(f"t.{quote(k)} = {cast[k]}" for k in pk)
        if method == "update":
            missing = con.execute(f"SELECT {', '.join(quote(k) for k in pk)} FROM new WHERE NOT EXISTS "
                                  f"(SELECT 1 FROM t WHERE {match}) LIMIT 1").fetchone()
            if missing:
                raise ValidationError({"key": [f'key "{list(missing)}" not found']})
        sets = ", ".join(f"{quote(k)} = {cast[k]}" for k in keys if k not in pk)
        if sets:
            _cast(con, f"UPDATE t SET {sets} FROM new WHERE {match}", [])
        if method == "update":
            return
        rows = f"FROM new WHERE NOT EXISTS (SELECT 1 FROM t WHERE {match})"
    else:
        rows = "FROM new"
    base = con.execute("SELECT coalesce(max(_pos), -1) + 1 FROM t").fetchone()[0]
    cols = [quote(k) for k in keys] + ["_pos"]
    values = [cast[k] for k in keys] + [f"{base} + new._seq"]
    _cast(con, f"INSERT INTO t ({', '.join(cols)}) SELECT {', '.join(values)} {rows}", [])


def _check_unique(con, schema: Schema) -> None:
    if not schema.primary_key:
        return
    cols = ", ".join(quote(k) for k in schema.primary_key)
    dup = con.execute(f"SELECT {cols} FROM t GROUP BY {cols} HAVING count(*) > 1 LIMIT 1").fetchone()
    if dup:
        raise ValidationError({"constraints": ["Cannot insert records or create index because of uniqueness "
                                               "constraint"], "info": {"detail": f"duplicate key {list(dup)}"}})


def _cast(con, sql: str, params: list) -> None:
    try:
        con.execute(sql, params)
    except duckdb.ConversionException as exc:
        raise ValidationError({"records": [str(exc).split("\n")[0].removeprefix("Conversion Error: ")]}) from None
    except duckdb.ConstraintException as exc:
        raise ValidationError({"records": [str(exc).split("\n")[0]]}) from None


def _column_sql(field: dict) -> str:
    return f"{quote(field['id'])} {TYPES[field['type']]}"


def _key_sets(records: list[dict]) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(tuple(sorted(r)) for r in records))


def _text(value) -> str | None:
    """A JSON value as the text DuckDB casts from (lists and objects as JSON)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory database that can read and write no file (Arrow in, Arrow out)."""
    return duckdb.connect(":memory:", config={"enable_external_access": False, "lock_configuration": True})


def _save(home: Path, resource_id: str, schema: Schema, table: pa.Table) -> None:
    path = table_path(home, resource_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.drop_columns([c for c in table.column_names if c == "_pos"])
    meta = json.dumps({"fields": list(schema.fields), "primary_key": list(schema.primary_key),
                       "indexes": list(schema.indexes)}, ensure_ascii=False)
    for target, write in ((path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(meta, "utf-8")),
                          (path, lambda tmp: pq.write_table(table, tmp))):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{resource_id}-", suffix=target.suffix)
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
