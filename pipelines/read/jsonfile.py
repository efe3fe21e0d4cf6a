"""JSON arrays of records and GeoJSON FeatureCollections → all-string tables.

``_row`` is the line where each record (or Feature) starts in the file. Point geometries become 緯度/経度
(GeoJSON is [lon, lat]); other geometries are kept as a ``geometry`` JSON column, never dropped.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from pathlib import Path

import pyarrow as pa

from pipelines.read.encoding import detect_encoding, iter_text

ROW = "_row"


def load_text(path: Path, encoding: str = "auto") -> str:
    return "".join(iter_text(path, detect_encoding(path, encoding)))


def _elements(text: str, start: int) -> list[tuple[int, object]]:
    """(offset, value) of each element of the JSON array whose ``[`` is at ``start``."""
    decoder, out, pos = json.JSONDecoder(), [], start + 1
    ws = re.compile(r"[\s,]*")
    while True:
        pos = ws.match(text, pos).end()
        if pos >= len(text) or text[pos] == "]":
            return out
        value, end = decoder.raw_decode(text, pos)
        out.append((pos, value))
        pos = end


def _records(text: str) -> tuple[list[tuple[int, dict]], str]:
    doc = json.loads(text)                       # validates the whole document first, with a clear error
    if isinstance(doc, list):
        return _elements(text, text.index("[")), "json"
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        m = re.search(r'"features"\s*:\s*\[', text)
        return _elements(text, m.end() - 1), "geojson"
    lists = [k for k, v in doc.items() if isinstance(v, list)] if isinstance(doc, dict) else []
    if len(lists) == 1:                          # {"data": [...]} wrappers
        m = re.search(r'"%s"\s*:\s*\[' % re.escape(lists[0]), text)
        return _elements(text, m.end() - 1), "json"
    raise ValueError("JSON must be an array of records, a GeoJSON FeatureCollection or an object with one array")


def _flat(record: object, kind: str) -> dict[str, object]:
    if kind != "geojson":
        return record if isinstance(record, dict) else {"value": record}
    props = dict(record.get("properties") or {})
    geom = record.get("geometry") or {}
    if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
        lon, lat = geom["coordinates"][:2]
        props.setdefault("緯度", lat)
        props.setdefault("経度", lon)
    elif geom:
        props["geometry"] = geom
    return props


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_json(path: Path, encoding: str = "auto") -> tuple[pa.Table, dict]:
    """All-string table (columns in first-seen order, + ``_row``) and ``{"format": "json"|"geojson"}``."""
    text = load_text(path, encoding)
    items, kind = _records(text)
    newlines = [m.start() for m in re.finditer("\n", text)]
    flat = [_flat(rec, kind) for _, rec in items]
    names: dict[str, None] = {}
    for rec in flat:
        names.update(dict.fromkeys(str(k) for k in rec))
    columns = {n: pa.array([_text(r.get(n)) for r in flat], pa.string()) for n in names}
    columns[ROW] = pa.array([bisect_right(newlines, off) + 1 for off, _ in items], pa.int64())
    return pa.table(columns), {"format": kind, "names": list(names)}
