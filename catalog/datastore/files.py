"""Where a resource's table comes from: its uploaded file, or a Parquet made once from an uploaded CSV."""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from catalog.datastore.db import INTERNAL_PREFIX


def uploaded_file(home: Path, resource_id: str) -> Path | None:
    """The stored upload of a resource, ``<home>/catalog/files/<resource_id>/<filename>``."""
    folder = Path(home) / "catalog" / "files" / resource_id
    if not folder.is_dir():
        return None
    found = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return found[0] if len(found) == 1 else None


def csv_header(path: Path) -> list[str]:
    """The header row of a UTF-8 CSV (BOM stripped)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def parquet_columns(path: Path) -> list[str]:
    return [n for n in pq.read_schema(path).names if not n.startswith(INTERNAL_PREFIX)]


def csv_as_parquet(home: Path, resource_id: str, csv_path: Path) -> Path:
    """``<home>/catalog/datastore/<resource_id>.parquet``: the CSV with every column as text, built once.

    All-text is what CKAN's xloader does by default (no type guessing): a guessed type turns ``"011002"`` or
    ``0164A`` into errors (ckanext-xloader#276). Rebuilt when the CSV is newer than the conversion.
    """
    out = Path(home) / "catalog" / "datastore" / f"{resource_id}.parquet"
    if out.exists() and out.stat().st_mtime_ns >= csv_path.stat().st_mtime_ns:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{resource_id}-", suffix=".parquet")
    os.close(fd)
    try:
        with duckdb.connect() as con:  # a private, throwaway database: only our own fixed paths are read here
            con.execute("COPY (SELECT * FROM read_csv(?, all_varchar=true, header=true, encoding='utf-8')) "
                        "TO '" + tmp.replace("'", "''") + "' (FORMAT parquet)", [str(csv_path)])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
