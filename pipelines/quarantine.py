"""A source file that cannot be read becomes a report, not a crash: the reason is an error finding, the bytes
are copied to ``<home>/quarantine/<dataset>/``, and an empty table stands for the version, so the blocking
checks stop the release and the version published before stays published.

Unreadable means: no encoding decodes it (``DecodeError``), an HTML page or other non-data file was served,
the archive or workbook is broken or truncated, no header row was found, or there are no data rows.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineError, XmlError, ZipError

from pipelines.declarations import Dataset
from pipelines.ingest import TableResult, build_table
from pipelines.normalize.findings import FindingLog
from pipelines.read.archive import ArchiveError
from pipelines.read.encoding import DecodeError
from quality.standards import Standard

ROW = "_row"
READ_ERRORS = (DecodeError, ArchiveError, zipfile.BadZipFile, CalamineError, XmlError, ZipError, UnicodeError)
NOT_DATA = (b"<!doctype html", b"<html", b"<?xml version", b"%pdf-")


def build_or_quarantine(raw_path: Path, ds: Dataset, standard: Standard | None, out_path: Path, *,
                        filename: str | None = None, quarantine_dir: Path | None = None) -> TableResult:
    """``build_table``, or — when the file cannot be read — an empty table with an ``unreadable-source`` error
    naming the reason (and the file copied to ``quarantine_dir``). Zero data rows is ``no-data-rows``."""
    raw_path, out_path = Path(raw_path), Path(out_path)
    reason = _not_data(raw_path)
    if reason is None:
        try:
            res = build_table(raw_path, ds, standard, out_path, filename=filename)
        except READ_ERRORS as e:
            reason = f"{type(e).__name__}: {e}"
        except ValueError as e:                  # sniffing: header_row beyond the head, names not fitting …
            reason = f"{type(e).__name__}: {e}"
        else:
            if res.rows == 0:
                log = FindingLog()
                log.add("no-data-rows", None)
                res.findings.extend(log.findings())
            if res.rows == 0 or any(f.type == "no-header" for f in res.findings):
                _quarantine(raw_path, filename, quarantine_dir)
            return res
    _quarantine(raw_path, filename, quarantine_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in standard.columns] if standard else []     # empty, so only the reason is reported
    pq.write_table(pa.table({**{n: pa.array([], pa.string()) for n in names}, ROW: pa.array([], pa.int64())}), out_path)
    log = FindingLog()
    log.add("unreadable-source", None, examples=[reason[:300]])
    return TableResult(0, names + [ROW], {}, [], log.findings(),
                       {"unreadable": reason, "filename": filename or raw_path.name})


def _not_data(path: Path) -> str | None:
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "the file is empty"
    for magic in NOT_DATA:
        if head.startswith(magic):
            return f"not a data file: it starts with {magic.decode()!r} (a web page or document was served)"
    return None


def _quarantine(raw: Path, filename: str | None, folder: Path | None) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw, folder / f"{raw.name[:16]}-{Path(filename or raw.name).name}")
