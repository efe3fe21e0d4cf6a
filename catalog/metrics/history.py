"""Publication-rate history under ``<home>/metrics/``: one Parquet snapshot per day, months compacted.

Layout (why: one file per day means ~1,800 files after five years, and opening them all costs more than the
query): ``metrics/<YYYY-MM-DD>.parquet`` for days of the newest month, ``metrics/<YYYY-MM>.parquet`` for each
earlier month (written by compaction, then its daily files are removed).  Every file has the same schema and
carries ``as_of``, so ``read_parquet('metrics/*.parquet')`` is the whole history.  Files are sorted by
(scope, scope_id, …) so DuckDB skips row groups of other publishers using the Parquet min/max statistics.
Should a crash leave a day both in its month file and as a daily file, the daily file wins.
"""
from __future__ import annotations

import os
import re
import threading
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

_MISSING = pa.list_(pa.struct([("publisher", pa.string()), ("key", pa.string()), ("title", pa.string())]))
SCHEMA = pa.schema([
    ("as_of", pa.date32()), ("scope", pa.string()), ("scope_id", pa.string()), ("scope_name", pa.string()),
    ("publisher_type", pa.string()), ("measure", pa.string()),
    ("numerator", pa.int64()), ("denominator", pa.int64()), ("rate", pa.float64()),
    ("weighted_numerator", pa.float64()), ("weighted_denominator", pa.float64()), ("weighted_rate", pa.float64()),
    ("missing", _MISSING),
])
DAY_SORT = [("scope", "ascending"), ("scope_id", "ascending"), ("measure", "ascending")]
MONTH_SORT = [("scope", "ascending"), ("scope_id", "ascending"), ("as_of", "ascending"), ("measure", "ascending")]
ROW_GROUP_ROWS = 4096      # ~ 600 publishers a day, ~20 a month: a publisher's history touches few groups
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.parquet$")
_MONTH_FILE = re.compile(r"^(\d{4}-\d{2})\.parquet$")


_connection: tuple[int, duckdb.DuckDBPyConnection] | None = None
_connection_lock = threading.Lock()


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on one in-memory DuckDB per process: connecting costs ~35 ms, a cursor ~1 ms.

    One cursor per call because a DuckDB connection must not be shared between threads; re-created after a
    fork because a DuckDB database is not fork-safe.
    """
    global _connection
    with _connection_lock:
        if _connection is None or _connection[0] != os.getpid():
            _connection = (os.getpid(), duckdb.connect())
        return _connection[1].cursor()


class SnapshotRefused(ValueError):
    """A computation produced nothing worth keeping; the last good snapshot stays (udata: never write zeros)."""


def metrics_dir(home: Path) -> Path:
    return Path(home) / "metrics"


def month_of(d: date) -> str:
    return d.isoformat()[:7]


def snapshot_files(home: Path) -> tuple[dict[date, Path], dict[str, Path]]:
    """({day: daily file}, {"YYYY-MM": month file}) currently on disk."""
    days, months = {}, {}
    folder = metrics_dir(home)
    if folder.is_dir():
        for entry in os.scandir(folder):
            if m := _DAY_FILE.match(entry.name):
                days[date.fromisoformat(m[1])] = Path(entry.path)
            elif m := _MONTH_FILE.match(entry.name):
                months[m[1]] = Path(entry.path)
    return days, months


# ---------------------------------------------------------------------------------------------------------
# writing


def _write_atomic(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")   # not *.parquet: readers never see it
    try:
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def rows_to_table(rows: list[dict], as_of: date) -> pa.Table:
    cols = {name: [r.get(name) for r in rows] for name in SCHEMA.names if name != "as_of"}
    cols["as_of"] = [as_of] * len(rows)     # the file's day, whatever the rows claim
    return pa.table(cols, schema=SCHEMA)


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _read_file(path: Path) -> pa.Table:
    return pq.read_table(path, schema=SCHEMA)


def _previous_denominator(home: Path, as_of: date) -> int:
    """Sum of denominators of the newest snapshot on or before ``as_of`` (0 when there is none)."""
    days, months = snapshot_files(home)
    day = max((d for d in days if d <= as_of), default=None)
    month = max((m for m in months if m <= month_of(as_of)), default=None)
    paths = [p for p in (days.get(day), months.get(month)) if p is not None]
    if not paths:
        return 0
    src = "read_parquet([" + ", ".join(f"'{sql_path(p)}'" for p in paths) + "])"
    q = (f"SELECT coalesce(sum(denominator), 0) FROM {src} "
         f"WHERE as_of = (SELECT max(as_of) FROM {src} WHERE as_of <= ?)")
    with cursor() as con:
        return con.sql(q, params=[as_of]).fetchall()[0][0]


def write_snapshot(rows: list[dict], home: Path, as_of: date) -> Path:
    """Store ``rows`` as the snapshot of ``as_of`` (replacing that day's), then compact finished months.

    Raises ``SnapshotRefused`` when ``rows`` is empty, or when every denominator is 0 although the snapshot
    before it had some: a failed computation never overwrites a good history with zeros.
    """
    if not rows:
        raise SnapshotRefused(f"no publication-rate rows for {as_of}; keeping the previous snapshot")
    if not any(r.get("denominator") for r in rows) and _previous_denominator(home, as_of) > 0:
        raise SnapshotRefused(f"every denominator is 0 for {as_of} but the previous snapshot had targets; "
                              "refusing to overwrite good metrics with zeros")
    folder = metrics_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    table = rows_to_table(rows, as_of).sort_by(DAY_SORT)
    _, months = snapshot_files(home)
    if month_of(as_of) in months:    # a back-filled day of a compacted month: rewrite the month with it
        path = _write_month(months[month_of(as_of)], [table])
    else:
        path = _write_atomic(table, folder / f"{as_of.isoformat()}.parquet")
    compact(home)
    return path


# ---------------------------------------------------------------------------------------------------------
# compaction


def _write_month(path: Path, day_tables: list[pa.Table]) -> Path:
    parts = list(day_tables)
    if path.exists():       # keep the month's other days; the given days replace their old rows
        old = _read_file(path)
        days = pa.array(sorted({t["as_of"][0].as_py() for t in day_tables if t.num_rows}), pa.date32())
        parts.insert(0, old.filter(pc.invert(pc.is_in(old["as_of"], value_set=days))))
    return _write_atomic(pa.concat_tables(parts).sort_by(MONTH_SORT), path)


def compact(home: Path) -> list[Path]:
    """Merge the daily files of every month before the newest day's month into ``<YYYY-MM>.parquet``."""
    days, months = snapshot_files(home)
    if not days:
        return []
    current = month_of(max(days))
    by_month: dict[str, list[date]] = {}
    for d in sorted(days):
        if month_of(d) < current:
            by_month.setdefault(month_of(d), []).append(d)
    written = []
    for month, month_days in by_month.items():
        path = metrics_dir(home) / f"{month}.parquet"
        written.append(_write_month(path, [_read_file(days[d]) for d in month_days]))
        for d in month_days:              # only after the month file is in place
            days[d].unlink(missing_ok=True)
    return written
