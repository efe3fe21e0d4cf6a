"""Excel through python-calamine: sheet selection, title rows (merged), header offset, date serials."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.ingest import build_table, inspect_file
from quality.standards import Standard

STANDARD = Standard.model_validate({
    "slug": "x", "title": "文化財一覧", "title_en": "Cultural properties", "source": "test",
    "columns": [{"name": "名称", "aliases": ["name"]}, {"name": "指定日", "type": "date"},
                {"name": "緯度", "type": "latitude"}, {"name": "経度", "type": "longitude"},
                {"name": "件数", "type": "integer"}],
})

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"""
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


class DateSerial(float):
    """A number cell formatted as a date (style 1 = numFmt 14)."""


def _cell(ref: str, v) -> str:
    if v is None:
        return ""
    if isinstance(v, DateSerial):
        return f'<c r="{ref}" s="1"><v>{float(v)}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def _sheet_xml(rows: list[list], merged: list[str]) -> str:
    body = "".join(f'<row r="{i}">' + "".join(_cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(row)) + "</row>"
                   for i, row in enumerate(rows, start=1))
    merge = f'<mergeCells count="{len(merged)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merged) + \
        "</mergeCells>" if merged else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{body}</sheetData>{merge}</worksheet>'


def write_xlsx(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None) -> Path:
    """A minimal but valid xlsx (inline strings), since no xlsx writer is a dependency."""
    merged = merged or {}
    names = list(sheets)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1))))
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS}><sheets>' + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
            + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships">' + "".join(
                       f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
                   + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                   f'2006/relationships/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        for i, n in enumerate(names, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(sheets[n], merged.get(n, [])))
    return path


def ingest(tmp_path: Path, path: Path, standard=STANDARD, **fields):
    ds = Dataset.model_validate({"id": "xl-test", "publisher": "t131083", "title": {"ja": "テスト"},
                                 "source": {"kind": "file", "path": str(path)}, **fields})
    res = build_table(path, ds, standard, tmp_path / "out.parquet", filename=path.name)
    return res, pq.read_table(tmp_path / "out.parquet").to_pylist()


def test_sheet_by_name_title_rows_date_cells_and_serials(tmp_path):
    rows = [["文化財一覧（令和6年4月1日現在）", None, None, None], [None, None, None, None],
            ["名称", "指定日", "緯度", "件数"],
            ["国分寺本堂", DateSerial(45383), 34.3, 3], ["高松城", 45384, 0, 2.0], ["屋島", "S47.4.1", "34.35", "x"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"表紙": [["説明"]], "一覧": rows}, merged={"一覧": ["A1:D1"]})
    res, out = ingest(tmp_path, path, read={"sheet": "一覧"})
    assert res.metadata["sheet"] == "一覧" and res.metadata["header_row"] == 3
    assert res.metadata["preamble"] == ["文化財一覧（令和6年4月1日現在）"]
    assert [(r["名称"], str(r["指定日"]), r["件数"], r["_row"]) for r in out] == [
        ("国分寺本堂", "2024-04-01", 3, 4), ("高松城", "2024-04-02", 2, 5), ("屋島", "1972-04-01", None, 6)]
    assert out[1]["緯度"] is None
    kinds = {(f.type, f.column): f for f in res.findings}
    assert kinds[("zero-coordinate", "緯度")].rows == (5,)
    assert kinds[("invalid-integer", "件数")].examples == ("x",)


def test_sheet_by_index_and_explicit_header_row(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"A": [["x"]], "B": [["メモ", "作成"], ["name", "件数"], ["a", 1]]})
    res, out = ingest(tmp_path, path, read={"sheet": 1, "header_row": 2})
    assert out == [{"名称": "a", "件数": 1, "_row": 3}]


def test_unknown_sheet_is_a_clear_error(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["name"], ["a"]]})
    with pytest.raises(ValueError, match="no sheet 'Sheet9'; sheets: Sheet1"):
        ingest(tmp_path, path, read={"sheet": "Sheet9"})


def test_xlsx_named_csv_is_still_read_as_excel(tmp_path):
    path = write_xlsx(tmp_path / "download.csv", {"S": [["name"], ["a"]]})
    res, out = ingest(tmp_path, path)
    assert res.metadata["format"] == "xlsx" and out == [{"名称": "a", "_row": 2}]


def test_inspect_excel(tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", {"S": [["名称", "緯度", "指定日"], ["a", 35.1, "R6.4.1"]]})
    info = inspect_file(path)
    assert info["format"] == "xlsx" and info["rows"] == 1
    assert {c["name"]: c["type"] for c in info["columns"]} == {"名称": "string", "緯度": "latitude", "指定日": "date"}
