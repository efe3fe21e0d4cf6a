"""Publication-rate history under ``<home>/metrics/``: a Parquet snapshot per day, folded into months and years.

Layout — one file per *period*, named by it: ``<YYYY-MM-DD>.parquet`` for the newest day only,
``<YYYY-MM>.parquet`` for the other days of each month of the newest day's year, ``<YYYY>.parquet`` for each
earlier year.  Why: opening a Parquet file costs DuckDB one to a few milliseconds whatever it holds, so one
publisher's five-year history must not open 1,826 files (bench/metrics.py: 17 files instead).  Every file has
the same schema and carries ``as_of``, so ``read_parquet('metrics/*.parquet')`` is the whole history.  Month
and year files are sorted by (scope, scope_id, as_of, measure), so DuckDB reads only the row groups of the
publisher asked for; the newest day stays a small file of its own for the dashboard and ``/metrics``.

When files overlap — the newest day inside its month's period, or a crash between writing a folded file and
deleting what it absorbed — a day is read from the finer file (``query._source``).
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from datetime import date
from itertools import groupby
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from catalog.store import mark_changed

SCHEMA = pa.schema([
    ("as_of", pa.date32()), ("scope", pa.string()), ("scope_id", pa.string()), ("scope_name", pa.string()),
    ("publisher_type", pa.string()), ("measure", pa.string()),
    ("numerator", pa.int64()), ("denominator", pa.int64()), ("rate", pa.float64()),
    ("weighted_numerator", pa.float64()), ("weighted_denominator", pa.float64()), ("weighted_rate", pa.float64()),
    ("missing", pa.list_(pa.struct([("publisher", pa.string()), ("key", pa.string()), ("title", pa.string())]))),
])
DAY_SORT = [("scope", "ascending"), ("scope_id", "ascending"), ("measure", "ascending")]
# A day file is read whole (dashboard, /metrics): small row groups keep its missing lists cheap to skip.
# Folded files are read for histories: large groups keep footers small, and a group is skipped by scope_id.
DAY_ROW_GROUP, FOLDED_ROW_GROUP = 4096, 131072
_PERIOD = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)\.parquet$")
DAY, MONTH, YEAR = 10, 7, 4                                  # lengths of the period names

_connection: tuple[int, duckdb.DuckDBPyConnection] | None = None
_connection_lock = threading.Lock()


class SnapshotRefused(ValueError):
    """A computation produced nothing worth keeping; the last good snapshot stays (udata: never write zeros)."""


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on one in-memory DuckDB per process: connecting costs ~35 ms, a cursor ~1 ms.

    One cursor per call because a DuckDB connection must not be shared between threads; re-created after a
    fork because a DuckDB database is not fork-safe.
    """
    global _connection
    with _connection_lock:
        if _connection is None or _connection[0] != os.getpid():
            # a year's fold may spill to disk: into the system temp folder, not DuckDB's default ./.tmp
            spill = Path(tempfile.gettempdir()) / f"opendata-metrics-{os.getpid()}"
            _connection = (os.getpid(), duckdb.connect(config={"temp_directory": str(spill)}))
        return _connection[1].cursor()


def metrics_dir(home: Path) -> Path:
    return Path(home) / "metrics"


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def scan(paths: list[Path]) -> str:
    return "read_parquet([" + ", ".join(f"'{sql_path(p)}'" for p in paths) + "])"


