"""Reading the publication-rate history with an in-memory DuckDB over ``metrics/*.parquet``.

The catalog server never opens ``warehouse.duckdb`` (DESIGN: one writer); Parquet is read directly.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path

from .history import DAY, MONTH, SCHEMA, cursor, overlaps, scan, snapshot_files
from .rates import ALL_MEASURES, BREAKDOWN, SCOPES

COLUMNS = SCHEMA.names                     # row keys, in schema order


def latest_snapshot_date(home: Path) -> date | None:
    files = snapshot_files(home)
    days = [p for p in files if len(p) == DAY]
    if days:
        return date.fromisoformat(max(days))    # folding keeps the newest day as a day file
    if not files:
        return None
    with cursor() as con:
        return con.sql(f"SELECT max(as_of) FROM {scan(list(files.values()))}").fetchall()[0][0]


def has_snapshot(home: Path, day: date) -> bool:
    files = snapshot_files(home)
    if day.isoformat() in files:
        return True
    covering = [f for p, f in files.items() if overlaps(p, day, day)]
    if not covering:
        return False
    with cursor() as con:
        return con.sql(f"SELECT count(*) FROM {scan(covering)} WHERE as_of = ?", params=[day]).fetchall()[0][0] > 0


def _without_finer(path: Path, finer: dict[str, Path]) -> str:
    """Scan of a coarse file minus the days that finer files inside its period hold (those win)."""
    days = [f"DATE '{p}'" for p in finer if len(p) == DAY]
    months = [f for p, f in finer.items() if len(p) == MONTH]
    cond = [f"as_of NOT IN ({', '.join(days)})"] if days else []
    if months:      # only after a crash inside a fold: read which days those month files hold
        cond.append(f"as_of NOT IN (SELECT as_of FROM {scan(months)})")
    return f"SELECT * FROM {scan([path])} WHERE {' AND '.join(cond)}"


def _source(home: Path, date_from: date | None, date_to: date | None) -> str | None:
    """``FROM`` item over the files whose period overlaps the range, each day taken from its finest file.

    Normally only the newest day file lies inside a coarser period (its month's); files without finer ones
    inside go in one multi-file scan, which DuckDB plans and parallelises once.
    """
    lo, hi = date_from or date.min, date_to or date.max
    picked = {p: f for p, f in snapshot_files(home).items() if overlaps(p, lo, hi)}
    if not picked:
        return None
    clean, parts = [], []
    for period, path in sorted(picked.items()):
        finer = {p: f for p, f in picked.items() if len(p) > len(period) and p.startswith(period)}
        if finer:
            parts.append(_without_finer(path, finer))
        else:
            clean.append(path)
    sources = ([f"SELECT * FROM {scan(clean)}"] if clean else []) + parts
    return f"({' UNION ALL '.join(sources)})"


def _where(filters: dict, date_from: date | None, date_to: date | None) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in filters.items():
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if date_from:
        clauses.append("as_of >= ?")
        params.append(date_from)
    if date_to:
        clauses.append("as_of <= ?")
        params.append(date_to)
    return " AND ".join(clauses) or "TRUE", params


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def read_history(home: Path, publisher: str | None = None, scope: str | None = None, measure: str | None = None,
                 date_from: date | str | None = None, date_to: date | str | None = None, *,
                 category: str | None = None, publisher_type: str | None = None,
                 include_missing: bool = True) -> list[dict]:
    """Snapshot rows in ``[date_from, date_to]`` (inclusive) matching every given filter, oldest first.

    ``publisher`` / ``category`` select that publisher's / category's own rows; ``publisher_type`` selects
    the rows of that type (its rollup and its publishers).  ``include_missing=False`` leaves the missing
    lists unread — what a time-series chart wants, and much less to decode.
    """
    date_from, date_to = _as_date(date_from), _as_date(date_to)
    source = _source(home, date_from, date_to)
    if source is None:
        return []
    filters = {"scope": scope, "measure": measure, "publisher_type": publisher_type}
    if publisher is not None:
        filters.update(scope=scope or "publisher", scope_id=publisher)
    if category is not None:
        filters.update(scope=scope or "category", scope_id=category)
    where, params = _where(filters, date_from, date_to)
    if scope is None:            # the breakdown rows are asked for by name only (or summed by ``rollup``)
        where += f" AND scope <> '{BREAKDOWN}'"
    # as_of formatted by DuckDB: building 10k Python date objects only to format them costs more than the query
    columns = ", ".join("strftime(as_of, '%Y-%m-%d') AS as_of" if c == "as_of" else c
                        for c in COLUMNS if include_missing or c != "missing")
    order = f"as_of, list_position({list(SCOPES + (BREAKDOWN,))}, scope), scope_id, list_position({list(ALL_MEASURES)}, measure)"
    sql = f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {order}"
    with cursor() as con:
        return con.sql(sql, params=params).to_arrow_table().to_pylist()


GROUPS = ("overall", "type", "category", "publisher")


_ROLLUPS: "OrderedDict[tuple, list[dict]]" = OrderedDict()
_ROLLUPS_LOCK = threading.Lock()
ROLLUP_CACHE = 256


def snapshot_signature(home: Path) -> tuple:
    """What the snapshot files are right now (name, size, mtime): written files are replaced, never edited."""
    out = []
    for period, path in sorted(snapshot_files(home).items()):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        out.append((period, st.st_size, st.st_mtime_ns))
    return tuple(out)


def rollup(home: Path, group_by: str, measure: str | None = None, date_from: date | str | None = None,
           date_to: date | str | None = None, **filters) -> list[dict]:
    """``_rollup``, remembered per process until a snapshot file changes (the dashboard asks the same few sums
    on every view; one costs 10–30 ms of DuckDB over the Parquet files). Callers get a new list of the same
    row dicts: they must not change the dicts."""
    key = (str(home), snapshot_signature(home), group_by, measure, str(date_from), str(date_to),
           tuple(sorted(filters.items())))
    with _ROLLUPS_LOCK:
        if key in _ROLLUPS:
            _ROLLUPS.move_to_end(key)
            return list(_ROLLUPS[key])
    rows = _rollup(home, group_by, measure, date_from, date_to, **filters)
    with _ROLLUPS_LOCK:
        _ROLLUPS[key] = rows
        while len(_ROLLUPS) > ROLLUP_CACHE:
            _ROLLUPS.popitem(last=False)
    return list(rows)


def _rollup(home: Path, group_by: str, measure: str | None = None, date_from: date | str | None = None,
           date_to: date | str | None = None, *, publisher: str | None = None, publisher_type: str | None = None,
           category: str | None = None, include_missing: bool = False) -> list[dict]:
    """Sums of the ``publisher_category`` rows matching every filter (AND), grouped by ``group_by`` and day.

    Rows in the shape of ``read_history`` (scope = ``group_by``); weighted columns are not summed (None).
    Days whose snapshot has no breakdown rows are absent.  Counts add up exactly: each target has one
    publisher and one category.
    """
    date_from, date_to = _as_date(date_from), _as_date(date_to)
    source = _source(home, date_from, date_to)
    if source is None:
        return []
    where, params = _where({"scope": BREAKDOWN, "measure": measure, "publisher_type": publisher_type},
                           date_from, date_to)
    pid, cat = "split_part(scope_id, ':', 1)", "split_part(scope_id, ':', 2)"
    if publisher is not None:
        where += f" AND {pid} = ?"
        params.append(publisher)
    if category is not None:
        where += f" AND {cat} = ?"
        params.append(category)
    key = {"overall": "'all'", "type": "publisher_type", "category": cat, "publisher": pid}[group_by]
    name = {"overall": "'全体'", "type": "publisher_type", "category": cat, "publisher": "any_value(scope_name)"}[group_by]
    ptype = {"type": "publisher_type", "publisher": "any_value(publisher_type)"}.get(group_by, "NULL")
    missing = ", flatten(list(missing)) AS missing" if include_missing else ""
    sql = (f"SELECT strftime(as_of, '%Y-%m-%d') AS as_of, '{group_by}' AS scope, {key} AS scope_id, "
           f"{name} AS scope_name, {ptype} AS publisher_type, measure, "
           f"sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator, "
           f"CASE WHEN sum(denominator) > 0 THEN sum(numerator) / sum(denominator) END AS rate{missing} "
           f"FROM {source} WHERE {where} GROUP BY as_of, {key}, measure "
           f"ORDER BY as_of, scope_id, list_position({list(ALL_MEASURES)}, measure)")
    with cursor() as con:
        return con.sql(sql, params=params).to_arrow_table().to_pylist()
