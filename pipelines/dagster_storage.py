"""Dagster's SQLite event-log storage, made cheap per event (configured in ``$DAGSTER_HOME/dagster.yaml``).

Dagster's own ``SqliteEventLogStorage`` (one database per run + an ``index`` database for cross-run asset
queries) pays, per event, a new SQLAlchemy engine for every connection and one committed transaction per
table it touches: a materialization commits the run database and the index (2 fsyncs under SQLite's default
``synchronous=FULL``), a check evaluation 3. Measured on this machine that is 27–49 ms per event, and a first
run of 1,000 datasets writes tens of thousands of them. This subclass keeps the same files, schema and queries
(the UI, the daemon and plain Dagster read them unchanged) and changes only how it writes:

- one engine per database file with one pooled connection kept open (Dagster's ``NullPool`` closed the
  file's last connection after every event, and SQLite checkpoints and deletes the WAL on that close); a
  forked child drops the inherited connections;
- ``PRAGMA synchronous=NORMAL`` on every connection: the databases are already in WAL mode, where NORMAL
  is safe against a crashed process and only the last transactions may be lost on power loss — which the next
  ``opendata ingest`` repairs (change detection re-runs what has no record);
- every event is one transaction per database file, and ``store_event_batch`` (Dagster calls it for the
  ``*_PLANNED`` events a run writes at creation, and for step events, when ``DAGSTER_EVENT_BATCH_SIZE`` > 0;
  ``pipelines.home`` sets it) writes a whole batch in one transaction per file instead of one per event.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, ExitStack

import sqlalchemy as db
from dagster._config import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import QueuePool

BATCH_ENV = "DAGSTER_EVENT_BATCH_SIZE"
BATCH_SIZE = "1000"
MAX_OPEN_FILES = 8


class FastSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with cached engines, ``synchronous=NORMAL`` and one transaction per event or
    per batch of events. ``base_dir`` may be relative: it is resolved against ``DAGSTER_HOME``, so the data home
    can move (default ``history/runs``, where Dagster's default SQLite storage keeps its event logs)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, db.engine.Engine] = {}
        self._pinned = threading.local()
        super().__init__(base_dir, inst_data)
        os.register_at_fork(after_in_child=self._forget_connections)

    def _forget_connections(self) -> None:
        """A forked child must not use its parent's open SQLite connections: drop them without closing."""
        for engine in self._engines.values():
            engine.dispose(close=False)
        self._engines = {}

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False, default_value="history/runs")}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base = config_value.get("base_dir") or "history/runs"
        if not os.path.isabs(base):
            base = os.path.join(os.environ.get("DAGSTER_HOME") or os.getcwd(), base)
        return cls(base_dir=base, inst_data=inst_data)

    def _engine(self, shard: str) -> db.engine.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            # One pooled connection per database file, kept open: with NullPool every event closed the last
            # connection to the file, and SQLite checkpoints and deletes the WAL on that close (an fsync each).
            engine = db.create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                                      max_overflow=8, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                                    "check_same_thread": False})
            db.event.listen(engine, "connect", _pragmas)
            while len(self._engines) >= MAX_OPEN_FILES:          # least recently used run databases close
                self._engines.pop(next(iter(self._engines))).dispose()
        self._engines[shard] = engine                            # most recently used last
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.engine.Connection]:
        state = getattr(self._pinned, "state", None)
        if state is not None:               # inside store_event / store_event_batch: one transaction per file
            conn = state[1].get(shard)
            if conn is None:
                conn = state[1][shard] = state[0].enter_context(self._write_transaction(shard))
            yield conn
            return
        with self._db_lock:
            engine = self._ready(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def _ready(self, shard: str) -> db.engine.Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    @contextmanager
    def _write_transaction(self, shard: str) -> Iterator[db.engine.Connection]:
        """``BEGIN IMMEDIATE``: the write lock is taken (waiting up to the busy timeout) before the first read,
        so a transaction that reads then writes never fails on a snapshot another process moved. Files are
        always locked in the same order (the run's database, then the index), so processes cannot deadlock."""
        with self._db_lock:
            engine = self._ready(shard)
        with engine.connect() as conn:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn

    @contextmanager
    def _one_transaction_per_file(self):
        if getattr(self._pinned, "state", None) is not None:      # already inside one
            yield
            return
        with ExitStack() as stack:
            self._pinned.state = (stack, {})
            try:
                yield
            finally:
                self._pinned.state = None

    def store_event(self, event) -> None:
        with self._one_transaction_per_file():
            super().store_event(event)

    def store_event_batch(self, events: Sequence) -> None:
        with self._one_transaction_per_file():
            for event in events:
                SqliteEventLogStorage.store_event(self, event)

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def _pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
