"""What a file is, from its first bytes (names lie: ``.csv`` downloads that are ZIPs or xlsx happen)."""
from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

FORMATS = ("csv", "xlsx", "xls", "json", "geojson", "zip")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(path: Path, filename: str | None = None, declared: str = "auto") -> str:
    """One of ``FORMATS``; a declared format other than ``auto`` wins (a ZIP is still a ZIP)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx" if _is_xlsx(path) else "zip"
    if declared != "auto":
        return declared
    if head.startswith(OLE2):
        return "xls"
    text = _strip_bom(head).lstrip()
    if text[:1] in (b"{", b"["):
        return "geojson" if b"FeatureCollection" in head else "json"
    suffix = Path(filename or path.name).suffix.lower()
    return {".geojson": "geojson", ".json": "json", ".xlsx": "xlsx", ".xls": "xls"}.get(suffix, "csv")


def _strip_bom(head: bytes) -> bytes:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            return head[len(bom):].replace(b"\x00", b"")
    return head


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
