"""The table preview and the map data of a dataset page, both from ``datastore_search`` (as API clients get them)."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import NotAuthorized, NotFound, SearchError, ValidationError
from catalog.web.page import PageRequest

PREVIEW_ROWS = 10
MAP_POINTS = 200          # the no-JS coordinate table; the JS map draws every feature of the GeoJSON file
LAT, LON = "緯度", "経度"
_NAME_COLUMNS = ("名称", "施設名", "名前", "name")
# What a marker's popup shows, in this order, when the table has it (the 自治体標準 columns, quality/standards/;
# the name column is the popup's heading): address, phone, opening days and hours, kind, accessibility, URL.
POPUP_COLUMNS = ("所在地_連結表記", "住所", "所在地", "設置位置", "電話番号", "連絡先電話番号", "利用可能曜日",
                 "利用開始時間", "利用終了時間", "開始時間", "終了時間", "利用可能時間特記事項", "利用可能日時特記事項",
                 "診療曜日", "診療開始時間", "診療終了時間", "種別", "分類", "種類", "医療機関の種類", "文化財分類",
                 "バリアフリートイレ数", "車椅子使用者用トイレ有無", "収容人数", "URL", "備考")
POPUP_MAX = 10
# Columns the map's select filters on, first found wins (map.js falls back to another text column with few values).
CATEGORY_COLUMNS = ("種別", "分類", "種類", "医療機関の種類", "文化財分類", "設置者", "所在地_市区町村", "所在地_町字",
                    "設置位置", "車椅子使用者用トイレ有無", "利用可能曜日")
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
    popup_columns: list[str] = ()       # the key attributes a popup lists (POPUP_COLUMNS the table has)
    category_columns: list[str] = ()    # candidates for the map's select filter (CATEGORY_COLUMNS the table has)
    text_columns: list[str] = ()        # columns the map's text filter searches
    explorer_url: str = ""              # a marker's row: this URL + ?f.緯度=…&f.経度=…


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
    popup = [c for c in POPUP_COLUMNS if c in ids and c != name][:POPUP_MAX]
    text = [name] + [c for c in ("所在地_連結表記", "住所", "所在地", "設置位置") if c in ids]
    return MapData(geojson_url, name, points, popup, [c for c in CATEGORY_COLUMNS if c in ids], text,
                   table.explorer_url)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
