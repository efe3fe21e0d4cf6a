"""Uploaded resource files: ``<home>/catalog/files/<resource_id>/<filename>``, written to a temp name and renamed."""
from __future__ import annotations

import mimetypes
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

_EXTRA_TYPES = {".parquet": "application/vnd.apache.parquet", ".geojson": "application/geo+json",
                ".csv": "text/csv", ".json": "application/json", ".jsonld": "application/ld+json",
                ".ttl": "text/turtle", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_FORMATS = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "parquet": "Parquet", "xlsx": "XLSX", "xls": "XLS",
            "pdf": "PDF", "zip": "ZIP", "xml": "XML", "html": "HTML", "txt": "TXT", "rdf": "RDF", "ttl": "TTL",
            "jsonld": "JSON-LD", "tsv": "TSV", "shp": "SHP", "kml": "KML"}


@dataclass(frozen=True)
class Upload:
    """A file sent with ``resource_create``/``resource_update`` (multipart field or ckanapi-style argument)."""

    filename: str
    fileobj: IO[bytes]

    @classmethod
    def from_value(cls, value: Any) -> Upload | None:
        """Accept what ckanapi accepts: a file object, or a ``(filename, fileobj[, content_type])`` tuple."""
        if isinstance(value, Upload):
            return value
        if isinstance(value, (tuple, list)) and len(value) >= 2 and hasattr(value[1], "read"):
            return cls(str(value[0]), value[1])
        if hasattr(value, "read"):
            return cls(os.path.basename(str(getattr(value, "name", "") or "upload")), value)
        return None


def safe_filename(name: str) -> str:
    """The last path component, NFC, without control characters; Japanese names are kept (RFC 6266 serves them)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    return name[:200] or "upload"


def resource_dir(files_dir: Path, resource_id: str) -> Path:
    return files_dir / resource_id


def save(files_dir: Path, resource_id: str, upload: Upload) -> tuple[str, int]:
    """Store the upload (replacing an older file of the resource); returns (filename, size)."""
    filename = safe_filename(upload.filename)
    folder = resource_dir(files_dir, resource_id)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(upload.fileobj, "seek"):
                try:
                    upload.fileobj.seek(0)
                except (OSError, ValueError):
                    pass  # unseekable streams are read from where they are
            while chunk := upload.fileobj.read(1 << 20):
                out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
        size = os.path.getsize(tmp)
        os.replace(tmp, folder / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in folder.iterdir():  # a new upload replaces the resource's previous file
        if old.name != filename and not old.name.startswith(".upload-"):
            old.unlink(missing_ok=True)
    return filename, size


def guess_mimetype(name_or_url: str | None) -> str | None:
    if not name_or_url:
        return None
    suffix = Path(name_or_url.split("?", 1)[0]).suffix.lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name_or_url)[0]


def guess_format(name_or_url: str | None) -> str:
    suffix = Path((name_or_url or "").split("?", 1)[0]).suffix.lower().lstrip(".")
    return _FORMATS.get(suffix, suffix.upper())


def clean_format(fmt: str | None) -> str:
    """Canonical spelling of well-known formats (``csv`` -> ``CSV``), other values unchanged."""
    if not fmt:
        return ""
    return _FORMATS.get(fmt.strip().lower().lstrip("."), fmt.strip())


def download_url(site_url: str, package_id: str, resource_id: str, filename: str) -> str:
    return f"{site_url.rstrip('/')}/dataset/{package_id}/resource/{resource_id}/download/{quote(filename)}"


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus ``filename*`` in UTF-8 so Japanese names survive every browser."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def column_names(path: Path) -> list[str]:
    """The column names of an uploaded table (Parquet schema, or a UTF-8 CSV's header row); [] for anything else."""
    import csv

    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
                return next(csv.reader([fh.readline(1 << 16)]), [])
    except (OSError, ValueError, StopIteration):
        return []
    return []
