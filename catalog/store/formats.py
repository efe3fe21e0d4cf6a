"""Download artifacts written from a published Parquet table: CSV (UTF-8 with BOM, so Excel opens Japanese text
correctly), JSON (an array of records) and GeoJSON (points from the standard 緯度/経度 columns).

Each writer takes ``(parquet_path, out_path)`` and writes to a temporary name renamed into place.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

LAT, LON = "緯度", "経度"
BOM = "\ufeff".encode()


@contextmanager
def _atomic(out: Path) -> Iterator[IO[bytes]]:
    out = Path(out)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(parquet: Path, out: Path) -> None:
    table = pq.read_table(parquet)
    with _atomic(out) as f:
        f.write(BOM)
        pacsv.write_csv(table, f, pacsv.WriteOptions(quoting_style="needed"))


def write_json(parquet: Path, out: Path) -> None:
    rows = pq.read_table(parquet).to_pylist()
    with _atomic(out) as f:
        f.write(json.dumps(rows, ensure_ascii=False, default=_json_value).encode())


def write_geojson(parquet: Path, out: Path) -> None:
    """One Point feature per row with both coordinates; rows without them are left out (GeoJSON has no
    place for them)."""
    table = pq.read_table(parquet)
    if LAT not in table.column_names or LON not in table.column_names:
        raise ValueError(f"{parquet} has no {LAT}/{LON} columns")
    features = [_feature(row) for row in table.to_pylist() if _number(row.get(LAT)) is not None
                and _number(row.get(LON)) is not None]
    with _atomic(out) as f:
        f.write(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                           default=_json_value).encode())


def _feature(row: dict) -> dict:
    coordinates = [_number(row[LON]), _number(row[LAT])]  # GeoJSON order: longitude, latitude
    properties = {k: v for k, v in row.items() if k not in (LAT, LON)}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}, "properties": properties}


def _number(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _json_value(value):
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


__all__ = ["write_csv", "write_json", "write_geojson"]
