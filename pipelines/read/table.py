"""One entry point over all readers: a file (already out of any archive) → names, sample, string batches."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pipelines.declarations import ReadOptions
from pipelines.normalize.findings import FindingLog
from pipelines.read.csv import ROWS_PER_BLOCK, stream_csv
from pipelines.read.excel import read_excel
from pipelines.read.jsonfile import read_json
from pipelines.read.sniff import CsvLayout, sniff_csv


@dataclass
class Opened:
    names: list[str]                                   # cleaned, unique source column names
    batches: Iterator[pa.Table]                        # all-string columns ``names`` + ``_row``
    sample: dict[str, list[str]]                       # first values per column (for planning)
    metadata: dict = field(default_factory=dict)       # format, encoding, dialect, header, '#' comments …
    unnamed: list[str] = field(default_factory=list)   # columns without a header cell


def open_table(path: Path, fmt: str, read: ReadOptions, log: FindingLog) -> Opened:
    if fmt == "csv":
        layout = sniff_csv(path, read)
        return Opened(layout.names, stream_csv(path, layout, log), _sample(layout.names, layout.sample),
                      csv_metadata(layout), _unnamed(layout.header, layout.names))
    if fmt in ("xlsx", "xls"):
        table, layout = read_excel(path, read, log)
        meta = {"format": fmt, "sheet": layout["sheet"], "header_row": layout["header_line"],
                "data_row": layout["data_line"], "comments": layout["comments"], "preamble": layout["preamble"]}
        return _whole(table, layout["names"], meta, _unnamed(layout["header"], layout["names"]))
    if fmt in ("json", "geojson"):
        table, meta = read_json(path, read.encoding)
        return _whole(table, meta["names"], meta, [])
    raise ValueError(f"cannot read format {fmt!r} here (archives are opened before)")


def csv_metadata(layout: CsvLayout) -> dict:
    return {"format": "csv", "encoding": layout.encoding, "delimiter": layout.delimiter,
            "newline": {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[layout.newline],
            "header_row": layout.header_line, "data_row": layout.data_line,
            "comments": layout.comments, "preamble": layout.preamble}


def _whole(table: pa.Table, names: list[str], meta: dict, unnamed: list[str]) -> Opened:
    sample = {n: table.column(n).slice(0, 200).to_pylist() for n in names}
    batches = (pa.Table.from_batches([b]) for b in table.to_batches(max_chunksize=ROWS_PER_BLOCK))
    return Opened(names, batches if table.num_rows else iter([table]), sample, meta, unnamed)


def _sample(names: list[str], rows: list[list[str]]) -> dict[str, list[str]]:
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}


def _unnamed(header: list[str] | None, names: list[str]) -> list[str]:
    if header is None:
        return []
    cells = list(header) + [""] * (len(names) - len(header))
    return [n for n, h in zip(names, cells) if not str(h).strip()]
