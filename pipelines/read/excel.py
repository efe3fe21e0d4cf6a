"""Excel workbooks (.xlsx, .xls) through python-calamine: sheet selection, title rows, header offset.

Spreadsheets are bounded (1,048,576 rows), so a sheet is read whole. Cells become strings the way a person
reads them: 45383.0 → ``45383`` (an unformatted date serial; the date normaliser converts it), a date cell →
``2024-04-01``. ``_row`` is the sheet's row number.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineWorkbook

from pipelines.declarations import ReadOptions
from pipelines.normalize.findings import FindingLog
from pipelines.read.blanks import drop_non_records
from pipelines.read.sniff import find_header

ROW = "_row"


def cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def sheet_rows(path: Path, sheet: str | int | None) -> tuple[str, list[list[str | None]]]:
    """(sheet name, cell texts) — ``sheet`` by name, by 0-based index, or the first sheet."""
    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    if isinstance(sheet, str) and sheet not in names:
        raise ValueError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(names)}")
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise ValueError(f"{path.name}: sheet index {sheet} out of range; sheets: {', '.join(names)}")
    name = sheet if isinstance(sheet, str) else names[sheet or 0]
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return name, [[cell_text(v) for v in row] for row in rows]


def read_excel(path: Path, read: ReadOptions | None = None, log: FindingLog | None = None) -> tuple[pa.Table, dict]:
    """The sheet's data rows as an all-string table (+ ``_row``) and its layout (header, title rows, names).
    Empty rows inside the data are kept for ``drop_non_records`` to count; empty rows after the last filled
    one are the sheet's unused area, not rows."""
    read = read or ReadOptions()
    name, rows = sheet_rows(path, read.sheet)
    recs = [(i, i, [c or "" for c in row]) for i, row in enumerate(rows, start=1) if any(row)]
    layout = find_header(recs, read)
    names = layout["names"]
    last = recs[-1][0] if recs else 0
    data = [(i, [c or "" for c in row]) for i, row in enumerate(rows, start=1) if layout["data_line"] <= i <= last]
    ncols = len(names)
    columns = {n: pa.array([(r + [""] * ncols)[k] or None for _, r in data], pa.string()) for k, n in enumerate(names)}
    columns[ROW] = pa.array([i for i, _ in data], pa.int64())
    layout.update(sheet=name, sheets=None)
    return drop_non_records(pa.table(columns), log if log is not None else FindingLog()), layout
