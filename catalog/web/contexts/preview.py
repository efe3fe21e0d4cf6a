"""The table preview and the map data of a dataset page, both from ``datastore_search`` (as API clients get them)."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import NotAuthorized, NotFound, SearchError, ValidationError
from catalog.web.page import PageRequest

PREVIEW_ROWS = 10
MAP_POINTS = 200          # the no-JS coordinate table; the JS map draws every feature of the GeoJSON file
LAT, LON = "緯度", "経度"
_NAME_COLUMNS = ("名称", "施設名", "名前", "name")
# Preview the format people download; the DataStore serves a CSV from its Parquet sibling, so types survive.
_PREFERRED = ("CSV", "PARQUET", "JSON")


@dataclass(frozen=True)
class Preview:
    resource_id: str
    resource_format: str
    columns: list[dict]                 # [{"id", "type"}] without the DataStore's ``_id``
    rows: list[list]
    total: int
    explorer_url: str = ""              # the resource page's explorer: every row, sort, filters


@dataclass(frozen=True)
class MapData:
    geojson_url: str | None
    name_column: str
    points: list[dict]                  # [{"name", "lat", "lon"}]


def pick_resource(pkg: dict) -> dict | None:
    active = [r for r in pkg.get("resources") or [] if r.get("datastore_active")]
    for fmt in _PREFERRED:
        for res in active:
            if (res.get("format") or "").upper() == fmt:
                return res
    return active[0] if active else None


def preview(req: PageRequest, res: dict | None) -> Preview | None:
    if res is None:
        return None
    try:
        found = req.call("datastore_search", {"resource_id": res["id"], "limit": PREVIEW_ROWS})
    except (NotFound, NotAuthorized, ValidationError, SearchError):
        return None           # a file the DataStore cannot read: the page still offers the downloads
    columns = [f for f in found["fields"] if f["id"] != "_id"]
    rows = [[record.get(c["id"]) for c in columns] for record in found["records"]]
    explorer = req.url(f"/dataset/{req.path_params.get('name', '')}/resource/{res['id']}")
    return Preview(res["id"], (res.get("format") or "").upper(), columns, rows, found.get("total", len(rows)),
                   explorer)


def map_data(req: PageRequest, pkg: dict, table: Preview | None, geojson_url: str | None) -> MapData | None:
    """Points for tables with 緯度/経度 (None otherwise)."""
    if table is None or not {LAT, LON} <= {c["id"] for c in table.columns}:
        return None
    ids = [c["id"] for c in table.columns]
    name = next((c for c in _NAME_COLUMNS if c in ids), next((c for c in ids if c not in (LAT, LON)), LAT))
    found = req.call("datastore_search", {"resource_id": table.resource_id, "limit": MAP_POINTS,
                                          "fields": [name, LAT, LON], "include_total": False})
    points = []
    for record in found["records"]:
        lat, lon = _number(record.get(LAT)), _number(record.get(LON))
        if lat is not None and lon is not None:
            points.append({"name": str(record.get(name) or ""), "lat": lat, "lon": lon})
    return MapData(geojson_url, name, points)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
