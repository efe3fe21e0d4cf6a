"""The DataStore engine: published Parquet files served from one in-memory DuckDB database.

Each tabular resource is loaded once into an in-memory table named by its resource id (as CKAN names its
DataStore tables), with ``_id`` = row number. Why a table and not a view over the Parquet: over 1M rows a
filtered page + count is ~10 ms from memory against ~60 ms from Parquet (reference/baselines.md §2), and the
Parquet only changes with a new upload (the file's mtime and size are checked on every call). Tables are
evicted least-recently-used beyond ``max_bytes``.

The database is created with external access disabled and its configuration locked: no SQL text can read
or write files, attach databases, install extensions or switch those settings back — a second wall behind
``catalog.datastore_sql``. Tables are loaded from Python (Arrow batches registered on a cursor), which those
settings do not block. The catalog never opens ``warehouse.duckdb``.

Full-text ``q`` does not scan the table: each loaded table keeps a dictionary-encoded copy of its searchable
text (``catalog.datastore_text``). See bench/README.md "datastore" for the measurements behind both choices.
"""
from __future__ import annotations

import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from catalog.datastore_text import TextIndex

ROWS_DEFAULT = 100
ROWS_MAX = 32000  # CKAN's ckan.datastore.search.rows_max
QUERY_TIMEOUT = 10.0  # seconds; CKAN allows 60 s, but our tables are in memory and a minute holds a core
CACHE_BYTES = 2 << 30
SCHEMA = "datastore"
INTERNAL_PREFIX = "_"  # CKAN reserves column names starting with "_" (the std Parquet's `_row` stays hidden)

_PG_TYPES = {"VARCHAR": "text", "BOOLEAN": "bool", "TINYINT": "int2", "SMALLINT": "int2", "INTEGER": "int4",
             "BIGINT": "int8", "HUGEINT": "numeric", "UTINYINT": "int2", "USMALLINT": "int4", "UINTEGER": "int8",
             "UBIGINT": "numeric", "UHUGEINT": "numeric", "FLOAT": "float4", "DOUBLE": "float8", "DATE": "date",
             "TIME": "time", "TIMESTAMP": "timestamp", "TIMESTAMP_S": "timestamp", "TIMESTAMP_MS": "timestamp",
             "TIMESTAMP_NS": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTERVAL": "interval",
             "BLOB": "bytea", "UUID": "uuid", "JSON": "json", "TIME WITH TIME ZONE": "timetz"}
_NATIVE = {"text": "text", "bool": "boolean", "int2": "smallint", "int4": "integer", "int8": "bigint",
           "float4": "real", "float8": "double precision", "time": "time without time zone",
           "timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
           "timetz": "time with time zone"}
_NOT_WORDS = ("FLOAT", "DOUBLE")  # coordinates and measures: nobody types them into a search box


class QueryTimeout(Exception):
    """The query ran longer than its time limit and was interrupted."""


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type name CKAN would report for a DuckDB column type (``INTEGER`` -> ``int4``)."""
    t = duckdb_type.upper()
    if t.endswith("[]"):
        return "_" + pg_type(t[:-2])
    if t.startswith("DECIMAL") or t.startswith("NUMERIC"):
        return "numeric"
    if t.startswith(("STRUCT", "MAP", "UNION")):
        return "json"
    return _PG_TYPES.get(t, "text")


def native_type(pg: str) -> str:
    """PostgreSQL's long type name (``int4`` -> ``integer``), as ``datastore_info`` reports it."""
    return _NATIVE.get(pg, pg)


@dataclass(frozen=True)
class Table:
    """A loaded resource table: its columns (without ``_id``) and the text index ``q`` searches."""

    resource_id: str
    stamp: tuple
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)
    rows: int
    nbytes: int
    index: TextIndex

    @property
    def types(self) -> dict[str, str]:
        """Column -> PostgreSQL type name, ``_id`` first as CKAN lists it."""
        return {"_id": "int", **{name: pg_type(t) for name, t in self.columns}}


