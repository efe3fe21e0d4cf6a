"""What one CKAN package dict achieves: published, conformant, valid, fresh, machine-readable.

Works on any CKAN's package dicts (ours, or a remote one's ``package_search`` results), so it reads only
core CKAN fields plus the string extras our pipeline writes (docs/INTERFACES.md).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Iterable

MEASURES = ("published", "conformant", "valid", "fresh", "machine_readable")

# Mirrors pipelines.declarations.Frequency.delta — catalog/ may not import pipelines/ (one-way arrow);
# tests/catalog/test_metrics.py checks the two tables agree.  None = no schedule, always on time.
FREQUENCY_DELTAS: dict[str, timedelta | None] = {
    "continuous": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=31), "quarterly": timedelta(days=92), "semiannual": timedelta(days=183),
    "yearly": timedelta(days=366), "irregular": None,
}
# EU/udata spellings a remote CKAN may carry, and the free-text 更新頻度 of the Tokyo catalog (jp_standards §1f).
_FREQUENCY_ALIASES = {"annual": "yearly", "biannual": "semiannual", "punctual": "irregular", "unknown": "irregular",
                      "never": "irregular", "hourly": "continuous"}
_JA_FREQUENCY = [
    (re.compile(r"随時|不定期|更新無|更新なし|公開時"), "irregular"),
    (re.compile(r"四半期|3[かヶケカ箇]?月"), "quarterly"),
    (re.compile(r"半年|6[かヶケカ箇]?月"), "semiannual"),
    (re.compile(r"年"), "yearly"), (re.compile(r"月"), "monthly"), (re.compile(r"週"), "weekly"),
    (re.compile(r"日"), "daily"),
]

# Tim Berners-Lee's 5-star scheme by file format; 5★ (links to other data) cannot be seen from a format.
_STARS = {
    1: "PDF DOC DOCX PPT PPTX JPG JPEG PNG GIF TIF TIFF HTML HTM TXT",
    2: "XLS XLSX XLSM SHP",
    3: "CSV TSV JSON GEOJSON PARQUET XML ODS KML GML GPKG",
    4: "RDF TTL TURTLE JSON-LD JSONLD N3 NT NQ TRIG",
}
STAR_LEVELS = {fmt: stars for stars, names in _STARS.items() for fmt in names.split()}
_MIMETYPES = {
    "text/csv": "CSV", "application/json": "JSON", "application/geo+json": "GEOJSON", "application/pdf": "PDF",
    "application/vnd.ms-excel": "XLS", "application/xml": "XML", "text/xml": "XML",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.apache.parquet": "PARQUET", "text/turtle": "TTL", "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF",
}
MACHINE_READABLE_STARS = 3


def extras(pkg: dict) -> dict[str, str]:
    """CKAN ``extras`` as a dict; schema-extended sites (ckanext-scheming) put them top level instead."""
    out = {k: v for k, v in pkg.items() if isinstance(v, str)}
    for item in pkg.get("extras") or []:
        if isinstance(item, dict) and "key" in item:
            out[item["key"]] = "" if item.get("value") is None else str(item["value"])
    return out


def is_published(pkg: dict) -> bool:
    private = pkg.get("private", False)
    if isinstance(private, str):   # some harvested dumps carry "True"/"False"
        private = private.strip().lower() == "true"
    return not private and (pkg.get("state") or "active") == "active"


def organization_name(pkg: dict) -> str | None:
    org = pkg.get("organization")
    return org.get("name") if isinstance(org, dict) else None


# ---------------------------------------------------------------------------------------------------------
# freshness (udata: next_update = last_update + delta; on time = now <= next_update + grace)


def normalise_frequency(value: str | None) -> str | None:
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    low = text.lower()
    if low in FREQUENCY_DELTAS:
        return low
    if low in _FREQUENCY_ALIASES:
        return _FREQUENCY_ALIASES[low]
    return next((freq for pattern, freq in _JA_FREQUENCY if pattern.search(text)), None)


def grace(delta: timedelta) -> timedelta:
    """10 % of the period, at least a day: a yearly file published a week late is still 'on time'."""
    return max(delta / 10, timedelta(days=1))


def last_update(pkg: dict, ext: dict[str, str]) -> date | None:
    for value in (ext.get("data_modified"), pkg.get("metadata_modified")):
        if value:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


def is_fresh(pkg: dict, ext: dict[str, str], as_of: date) -> bool:
    freq = normalise_frequency(ext.get("update_frequency") or ext.get("更新頻度"))
    delta = FREQUENCY_DELTAS.get(freq) if freq else None
    if delta is None:                     # irregular or undeclared: nothing to be late for
        return True
    updated = last_update(pkg, ext)
    if updated is None:                   # a schedule but no date: cannot show it is on time
        return False
    return as_of - updated <= delta + grace(delta)


# ---------------------------------------------------------------------------------------------------------
# machine readability


def resource_format(res: dict) -> str:
    fmt = (res.get("format") or "").strip().upper().lstrip(".")
    if fmt:
        return _MIMETYPES.get(fmt.lower(), fmt)
    mime = (res.get("mimetype") or "").split(";")[0].strip().lower()
    if mime in _MIMETYPES:
        return _MIMETYPES[mime]
    path = (res.get("url") or "").split("?")[0].split("#")[0]
    return path.rsplit(".", 1)[-1].upper() if "." in path.rsplit("/", 1)[-1] else ""


def star_level(resources: Iterable[dict]) -> int:
    """Stars of the best live resource (0 when none has a known format)."""
    return max((STAR_LEVELS.get(resource_format(r), 0) for r in resources
                if (r.get("state") or "active") == "active"), default=0)


# ---------------------------------------------------------------------------------------------------------


def package_measures(pkg: dict, as_of: date) -> frozenset[str]:
    """The measures this package meets; every measure implies published, so a private one meets none."""
    if not is_published(pkg):
        return frozenset()
    ext = extras(pkg)
    met = {"published"}
    if ext.get("standard_conformant", "").lower() == "true":
        met.add("conformant")
    if ext.get("quality_status") == "valid":
        met.add("valid")
    if is_fresh(pkg, ext, as_of):
        met.add("fresh")
    if star_level(pkg.get("resources") or []) >= MACHINE_READABLE_STARS:
        met.add("machine_readable")
    return frozenset(met)
