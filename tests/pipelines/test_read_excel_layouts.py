"""Workbooks as published: .xls (BIFF8) and .xlsx with notes above, a two-row header with merged cells, a blank
row and a note below (tests/fixtures/made, made with LibreOffice from real あきる野市 rows); a truncated workbook
is quarantined with the reason."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.quarantine import build_or_quarantine
from quality.standards import load_standard

MADE = Path(__file__).parents[1] / "fixtures" / "made"
REALWORLD = Path(__file__).parents[1] / "fixtures" / "realworld"


def _build(tmp_path, path: Path, name: str | None = None):
    ds = Dataset.model_validate({"id": "excel-test", "publisher": "t132284", "title": {"ja": "t"},
                                 "standard": "public_toilet", "source": {"kind": "file", "path": str(path)}})
    res = build_or_quarantine(path, ds, load_standard("public_toilet"), tmp_path / "t.parquet",
                              filename=name or path.name, quarantine_dir=tmp_path / "quarantine")
    return res, pq.read_table(tmp_path / "t.parquet").to_pylist()


@pytest.mark.parametrize("suffix, fmt", [(".xlsx", "xlsx"), (".xls", "xls")])
def test_two_row_merged_header_notes_and_blank_rows(tmp_path, suffix, fmt):
    res, rows = _build(tmp_path, MADE / f"akiruno_two_row_header{suffix}")
    assert res.metadata["format"] == fmt and res.metadata["header_row"] == 3 and res.metadata["data_row"] == 5
    assert res.rows == 5 and [r["_row"] for r in rows] == [5, 6, 7, 8, 9]
    assert res.mapping == {"NO": "ID", "名称": "名称", "住所": "所在地_連結表記", "緯度": "緯度", "経度": "経度",
                           "男性トイレ_総数": "男性トイレ総数", "男性トイレ_小便器": "男性トイレ数（小便器）",
                           "男性トイレ_和式": "男性トイレ数（和式）", "女性トイレ_総数": "女性トイレ総数",
                           "女性トイレ_和式": "女性トイレ数（和式）"}
    assert rows[3]["名称"] == "武蔵五日市駅前" and rows[3]["男性トイレ総数"] == 5 and rows[3]["ID"] == "4"
    assert res.metadata["notes"] == ["あきる野市 観光トイレ一覧",
                                     "出典：あきる野市「132284_tourist-toilets_2022.csv」（CC BY 4.0）の先頭5件を基に作成",
                                     "※ 令和4年4月1日現在"]
    found = {f.type: f for f in res.findings}
    assert found["blank-rows"].rows == (10,) and found["notes-rows"].rows == (11,)


def test_a_truncated_workbook_is_quarantined_with_the_reason(tmp_path):
    data = (REALWORLD / "takamatsu__library.xlsx").read_bytes()
    cut = tmp_path / "library.xlsx"
    cut.write_bytes(data[: len(data) * 2 // 3])
    res, rows = _build(tmp_path, cut)
    assert rows == [] and res.rows == 0
    f = next(f for f in res.findings if f.type == "unreadable-source")
    assert f.severity == "error" and f.examples == ("BadZipFile: File is not a zip file",)
    assert [p.name.endswith("library.xlsx") for p in (tmp_path / "quarantine").iterdir()] == [True]


def test_zero_data_rows_is_an_error_and_quarantined(tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("名称,所在地_連結表記,緯度,経度\n,,,\n", "utf-8")
    res, rows = _build(tmp_path, src)
    assert rows == [] and {f.type: f.severity for f in res.findings}["no-data-rows"] == "error"
    assert len(list((tmp_path / "quarantine").iterdir())) == 1
