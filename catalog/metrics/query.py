"""Reading the publication-rate history with an in-memory DuckDB over ``metrics/*.parquet``.

The catalog server never opens ``warehouse.duckdb`` (DESIGN: one writer); Parquet is read directly.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from .history import SCHEMA, cursor, month_of, snapshot_files, sql_path
from .rates import ALL_MEASURES, SCOPES

COLUMNS = SCHEMA.names                     # row keys, in schema order


def latest_snapshot_date(home: Path) -> date | None:
    days, months = snapshot_files(home)
    if days:
        return max(days)    # compaction keeps the newest month as daily files
    if not months:
        return None
    with cursor() as con:
        return con.sql(f"SELECT max(as_of) FROM read_parquet('{sql_path(months[max(months)])}')").fetchall()[0][0]


def has_snapshot(home: Path, day: date) -> bool:
    days, months = snapshot_files(home)
    if day in days:
        return True
    if month_of(day) not in months:
        return False
    with cursor() as con:
        q = f"SELECT count(*) FROM read_parquet('{sql_path(months[month_of(day)])}') WHERE as_of = ?"
        return con.sql(q, params=[day]).fetchall()[0][0] > 0


def _scan(paths: list[Path]) -> str:
    return "SELECT * FROM read_parquet([" + ", ".join(f"'{sql_path(p)}'" for p in paths) + "])"


def history_sources(home: Path, date_from: date | None, date_to: date | None) -> list[str]:
    """SQL ``SELECT``s covering the range, leaving out files whose name shows they are outside it.

    One multi-file scan for all clean files (DuckDB plans and parallelises it once); a month that still has
    daily files — crash leftovers — gets its own scan without those days, since the daily file wins.
    """
    days, months = snapshot_files(home)
    lo, hi = date_from or date.min, date_to or date.max
    clean = [p for d, p in sorted(days.items()) if lo <= d <= hi]
    sources = []
    for month, path in sorted(months.items()):
        if not month_of(lo) <= month <= month_of(hi):
            continue
        dup = [f"DATE '{d.isoformat()}'" for d in days if month_of(d) == month]
        if dup:
            sources.append(f"{_scan([path])} WHERE as_of NOT IN ({', '.join(dup)})")
        else:
            clean.append(path)
    return ([_scan(clean)] if clean else []) + sources


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


def _to_rows(table: pa.Table) -> list[dict]:
    rows = table.to_pylist()
    for row in rows:
        row["as_of"] = row["as_of"].isoformat()
    return rows


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
    sources = history_sources(home, date_from, date_to)
    if not sources:
        return []
    filters = {"scope": scope, "measure": measure, "publisher_type": publisher_type}
    if publisher is not None:
        filters.update(scope=scope or "publisher", scope_id=publisher)
    if category is not None:
        filters.update(scope=scope or "category", scope_id=category)
    where, params = _where(filters, date_from, date_to)
    columns = ", ".join(c for c in COLUMNS if include_missing or c != "missing")
    order = f"as_of, list_position({list(SCOPES)}, scope), scope_id, list_position({list(ALL_MEASURES)}, measure)"
    sql = f"SELECT {columns} FROM ({' UNION ALL '.join(sources)}) WHERE {where} ORDER BY {order}"
    with cursor() as con:
        return _to_rows(con.sql(sql, params=params).to_arrow_table())
