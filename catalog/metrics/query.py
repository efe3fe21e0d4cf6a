"""Reading the publication-rate history with an in-memory DuckDB over ``metrics/*.parquet``.

The catalog server never opens ``warehouse.duckdb`` (DESIGN: one writer); Parquet is read directly.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from .history import DAY, SCHEMA, cursor, has_leftovers, overlaps, scan, snapshot_files
from .rates import ALL_MEASURES, SCOPES

COLUMNS = SCHEMA.names                     # row keys, in schema order


def latest_snapshot_date(home: Path) -> date | None:
    files = snapshot_files(home)
    days = [p for p in files if len(p) == DAY]
    if days:
        return date.fromisoformat(max(days))    # folding keeps the newest day's month as day files
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


def _source(home: Path, date_from: date | None, date_to: date | None) -> tuple[str | None, str]:
    """(``FROM`` item over the files whose period overlaps the range, ``QUALIFY`` clause or "").

    After an interrupted fold a day can be in two files; then each row comes from the finer file (the longer
    period name), decided after the filters so only the rows asked for are ranked.
    """
    lo, hi = date_from or date.min, date_to or date.max
    picked = {p: f for p, f in snapshot_files(home).items() if overlaps(p, lo, hi)}
    if not picked:
        return None, ""
    if not has_leftovers(picked):
        return scan(list(picked.values())), ""
    qualify = (" QUALIFY row_number() OVER (PARTITION BY as_of, scope, scope_id, measure "
               "ORDER BY length(filename) DESC) = 1")
    return scan(list(picked.values()))[:-1] + ", filename = true)", qualify


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
    source, qualify = _source(home, date_from, date_to)
    if source is None:
        return []
    filters = {"scope": scope, "measure": measure, "publisher_type": publisher_type}
    if publisher is not None:
        filters.update(scope=scope or "publisher", scope_id=publisher)
    if category is not None:
        filters.update(scope=scope or "category", scope_id=category)
    where, params = _where(filters, date_from, date_to)
    columns = ", ".join(c for c in COLUMNS if include_missing or c != "missing")
    order = f"as_of, list_position({list(SCOPES)}, scope), scope_id, list_position({list(ALL_MEASURES)}, measure)"
    sql = f"SELECT {columns} FROM {source} WHERE {where}{qualify} ORDER BY {order}"
    with cursor() as con:
        return _to_rows(con.sql(sql, params=params).to_arrow_table())
