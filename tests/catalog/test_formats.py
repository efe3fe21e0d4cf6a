"""Download artifacts written from a Parquet table."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.store import formats


@pytest.fixture
def parquet(tmp_path):
    table = pa.table({"名称": ["公衆トイレ", "駅前トイレ"], "緯度": [35.67, None], "経度": [139.81, 139.8],
                      "設置日": [date(2024, 4, 1), date(2025, 1, 2)], "個数": [3, 1]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    return path


def test_csv_is_utf8_with_bom(parquet, tmp_path):
    formats.write_csv(parquet, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "緯度", "経度", "設置日", "個数"]
    assert rows[1] == ["公衆トイレ", "35.67", "139.81", "2024-04-01", "3"]


def test_json_records(parquet, tmp_path):
    formats.write_json(parquet, tmp_path / "t.json")
    rows = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert rows[0] == {"名称": "公衆トイレ", "緯度": 35.67, "経度": 139.81, "設置日": "2024-04-01", "個数": 3}


def test_geojson_points_skip_rows_without_coordinates(parquet, tmp_path):
    formats.write_geojson(parquet, tmp_path / "t.geojson")
    doc = json.loads((tmp_path / "t.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    feature = doc["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [139.81, 35.67]}
    assert feature["properties"] == {"名称": "公衆トイレ", "設置日": "2024-04-01", "個数": 3}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
