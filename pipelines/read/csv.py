"""Stream a CSV file as Arrow tables of strings, ~128k rows each, with ``_row`` = source line of each record.

The file is decoded once, by Python's strict codec, in 1 MiB chunks (reference §2.5: pyarrow's own
``encoding=`` goes through the same codec, but gives no byte offsets for errors). The UTF-8 bytes pass a numpy
``RecordScanner`` (line numbers, record ends) and are cut into blocks of whole records that Arrow parses.
Memory depends on the block size, not the file size (baselines §1: streaming kept 1 GB under 250 MB).
"""
from __future__ import annotations

import csv as pycsv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.normalize.findings import FindingLog
from pipelines.read.blanks import drop_non_records
from pipelines.read.encoding import CHUNK_BYTES, iter_decoded
from pipelines.read.records import RecordScanner, field_counts
from pipelines.read.sniff import CsvLayout

ROW = "_row"
BLOCK_BYTES = 1 << 20                  # Arrow's parse unit inside a block (its threads split on these)
# Blocks are small (the writer gathers ~128k-row row groups): big Python bytes objects fragment the heap,
# and RSS on a 1 GB file grew with the block size (+230 MB at 128k rows, +95 MB at 32k rows).
ROWS_PER_BLOCK = 32 * 1024
MAX_BLOCK_BYTES = 16 << 20             # a block is cut earlier when records are long
PASSTHROUGH = ("utf-8", "utf-8-sig")


def utf8_chunks(path: Path, layout: CsvLayout) -> Iterator[bytes]:
    """The file's text from ``layout.data_line`` on, as UTF-8 bytes in ~1 MiB chunks (decoded exactly once)."""
    passthrough = layout.encoding in PASSTHROUGH        # already UTF-8: validated by the decoder, passed as is
    skip = layout.data_offset + (3 if layout.encoding == "utf-8-sig" else 0)
    for text, raw in iter_decoded(path, layout.encoding, CHUNK_BYTES):
        data = raw if passthrough else text.encode("utf-8")
        if skip:
            data, skip = data[skip:], max(0, skip - len(data))
        if data:
            yield data


def stream_csv(path: Path, layout: CsvLayout, log: FindingLog,
               rows_per_block: int = ROWS_PER_BLOCK) -> Iterator[pa.Table]:
    """All-string tables named ``layout.names`` plus ``_row``, ~``rows_per_block`` rows each.

    Decoded chunks collect in a buffer until it holds enough records; the buffer is cut after the last record
    terminator the scanner saw and that block is parsed by Arrow's (multi-threaded, GIL-free) CSV parser.
    Parsing whole blocks from memory avoids Arrow calling back into Python for every read.
    """
    scanner = RecordScanner(layout.data_line, layout.delimiter, layout.quote)
    chunks: list[bytes] = []
    base = size = 0                                  # stream offset of chunks[0], bytes held
    for data in utf8_chunks(path, layout):
        scanner.feed(data)
        chunks.append(data)
        size += len(data)
        if (scanner.pending >= rows_per_block or size >= MAX_BLOCK_BYTES) and scanner.last_end >= base:
            block, chunks = _cut(chunks, scanner.last_end + 1 - base)
            yield parse_block(block, base, layout, scanner, log)
            base += len(block)
            size = sum(len(c) for c in chunks)
            del block
    scanner.finish()
    if scanner.pending:
        yield parse_block(b"".join(chunks), base, layout, scanner, log)
    if scanner.blank_count:
        log.add("blank-rows", None, scanner.blank_lines, count=scanner.blank_count)


def _cut(chunks: list[bytes], n: int) -> tuple[bytes, list[bytes]]:
    """The first ``n`` bytes of the chunks as one block (the only copy), and the chunks left after it."""
    taken = 0
    for i, chunk in enumerate(chunks):
        if taken + len(chunk) >= n:
            k = n - taken
            return b"".join(chunks[:i] + [chunk[:k]]), [chunk[k:]] + chunks[i + 1:]
        taken += len(chunk)
    return b"".join(chunks), []


def parse_block(block: bytes, base: int, layout: CsvLayout, scanner: RecordScanner, log: FindingLog) -> pa.Table:
    """One block of whole records → table with ``_row``; rows Arrow rejects for their field count are
    rescued (padded or trimmed, and logged) so no record is lost."""
    ncols = len(layout.names)
    lines, ends, multiline = scanner.take_until(base + len(block))
    rejected: list[str] = []
    table = pacsv.read_csv(
        pa.py_buffer(block),
        read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(ncols)], block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, quote_char=layout.quote or False,
                                         newlines_in_values=multiline,
                                         invalid_row_handler=lambda row: rejected.append(row.text) or "skip"),
        convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(ncols)},
                                             strings_can_be_null=True, quoted_strings_can_be_null=True,
                                             null_values=[""], check_utf8=False),
    ).rename_columns(layout.names)
    if not rejected:
        return drop_non_records(_with_rows(table, lines, log), log)
    good = field_counts(block, ends - base, layout.delimiter, layout.quote) == ncols
    rescued = _rescue(rejected, lines[~good], layout, log)
    merged = pa.concat_tables([_with_rows(table, lines[good], log), rescued])
    return drop_non_records(merged.sort_by(ROW) if merged.column(ROW).null_count == 0 else merged, log)


def _with_rows(table: pa.Table, lines: np.ndarray, log: FindingLog) -> pa.Table:
    if lines.size != table.num_rows:            # the scanner and Arrow disagree (a stray quote): never invent
        log.add("row-numbers-approximate", None, count=abs(table.num_rows - lines.size))
        lines = np.resize(np.full(1, -1), table.num_rows)
    return table.append_column(ROW, pa.array(lines, pa.int64(), mask=lines < 0))


def _rescue(rejected: list[str], lines: np.ndarray, layout: CsvLayout, log: FindingLog) -> pa.Table:
    """Rows with too few fields are padded with nulls, rows with too many lose the (logged) extras."""
    ncols, names = len(layout.names), layout.names
    lines = list(lines[: len(rejected)]) + [-1] * (len(rejected) - lines.size)
    kept: list[list[str | None]] = []
    kept_lines = []
    for text, line in zip(rejected, lines):
        cells = next(pycsv.reader([text], delimiter=layout.delimiter, quotechar=layout.quote or '"'), [])
        if not any(c.strip() for c in cells):
            log.add("blank-rows", None, [line])        # a whitespace-only line, not a record
            continue
        if len(cells) < ncols:
            log.add("short-row", None, [line], [text[:200]])
        elif any(c.strip() for c in cells[ncols:]):
            log.add("long-row", None, [line], [text[:200]])
        kept.append([c if c != "" else None for c in (cells + [""] * ncols)[:ncols]])
        kept_lines.append(line)
    columns = {n: pa.array([r[i] for r in kept], pa.string()) for i, n in enumerate(names)}
    columns[ROW] = pa.array(kept_lines, pa.int64())
    return pa.table(columns)
