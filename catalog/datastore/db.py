"""The DataStore engine: published Parquet files served from one in-memory DuckDB database.

Each tabular resource is loaded once into an in-memory table named by its resource id (as CKAN names its
DataStore tables), with ``_id`` = row number. Why a table and not a view over the Parquet: over 1M rows a
filtered page + count is ~10 ms from memory against ~60 ms from Parquet (reference/baselines.md §2), and the
Parquet only changes with a new upload (the file's mtime and size are checked on every call). The rows are
also kept as Arrow: DuckDB needs a scan of every column to fetch 100 scattered rows (~20 ms per million),
Arrow's ``take`` needs microseconds, and ``q`` pages are such rows. Tables are evicted least-recently-used
beyond ``max_bytes``.

The database is created with external access disabled and its configuration locked: no SQL text can read
or write files, attach databases, install extensions or switch those settings back — a second wall behind
``catalog.datastore.sql``. Tables are loaded from Python (an Arrow table registered on a cursor), which those
settings do not block. The catalog never opens ``warehouse.duckdb``.

Full-text ``q`` does not scan the table: each loaded table keeps its searchable text with a trigram signature
per row (``catalog.datastore.text``). See bench/README.md "datastore" for the measurements behind these choices.
"""
from __future__ import annotations

import atexit
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from catalog.datastore import limits
from catalog.datastore.text import TextIndex

log = logging.getLogger(__name__)

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


class ResultTooLarge(Exception):
    """The answer grew past its byte limit while it was fetched (the rest is never read)."""


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
    arrow: pa.Table  # the same rows (``_id`` first): a page of known row numbers is a ``take``, not a scan
    orders: dict = field(default_factory=dict, compare=False, repr=False)  # (column, desc) -> row positions

    def sort_order(self, column: str, descending: bool) -> np.ndarray | None:
        """Row positions in ``ORDER BY column [DESC], _id`` order (NULLS LAST, as DuckDB sorts by default), made
        once per column and direction: a sorted page without filters is then a slice and a ``take``, at any
        depth (1M rows, page 10,000 sorted: ~250 ms of SQL sort -> well under 1 ms). None when Arrow's order
        could differ from DuckDB's (NaN in a float column) or the type cannot be sorted."""
        key = (column, descending)
        cached = self.orders.get(key)
        if cached is not None:
            return cached
        values = self.arrow.column(column)
        try:
            if pa.types.is_floating(values.type) and pc.any(pc.is_nan(values)).as_py():
                return None
            direction = "descending" if descending else "ascending"
            order = pc.sort_indices(self.arrow, sort_keys=[(column, direction, "at_end"), ("_id", "ascending", "at_end")])
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError, pa.ArrowInvalid):
            return None
        if len(self.orders) >= 8:  # a few columns per table (8 MB each per million rows)
            self.orders.pop(next(iter(self.orders)), None)
        self.orders[key] = order = order.to_numpy()
        return order

    @property
    def types(self) -> dict[str, str]:
        """Column -> PostgreSQL type name, ``_id`` first as CKAN lists it (worked out once per loaded table)."""
        return _pg_types(self.columns)


