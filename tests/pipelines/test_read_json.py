"""JSON arrays of records and GeoJSON points → standardized tables with source line numbers."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.ingest import build_table
from quality.standards import Standard

STANDARD = Standard.model_validate({
    "slug": "x", "title": "AED", "title_en": "AED", "source": "test",
    "columns": [{"name": "名称", "aliases": ["name"]}, {"name": "緯度", "type": "latitude"},
                {"name": "経度", "type": "longitude"}, {"name": "開設日", "type": "date"}],
})


def ingest(tmp_path: Path, text: str, name: str, standard=STANDARD, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    ds = Dataset.model_validate({"id": "js-test", "publisher": "t131083", "title": {"ja": "テスト"},
                                 "source": {"kind": "file", "path": str(path)}})
    res = build_table(path, ds, standard, tmp_path / "out.parquet", filename=name)
    return res, pq.read_table(tmp_path / "out.parquet").to_pylist()


def test_json_array_of_records(tmp_path):
    text = '[\n  {"name": "A", "開設日": "令和6年4月1日", "extra": {"k": 1}},\n  {"name": "B", "緯度": 35.6, "経度": 139.7}\n]'
    res, rows = ingest(tmp_path, text, "a.json")
    assert res.metadata["format"] == "json" and res.columns == ["名称", "緯度", "経度", "開設日", "extra", "_row"]
    assert rows[0]["_row"] == 2 and rows[1]["_row"] == 3
    assert str(rows[0]["開設日"]) == "2024-04-01" and json.loads(rows[0]["extra"]) == {"k": 1}
    assert (rows[1]["緯度"], rows[1]["経度"]) == (35.6, 139.7)


def test_json_object_wrapping_one_array(tmp_path):
    res, rows = ingest(tmp_path, '{"count": 1, "data": [{"name": "A"}]}', "w.json")
    assert [r["名称"] for r in rows] == ["A"]


def test_geojson_points_become_lat_lon(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.7671, 35.6812]},
         "properties": {"name": "東京駅"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[139, 35], [140, 35], [139, 36]]]},
         "properties": {"name": "区域"}},
    ]}
    res, rows = ingest(tmp_path, json.dumps(fc, ensure_ascii=False, indent=1), "s.geojson", encoding="utf-8-sig")
    assert res.metadata["format"] == "geojson"
    assert (rows[0]["名称"], rows[0]["緯度"], rows[0]["経度"]) == ("東京駅", 35.6812, 139.7671)
    assert rows[1]["緯度"] is None and json.loads(rows[1]["geometry"])["type"] == "Polygon"
    assert rows[0]["_row"] < rows[1]["_row"]


def test_json_in_cp932(tmp_path):
    res, rows = ingest(tmp_path, '[{"name": "髙島屋①"}]', "c.json", encoding="cp932")
    assert rows[0]["名称"] == "髙島屋①"


def test_json_that_is_not_a_table_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="array of records"):
        ingest(tmp_path, '{"a": 1}', "bad.json")