def snapshot_files(home: Path) -> dict[str, Path]:
    """{period: file} on disk; a period is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""
    folder = metrics_dir(home)
    if not folder.is_dir():
        return {}
    return {m[1]: Path(e.path) for e in os.scandir(folder) if (m := _PERIOD.match(e.name))}


def overlaps(period: str, lo: date, hi: date) -> bool:
    """Whether the period shares a day with [lo, hi] (prefixes of ISO dates compare like the dates)."""
    return lo.isoformat()[:len(period)] <= period <= hi.isoformat()[:len(period)]


# ---------------------------------------------------------------------------------------------------------
# writing


def _write_atomic(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")   # not *.parquet: readers never see it
    try:
        pq.write_table(table, tmp, row_group_size=DAY_ROW_GROUP, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def rows_to_table(rows: list[dict], as_of: date) -> pa.Table:
    cols = {name: [r.get(name) for r in rows] for name in SCHEMA.names if name != "as_of"}
    cols["as_of"] = [as_of] * len(rows)     # the file's day, whatever the rows claim
    return pa.table(cols, schema=SCHEMA)


def _previous_denominator(home: Path, as_of: date) -> int:
    """Sum of denominators of the newest snapshot on or before ``as_of`` (0 when there is none)."""
    files = snapshot_files(home)
    newest = [max((p for p in files if len(p) == n and p <= as_of.isoformat()[:n]), default=None)
              for n in (DAY, MONTH, YEAR)]
    paths = [files[p] for p in newest if p]
    if not paths:
        return 0
    q = (f"SELECT coalesce(sum(denominator), 0) FROM {scan(paths)} "
         f"WHERE as_of = (SELECT max(as_of) FROM {scan(paths)} WHERE as_of <= ?)")
    with cursor() as con:
        return con.sql(q, params=[as_of]).fetchall()[0][0]


def write_snapshot(rows: list[dict], home: Path, as_of: date) -> Path:
    """Store ``rows`` as the snapshot of ``as_of`` (replacing that day's), then fold older days and years.

    Returns the file that holds the day afterwards.  Raises ``SnapshotRefused`` when ``rows`` is empty, or
    when every denominator is 0 although the snapshot before had some: a failed computation never
    overwrites a good history with zeros.
    """
    if not rows:
        raise SnapshotRefused(f"no publication-rate rows for {as_of}; keeping the previous snapshot")
    if not any(r.get("denominator") for r in rows) and _previous_denominator(home, as_of) > 0:
        raise SnapshotRefused(f"every denominator is 0 for {as_of} but the previous snapshot had targets; "
                              "refusing to overwrite good metrics with zeros")
    metrics_dir(home).mkdir(parents=True, exist_ok=True)
    _write_atomic(rows_to_table(rows, as_of).sort_by(DAY_SORT), metrics_dir(home) / f"{as_of.isoformat()}.parquet")
    compact(home)
    mark_changed(home)
    files = snapshot_files(home)
    return next(files[p] for n in (DAY, MONTH, YEAR) if (p := as_of.isoformat()[:n]) in files)


# ---------------------------------------------------------------------------------------------------------
# folding (compaction)


def _fold(target: Path, finer: list[Path]) -> Path:
    """Rewrite ``target`` with the rows of ``finer``; for the days they hold, they replace the target's rows.

    DuckDB streams the merge and sort (a year of rollup missing lists outgrows Arrow's 2 GB string offsets).
    """
    union = f"SELECT * FROM {scan(finer)}"
    if target.exists():
        union += (f" UNION ALL SELECT * FROM {scan([target])} "
                  f"WHERE as_of NOT IN (SELECT DISTINCT as_of FROM {scan(finer)})")
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with cursor() as con:
            con.sql(f"COPY ({union} ORDER BY scope, scope_id, as_of, measure) TO '{sql_path(tmp)}' "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {FOLDED_ROW_GROUP})")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _fold_into(home: Path, periods: list[str], n: int) -> list[Path]:
    """Fold the files of ``periods`` into the files of their length-``n`` prefixes, then delete them."""
    files, written = snapshot_files(home), []
    for period, group in groupby(sorted(periods), key=lambda p: p[:n]):
        group = list(group)
        written.append(_fold(metrics_dir(home) / f"{period}.parquet", [files[p] for p in group]))
        for p in group:                          # only once the folded file is in place
            files[p].unlink(missing_ok=True)
    return written


def compact(home: Path) -> list[Path]:
    """Fold every day but the newest into its month file, then the month files of years before the newest
    day's year into their year files.  Returns the files written."""
    days = sorted(p for p in snapshot_files(home) if len(p) == DAY)
    if not days:
        return []
    written = _fold_into(home, days[:-1], MONTH)
    old_months = [p for p in snapshot_files(home) if len(p) == MONTH and p[:YEAR] < days[-1][:YEAR]]
    return written + _fold_into(home, old_months, YEAR)
