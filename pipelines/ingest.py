"""Source bytes → the standardized Parquet table of a dataset (the ``<id>/table`` asset's work).

Decode (BOM → strict UTF-8 → CP932 → EUC-JP, never lossy), parse (CSV streamed, Excel, JSON, GeoJSON, one
member of a ZIP), map headers to the standard, normalise values, write Parquet atomically with zstd.
Reading runs in a second thread while this one normalises and writes, so both cores work.
"""
from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.declarations import Dataset, ReadOptions
from pipelines.normalize.convert import ROW, Normalizer, schema
from pipelines.normalize.findings import FindingLog
from pipelines.normalize.plan import Plan, make_plan
from pipelines.read.archive import extract_member
from pipelines.read.formats import detect_format
from pipelines.read.table import Opened, open_table
from quality.findings import Finding
from quality.standards import Standard

ROWS_PER_GROUP = 128 * 1024


@dataclass
class TableResult:
    rows: int
    columns: list[str]                       # output columns in order, ``_row`` last
    mapping: dict[str, str]                  # source column → standard column
    unmapped: list[str]                      # source columns kept after the standard ones
    findings: list[Finding] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)   # format, encoding, dialect, header row, '#' comments …


def build_table(raw_path: Path, ds: Dataset, standard: Standard | None, out_path: Path, *,
                filename: str | None = None) -> TableResult:
    """Read ``raw_path`` as declared by ``ds``, standardize it against ``standard``, write ``out_path``."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    log = FindingLog()
    with _unpacked(Path(raw_path), filename, getattr(ds.source, "member", None), out_path.parent) as (path, name, meta):
        fmt = detect_format(path, name, ds.read.format)
        opened = open_table(path, fmt, ds.read, log)
        if (fmt in ("csv", "xlsx", "xls") and opened.metadata.get("header_row") is None and not ds.read.names
                and ds.read.header_row == "auto"):
            log.add("no-header", None)
        plan = _plan(opened, ds, standard)
        rows = write_parquet(opened.batches, plan, out_path, log, {**meta, **opened.metadata})
    for note in plan.notes:
        log.add(*note)
    metadata = {**meta, **opened.metadata, "notes": source_notes(opened.metadata.get("preamble", []), log.notes)}
    return TableResult(rows, [c.name for c in plan.columns] + [ROW], plan.mapping, plan.unmapped,
                       log.findings(), metadata)


def source_notes(above: list[str], below: list[tuple[int | None, str]]) -> list[str]:
    """The file's own notes (title, 出典, 注記 above the header; ※/注 rows below the data), in file order."""
    return [t.strip(",") for t in above if t.strip(",")] + [t for _, t in below]


@contextlib.contextmanager
def _unpacked(raw: Path, filename: str | None, member: str | None, workdir: Path):
    """(path, filename, metadata) of the data file; a ZIP member is extracted to a temp file for the duration."""
    if detect_format(raw, filename) != "zip":
        yield raw, filename or raw.name, {}
        return
    path, name = extract_member(raw, member, workdir)
    try:
        yield path, name, {"member": name}
    finally:
        path.unlink(missing_ok=True)


def _plan(opened: Opened, ds: Dataset, standard: Standard | None) -> Plan:
    """Columns without a header cell and without values in the sample (trailing commas) are left out."""
    empty = {n for n in opened.unnamed if not any(v not in (None, "") for v in opened.sample.get(n, []))}
    names = [n for n in opened.names if n not in empty]
    plan = make_plan(names, standard, ds.columns, opened.sample)
    if empty:
        opened.batches = _watch_unnamed(opened.batches, sorted(empty), plan)
    return plan


def _watch_unnamed(batches: Iterator[pa.Table], columns: list[str], plan: Plan) -> Iterator[pa.Table]:
    """Dropped unnamed columns must stay empty; values appearing later are reported, not lost silently."""
    for table in batches:
        for name in columns:
            if table.column(name).null_count < table.num_rows:
                plan.notes.append(("values-in-unnamed-column", name))
        yield table


def write_parquet(batches: Iterator[pa.Table], plan: Plan, out_path: Path, log: FindingLog,
                  metadata: dict | None = None) -> int:
    """Gather the read batches into ~128k-row groups, normalise each group and write it as one row group;
    temp file + rename, so readers never see half a file."""
    target = schema(plan).with_metadata({"opendata": json.dumps(metadata or {}, ensure_ascii=False, default=str)})
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    rows, normalize, group = 0, Normalizer(plan, log), []
    try:
        with pq.ParquetWriter(tmp, target, compression="zstd") as writer:
            for table in prefetch(batches):
                group.append(table)
                if sum(t.num_rows for t in group) >= ROWS_PER_GROUP:
                    rows += _write_group(writer, normalize(pa.concat_tables(group)), target)
                    group = []
            if group or not rows:
                rows += _write_group(writer, normalize(pa.concat_tables(group)) if group else target.empty_table(),
                                     target)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _write_group(writer: pq.ParquetWriter, table: pa.Table, target: pa.Schema) -> int:
    table = table.replace_schema_metadata(target.metadata)
    writer.write_table(table, row_group_size=max(table.num_rows, 1))
    return table.num_rows


def prefetch(items: Iterator, depth: int = 4) -> Iterator:
    """Run ``items`` in a background thread (decode + parse) while the caller works (normalise + write)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done, stop = object(), threading.Event()

    def produce():
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(item)
            q.put(done)
        except BaseException as e:       # re-raised in the consumer, with its traceback
            q.put(e)

    threading.Thread(target=produce, daemon=True, name="ingest-reader").start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            q.get_nowait()


def inspect_file(path: Path, read: ReadOptions | None = None) -> dict:
    """What the reader sees in ``path`` (encoding, dialect, header, metadata, rows, column types, best
    standards); implemented in ``pipelines.read.inspect``."""
    from pipelines.read.inspect import inspect_file as _inspect
    return _inspect(Path(path), read)
