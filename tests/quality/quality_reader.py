"""A small test-local reader for the realdata files (the pipeline's real reader is built elsewhere).

Decodes UTF-8 (with or without BOM) or CP932, skips `#` metadata rows (keeping a `#property` header),
records each record's SOURCE line number in `_row`, and returns all cells as text (blank → null).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa

from quality.headers import map_headers
from quality.standards import Standard

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
FIXTURES = Path(__file__).parent / "fixtures"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp932")


def read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(source line, cells)]). Multi-line quoted records keep the line they start on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header, rows, last = None, [], 0
    for cells in reader:
        start, last = last + 1, reader.line_num
        first = cells[0] if cells else ""
        if header is None:
            if first.startswith("#") and first != "#property":
                continue
            header = cells
        elif not first.startswith("#") and any(c.strip() for c in cells):
            rows.append((start, cells))
    return header, rows


def table_from_rows(header: list[str], rows: list[tuple[int, list[str]]]) -> pa.Table:
    cols = {h: [(r[i] if i < len(r) and r[i] != "" else None) for _, r in rows] for i, h in enumerate(header)}
    cols["_row"] = [line for line, _ in rows]
    return pa.table({k: pa.array(v, type=pa.int64() if k == "_row" else pa.string()) for k, v in cols.items()})


def read_csv(path: Path) -> pa.Table:
    header, rows = read_rows(decode(Path(path).read_bytes()))
    return table_from_rows(header, rows)


def read_xlsx(path: Path, sheet: str | None = None) -> pa.Table:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    data = wb.get_sheet_by_name(sheet or wb.sheet_names[0]).to_python()
    header = [str(h) for h in data[0]]
    rows = [(i + 1, [_cell(c) for c in r]) for i, r in enumerate(data) if i > 0]
    return table_from_rows(header, rows)


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def standardize(table: pa.Table, standard: Standard, extra: dict | None = None) -> pa.Table:
    """Rename mapped headers to the standard's names; unmapped columns stay as they are."""
    mapping, _ = map_headers([c for c in table.column_names if c != "_row"], standard, extra)
    return table.rename_columns([mapping.get(c, c) for c in table.column_names])