@functools.lru_cache(maxsize=1024)
def _pg_types(columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {"_id": "int", **{name: pg_type(t) for name, t in columns}}


class Engine:
    """The process's in-memory DataStore database and its table cache."""

    def __init__(self, max_bytes: int = limits.CACHE_BYTES):
        self.max_bytes = max_bytes
        self._db = duckdb.connect(":memory:", config={
            "enable_external_access": False, "python_enable_replacements": False, "memory_limit": limits.MEMORY_LIMIT,
            "lock_configuration": True})
        # Resource tables live in an attached in-memory database that is compressed at checkpoint (dictionary/
        # FSST): half the memory, and a GROUP BY over a repetitive text column runs ~2x faster (18 -> 8 ms/1M rows).
        self._db.execute(f"ATTACH ':memory:' AS {SCHEMA} (COMPRESS)")
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
                register: dict[str, pa.Table] | None = None,
                max_bytes: int | None = None) -> tuple[list[tuple[str, str]], list[tuple]]:
        """Run one statement on a fresh cursor; returns ([(column, DuckDB type)], rows).

        A watchdog thread interrupts the cursor after ``timeout`` seconds (-> ``QueryTimeout``). ``register``
        names Arrow tables visible to this cursor only (the ``q`` matches of one request). With ``max_bytes``
        the rows are streamed in chunks and the fetch stops (-> ``ResultTooLarge``) once their text passes it.
        """
        seconds = limits.QUERY_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + seconds
        cur = self._db.cursor()
        try:
            for name, value in (register or {}).items():
                cur.register(name, value)
            with _watchdog().watch(cur, seconds):
                result = cur.execute(sql, list(params))
                columns = [(d[0], str(d[1])) for d in result.description]
                rows = result.fetchall() if max_bytes is None else _fetch_bounded(result, max_bytes, deadline)
                return columns, rows
        except duckdb.InterruptException as exc:
            raise QueryTimeout(str(exc)) from exc
        finally:
            cur.close()

    def _load(self, resource_id: str, source: Path, stamp: tuple) -> Table:
        names = [n for n in pq.read_schema(source).names if not n.startswith(INTERNAL_PREFIX)]
        arrow = pq.read_table(source, columns=names)
        ids = np.arange(1, arrow.num_rows + 1, dtype=np.int32)  # CKAN's _id: int4 row number, file order
        arrow = arrow.add_column(0, "_id", pa.array(ids)).combine_chunks()
        cur = self._db.cursor()
        try:
            cur.register("_load", arrow)
            cur.execute(f"CREATE OR REPLACE TABLE {table_ref(resource_id)} AS SELECT * FROM _load")
            cur.unregister("_load")
            _checkpoint(cur)
            columns = tuple((r[0], str(r[1])) for r in cur.execute(f"DESCRIBE {table_ref(resource_id)}").fetchall()
                            if r[0] != "_id")
            index = TextIndex.build(cur.sql(_text_sql(resource_id, columns)).to_arrow_table().column(0))
        finally:
            cur.close()
        nbytes = 2 * arrow.nbytes + index.nbytes  # the DuckDB table is about as big as its Arrow copy
        return Table(resource_id, stamp, columns, arrow.num_rows, nbytes, index, arrow)

    def _evict(self) -> None:
        while len(self._tables) > 1 and sum(t.nbytes for t in self._tables.values()) > self.max_bytes:
            old, _ = self._tables.popitem(last=False)
            self._db.cursor().execute(f"DROP TABLE IF EXISTS {table_ref(old)}")


def _fetch_bounded(result, max_bytes: int, deadline: float) -> list[tuple]:
    """All rows of ``result``, chunk by chunk, stopping at ``max_bytes`` (text and blobs by length, 8 bytes for
    any other value) or at ``deadline`` (the watchdog cannot interrupt the Python side of a fetch)."""
    rows: list[tuple] = []
    size = 0
    while chunk := result.fetchmany(64):
        size += sum(len(v) if isinstance(v, (str, bytes)) else 8 for row in chunk for v in row)
        if size > max_bytes:
            raise ResultTooLarge(f"more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise QueryTimeout("time limit")
        rows += chunk
    return rows


def _checkpoint(cur) -> None:
    """Compress what was just loaded; if another writer is busy the table is merely left uncompressed."""
    try:
        cur.execute(f"CHECKPOINT {SCHEMA}")
    except duckdb.Error:
        log.debug("DataStore checkpoint skipped", exc_info=True)


class _Watchdog:
    """One thread that interrupts cursors past their deadline (a thread per query cost ~1 ms per query)."""

    def __init__(self):
        self._deadlines: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._wake = threading.Condition()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="datastore-watchdog", daemon=True)
        self._thread.start()
        atexit.register(self._stop)  # a thread still waiting at exit makes DuckDB's bindings report leaks

    def _stop(self) -> None:
        with self._wake:
            self._running = False
            self._wake.notify()
        self._thread.join(timeout=1)

    @contextmanager
    def watch(self, cursor: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
        with self._wake:
            self._deadlines[id(cursor)] = (time.monotonic() + seconds, cursor)
            self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._deadlines.pop(id(cursor), None)

    def _run(self) -> None:
        with self._wake:
            while self._running:
                now = time.monotonic()
                for key in [k for k, (deadline, _) in self._deadlines.items() if deadline <= now]:
                    self._deadlines.pop(key)[1].interrupt()
                soonest = min((d for d, _ in self._deadlines.values()), default=now + 3600)
                self._wake.wait(max(soonest - now, 0.001))


@lru_cache(maxsize=1)
def _watchdog() -> _Watchdog:
    return _Watchdog()


def _text_sql(resource_id: str, columns: Sequence[tuple[str, str]]) -> str:
    """Each row's searchable columns as one lowercased text (CKAN's ``_full_text`` is built the same way)."""
    parts = [f"CAST({quote(n)} AS VARCHAR)" for n, t in columns if not t.upper().startswith(_NOT_WORDS)]
    body = f"lower(concat_ws(' ', {', '.join(parts)}))" if parts else "''"
    return f"SELECT {body} AS text FROM {table_ref(resource_id)} ORDER BY _id"


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