class Engine:
    """The process's in-memory DataStore database and its table cache."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self._db = duckdb.connect(":memory:", config={
            "enable_external_access": False, "python_enable_replacements": False,
            "lock_configuration": True})
        self._db.execute(f"CREATE SCHEMA {SCHEMA}")
        self._tables: OrderedDict[str, Table] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def table(self, resource_id: str, source: Path) -> Table:
        """The loaded table of ``resource_id``, (re)loading ``source`` when it is new or changed."""
        stat = source.stat()
        stamp = (str(source), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            loading = self._loading.setdefault(resource_id, threading.Lock())
        with loading:  # one loader per resource; other resources keep being served meanwhile
            with self._lock:
                cached = self._tables.get(resource_id)
                if cached is not None and cached.stamp == stamp:
                    self._tables.move_to_end(resource_id)
                    return cached
            table = self._load(resource_id, source, stamp)
            with self._lock:
                self._tables[resource_id] = table
                self._tables.move_to_end(resource_id)
                self._evict()
            return table

    def cached(self, resource_id: str) -> Table | None:
        with self._lock:
            return self._tables.get(resource_id)

    def db_size(self) -> int:
        with self._lock:
            return sum(t.nbytes for t in self._tables.values())

    def execute(self, sql: str, params: Sequence = (), *, timeout: float | None = None,
                register: dict[str, pa.Table] | None = None) -> tuple[list[tuple[str, str]], list[tuple]]:
        """Run one statement on a fresh cursor; returns ([(column, DuckDB type)], rows).

        A timer thread interrupts the cursor after ``timeout`` seconds (-> ``QueryTimeout``). ``register``
        names Arrow tables visible to this cursor only (the ``q`` matches of one request).
        """
        cur = self._db.cursor()
        timer = threading.Timer(QUERY_TIMEOUT if timeout is None else timeout, cur.interrupt)
        timer.daemon = True
        try:
            for name, value in (register or {}).items():
                cur.register(name, value)
            timer.start()
            result = cur.execute(sql, list(params))
            columns = [(d[0], str(d[1])) for d in result.description]
            return columns, result.fetchall()
        except duckdb.InterruptException as exc:
            raise QueryTimeout(str(exc)) from exc
        finally:
            timer.cancel()
            cur.close()

    def _load(self, resource_id: str, source: Path, stamp: tuple) -> Table:
        parquet = pq.ParquetFile(source)
        names = [n for n in parquet.schema_arrow.names if not n.startswith(INTERNAL_PREFIX)]
        reader = pa.RecordBatchReader.from_batches(
            pa.schema([pa.field("_id", pa.int64())] + [parquet.schema_arrow.field(n) for n in names]),
            _numbered(parquet.iter_batches(batch_size=65536, columns=names)))
        cur = self._db.cursor()
        try:
            cur.register("_load", reader)
            cur.execute(f"CREATE OR REPLACE TABLE {table_ref(resource_id)} AS SELECT * FROM _load")
            cur.unregister("_load")
            columns = tuple((r[0], str(r[1])) for r in cur.execute(f"DESCRIBE {table_ref(resource_id)}").fetchall()
                            if r[0] != "_id")
            index = TextIndex.build(cur.sql(_text_sql(resource_id, columns)).to_arrow_table().column(0))
        finally:
            cur.close()
        nbytes = _estimated_bytes(parquet) + index.nbytes
        return Table(resource_id, stamp, columns, parquet.metadata.num_rows, nbytes, index)

    def _evict(self) -> None:
        while len(self._tables) > 1 and sum(t.nbytes for t in self._tables.values()) > self.max_bytes:
            old, _ = self._tables.popitem(last=False)
            self._db.cursor().execute(f"DROP TABLE IF EXISTS {table_ref(old)}")


def _numbered(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Prefix each batch with ``_id`` = 1-based row number in file order (CKAN's ``_id``)."""
    start = 1
    for batch in batches:
        ids = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
        start += batch.num_rows
        yield pa.RecordBatch.from_arrays([ids, *batch.columns], names=["_id", *batch.schema.names])


def _text_sql(resource_id: str, columns: Sequence[tuple[str, str]]) -> str:
    """Each row's searchable columns as one lowercased text (CKAN's ``_full_text`` is built the same way)."""
    parts = [f"CAST({quote(n)} AS VARCHAR)" for n, t in columns if not t.upper().startswith(_NOT_WORDS)]
    body = f"lower(concat_ws(' ', {', '.join(parts)}))" if parts else "''"
    return f"SELECT {body} AS text FROM {table_ref(resource_id)} ORDER BY _id"


def _estimated_bytes(parquet: pq.ParquetFile) -> int:
    meta = parquet.metadata
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def table_ref(resource_id: str) -> str:
    """The table of a resource: always schema-qualified, because the schema is off DuckDB's search path —
    an unqualified name in user SQL can never reach a resource table the guard did not check."""
    return f"{SCHEMA}.{quote(resource_id)}"


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The process-wide engine (created on first use, never at import)."""
    return Engine()


# -- source files --------------------------------------------------------------------------------------

def uploaded_file(home: Path, resource_id: str) -> Path | None:
    """The stored upload of a resource, ``<home>/catalog/files/<resource_id>/<filename>``."""
    folder = Path(home) / "catalog" / "files" / resource_id
    if not folder.is_dir():
        return None
    found = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return found[0] if len(found) == 1 else None


def csv_header(path: Path) -> list[str]:
    """The header row of a UTF-8 CSV (BOM stripped)."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def parquet_columns(path: Path) -> list[str]:
    return [n for n in pq.read_schema(path).names if not n.startswith(INTERNAL_PREFIX)]


def csv_as_parquet(home: Path, resource_id: str, csv_path: Path) -> Path:
    """``<home>/catalog/datastore/<resource_id>.parquet``: the CSV with every column as text, built once.

    All-text is what CKAN's xloader does by default (no type guessing): a guessed type turns ``"011002"`` or
    ``0164A`` into errors (ckanext-xloader#276). Rebuilt when the CSV is newer than the conversion.
    """
    out = Path(home) / "catalog" / "datastore" / f"{resource_id}.parquet"
    if out.exists() and out.stat().st_mtime_ns >= csv_path.stat().st_mtime_ns:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{resource_id}-", suffix=".parquet")
    os.close(fd)
    try:
        con = duckdb.connect()  # a private, throwaway database: only our own fixed paths are read here
        try:
            con.execute("COPY (SELECT * FROM read_csv(?, all_varchar=true, header=true, encoding='utf-8')) "
                        "TO '" + tmp.replace("'", "''") + "' (FORMAT parquet)", [str(csv_path)])
        finally:
            con.close()
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
