"""CSV shapes through ``build_table``: encodings, dialects, '#' metadata, headers, line numbers, ragged rows."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.ingest import build_table, inspect_file
from pipelines.read.encoding import DecodeError
from pipelines.read.sniff import sniff_csv
from quality.standards import Standard

FIXTURES = Path(__file__).parent / "fixtures"

STANDARD = Standard.model_validate({
    "slug": "toilet_test", "title": "公衆トイレ一覧", "title_en": "Public toilets", "source": "test",
    "columns": [
        {"name": "全国地方公共団体コード", "type": "lg_code", "halfwidth": True, "aliases": ["都道府県コード又は市区町村コード"]},
        {"name": "ID", "halfwidth": True, "aliases": ["NO"]},
        {"name": "名称", "requirement": "必須", "aliases": ["name"]},
        {"name": "緯度", "type": "latitude", "aliases": ["latitude"]},
        {"name": "経度", "type": "longitude", "aliases": ["longitude"]},
        {"name": "電話番号", "type": "phone", "halfwidth": True, "aliases": ["telephone number"]},
        {"name": "開設日", "type": "date"},
        {"name": "開始時間", "type": "time"},
        {"name": "終了時間", "type": "time"},
        {"name": "定員", "type": "integer"},
    ],
})


def ingest(tmp_path: Path, data: bytes, standard: Standard | None = None, name: str = "in.csv", **fields):
    src = tmp_path / name
    src.write_bytes(data)
    ds = Dataset.model_validate({"id": "test-ds", "publisher": "t131083", "title": {"ja": "テスト"},
                                 "source": {"kind": "file", "path": str(src)}, **fields})
    out = tmp_path / "out.parquet"
    res = build_table(src, ds, standard, out, filename=name)
    return res, pq.read_table(out)


def rows(table) -> list[dict]:
    return table.to_pylist()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16", "utf-16-le", "utf-16-be", "euc-jp"])
def test_encodings_are_detected_and_decoded_exactly(tmp_path, encoding):
    text = "名称,備考\r\n髙橋①㈱,№１\r\n渡邊,ﾊﾝｶｸ\r\n" if encoding != "euc-jp" else "名称,備考\r\n高橋,日本語の文章です\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    res, table = ingest(tmp_path, data)
    assert res.metadata["encoding"].replace("-sig", "").startswith(encoding.replace("-sig", "")[:6])
    expected = [line.split(",") for line in text.strip().split("\r\n")[1:]]
    assert [[r["名称"], r["備考"]] for r in rows(table)] == expected
    assert [r["_row"] for r in rows(table)] == [2, 3][: len(expected)]


def test_declared_encoding_wins_and_shift_jis_means_cp932(tmp_path):
    res, table = ingest(tmp_path, "名称\r\n①髙\r\n".encode("cp932"), read={"encoding": "shift_jis"})
    assert res.metadata["encoding"] == "cp932"
    assert rows(table)[0]["名称"] == "①髙"


def test_undecodable_byte_names_offset_and_line(tmp_path):
    data = "名称\n東京\n".encode("utf-8") + b"ab\xff\xfecd\n"
    with pytest.raises(DecodeError) as e:
        ingest(tmp_path, data, read={"encoding": "utf-8"})
    assert e.value.offset == len("名称\n東京\n".encode()) + 2 and e.value.line == 3
    assert "offset 16 (line 3)" in str(e.value) and "utf-8" in str(e.value)


def test_cp932_file_with_a_late_ascii_head_still_detects_cp932(tmp_path):
    body = "id,name\n" + "1,abc\n" * 60000 + "2,髙島屋①\n"
    res, table = ingest(tmp_path, body.encode("cp932"))
    assert res.metadata["encoding"] == "cp932" and res.rows == 60001
    assert rows(table)[-1] == {"id": "2", "name": "髙島屋①", "_row": 60002}


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_newlines_and_quoted_multiline_fields_give_source_line_numbers(tmp_path, newline):
    text = newline.join(["名称,備考", '"a",1', '"複数', '行の', '値",2', "", 'c,"x""y"', "d,4"]) + newline
    res, table = ingest(tmp_path, text.encode("utf-8"))
    got = [(r["名称"], r["備考"], r["_row"]) for r in rows(table)]
    assert got == [("a", "1", 2), (f"複数{newline}行の{newline}値", "2", 3), ("c", 'x"y', 7), ("d", "4", 8)]
    assert res.metadata["newline"] == {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[newline]


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    text = delimiter.join(["名称", "住所", "備考"]) + "\n" + delimiter.join(["a", "東京都, 千代田区" if delimiter != "," else '"東京都, 千代田区"', "x"]) + "\n"
    res, table = ingest(tmp_path, text.encode())
    assert res.metadata["delimiter"] == delimiter
    assert rows(table)[0]["住所"] == "東京都, 千代田区"


def test_hash_metadata_rows_are_kept_and_property_row_is_the_header(tmp_path):
    text = ("#LINK,,,\n#lang,ja,,\n#license,http://creativecommons.org/licenses/by/3.0/deed.ja,,\n"
            "#property,name,location,telephoneNumber\n#object_type_xsd,string,string,string\n"
            '1,Ａ病院,"34.34092056,134.04522972",０８７−８４１−２１４６\n')
    res, table = ingest(tmp_path, text.encode("cp932"), STANDARD)
    assert res.metadata["comments"]["license"] == ["http://creativecommons.org/licenses/by/3.0/deed.ja"]
    assert list(res.metadata["comments"]) == ["LINK", "lang", "license", "property", "object_type_xsd"]
    assert res.metadata["header_row"] == 4 and res.metadata["data_row"] == 6
    assert res.mapping == {"#property": "ID", "name": "名称", "location": "緯度,経度", "telephoneNumber": "電話番号"} or \
        res.mapping["location"] == "緯度,経度"
    r = rows(table)[0]
    assert (r["緯度"], r["経度"], r["_row"]) == (34.34092056, 134.04522972, 6)
    assert r["名称"] == "Ａ病院"                       # only 半角 columns are folded
    assert r["電話番号"] == "087-841-2146"


def test_title_rows_above_the_header_are_skipped_and_kept(tmp_path):
    text = "公衆トイレ一覧（令和6年4月1日現在）,,\n,,\n名称,緯度,経度\nA,35.1,139.2\n"
    res, table = ingest(tmp_path, text.encode())
    assert res.metadata["header_row"] == 3 and res.metadata["preamble"] == ["公衆トイレ一覧（令和6年4月1日現在）"]
    assert rows(table) == [{"名称": "A", "緯度": 35.1, "経度": 139.2, "_row": 4}]


def test_explicit_header_row(tmp_path):
    text = "作成者,東京都\n更新,2024\n名称,値\nA,1\n"
    res, table = ingest(tmp_path, text.encode(), read={"header_row": 3})
    assert res.columns == ["名称", "値", "_row"] and rows(table) == [{"名称": "A", "値": "1", "_row": 4}]


def test_no_header_file_uses_declared_names_and_detects_swapped_coordinates(tmp_path):
    text = "上野公園トイレ,台東区上野公園１０−１７前,０３−５２４６−１３１６,139.7699202,35.71943546\n" \
           "池ノ端トイレ,台東区上野２ー１４−２１前,０３−５２４６−１３１６,139.7730257,35.71207533\n"
    res, table = ingest(tmp_path, text.encode(), STANDARD, read={"names": ["名称", "住所", "電話番号", "緯度", "経度"]})
    first = rows(table)[0]
    assert (first["緯度"], first["経度"], first["_row"]) == (35.71943546, 139.7699202, 1)
    assert first["電話番号"] == "03-5246-1316"
    swapped = [f for f in res.findings if f.type == "swapped-lat-lon"]
    assert swapped and swapped[0].count == 2 and swapped[0].rows == (1, 2)
    assert res.unmapped == ["住所"] and first["住所"] == "台東区上野公園１０−１７前"   # not a 半角 column


def test_header_less_file_without_names_is_detected(tmp_path):
    res, table = ingest(tmp_path, "公園A,139.77,35.71\n公園B,139.78,35.72\n".encode())
    assert res.metadata["header_row"] is None
    assert res.columns == ["column_1", "column_2", "column_3", "_row"] and res.rows == 2


def test_duplicate_and_empty_header_names(tmp_path):
    res, table = ingest(tmp_path, "名称,備考,備考,,\nA,x,y,,\nB,z,,,\n".encode())
    assert res.columns == ["名称", "備考", "備考_2", "_row"]          # trailing unnamed empty columns left out
    assert rows(table)[0] == {"名称": "A", "備考": "x", "備考_2": "y", "_row": 2}


def test_unnamed_column_with_values_is_kept(tmp_path):
    res, table = ingest(tmp_path, "名称,備考,\nA,x,y\n".encode())
    assert res.columns == ["名称", "備考", "column_3", "_row"] and rows(table)[0]["column_3"] == "y"


def test_ragged_rows_are_rescued_and_reported(tmp_path):
    text = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,\n"
    res, table = ingest(tmp_path, text.encode())
    assert sorted((r["a"], r["b"], r["c"], r["_row"]) for r in rows(table)) == sorted(
        [("1", "2", "3", 2), ("4", "5", None, 3), ("6", "7", "8", 4), ("10", "11", "12", 5)])
    kinds = {f.type: f for f in res.findings}
    assert kinds["short-row"].rows == (3,) and kinds["long-row"].rows == (4,)
    assert kinds["long-row"].severity == "error" and kinds["long-row"].examples == ("6,7,8,9",)


def test_standard_mapping_order_extras_and_types(tmp_path):
    text = ("備考,telephone\u3000number,名称,経度,緯度,NO,定員,開設日,開始時間\n"
            "メモ,０３（１２３４）５６７８,Ｘ公園,139.7,35.6,００１,１２,R6.4.1,7：30～18：30\n"
            ",,Y,0,0,2,三,令和元年4月30日,休\n")
    res, table = ingest(tmp_path, text.encode(), STANDARD)
    assert res.columns == ["ID", "名称", "緯度", "経度", "電話番号", "開設日", "開始時間", "終了時間", "定員", "備考", "_row"]
    assert res.unmapped == ["備考"] and res.mapping["telephone\u3000number"] == "電話番号"
    a, b = rows(table)
    assert (a["ID"], a["電話番号"], a["定員"], a["開始時間"], a["終了時間"]) == ("001", "03(1234)5678", 12, "07:30", "18:30")
    assert str(a["開設日"]) == "2024-04-01"
    assert (b["緯度"], b["経度"], b["開設日"], b["定員"], b["開始時間"]) == (None, None, None, None, None)
    found = {(f.type, f.column): f for f in res.findings}
    assert found[("invalid-date", "開設日")].examples == ("令和元年4月30日",) and found[("invalid-date", "開設日")].rows == (3,)
    assert found[("invalid-integer", "定員")].examples == ("三",)
    assert found[("invalid-time", "開始時間")].examples == ("休",)
    assert found[("zero-coordinate", "緯度")].rows == (3,) and found[("zero-coordinate", "緯度")].severity == "warning"
    assert found[("time-range-split", "開始時間")].rows == (2,)
    assert all(f.family in ("conversion", "structure") for f in res.findings)


def test_declared_column_renames_beat_aliases(tmp_path):
    res, table = ingest(tmp_path, "トイレ名,位置\nA,\"35.6,139.7\"\n".encode(), STANDARD,
                        columns={"トイレ名": "名称", "位置": "緯度,経度"})
    assert res.mapping == {"トイレ名": "名称", "位置": "緯度,経度"}
    assert rows(table) == [{"名称": "A", "緯度": 35.6, "経度": 139.7, "_row": 2}]


def test_without_standard_coordinates_are_typed_and_pairs_split(tmp_path):
    res, table = ingest(tmp_path, 'name,location,緯度x\nA,"35.6,139.7",z\n'.encode())
    assert res.columns == ["name", "緯度", "経度", "緯度x", "_row"]
    assert table.schema.field("緯度").type == "double"


def test_parquet_is_zstd_with_metadata_and_written_atomically(tmp_path):
    res, table = ingest(tmp_path, "#license,CC BY 4.0\n名称\nA\n".encode())
    meta = pq.ParquetFile(tmp_path / "out.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert b"CC BY 4.0" in meta.metadata[b"opendata"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sniff_reads_only_the_head(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * 500_000)
    layout = sniff_csv(big)
    assert not layout.complete and layout.names == ["a", "b"] and len(layout.sample) == 200


def test_inspect_reports_layout_types_and_best_standard(tmp_path):
    path = tmp_path / "aed.csv"
    path.write_bytes("都道府県コード又は市区町村コード,NO,名称,緯度,経度,開設日\n131083,1,A,35.6,139.7,R6.4.1\n"
                     "131083,2,B,35.7,139.8,2024/4/2\n".encode("cp932"))
    info = inspect_file(path)
    assert info["encoding"] == "cp932" and info["rows"] == 2 and info["header_row"] == 1
    types = {c["name"]: c["type"] for c in info["columns"]}
    assert types["緯度"] == "latitude" and types["開設日"] == "date" and types["NO"] == "integer"
    assert info["dialect"]["delimiter"] == ","
    for best in info["standards"]:
        assert set(best) == {"slug", "score", "mapping", "matches", "override", "threshold", "unmapped_required"}
        assert best["mapping"]["緯度"] == "緯度"
        assert {m["source"]: (m["confidence"], m["how"]) for m in best["matches"]}["緯度"] == (1.0, "name")


# Two real files copied from shared/realdata (provenance: shared/realdata/SOURCES.md #15 and #19), so these
# run without ../shared.

def test_fixture_takamatsu_childcare(tmp_path):
    data = (FIXTURES / "takamatsu__0079_unapproved_childcare.csv").read_bytes()
    res, table = ingest(tmp_path, data, STANDARD, columns={"fiscalYearStartDay": "開設日",
                                                             "startTimeWeekDays": "開始時間", "capacity": "定員"})
    assert res.rows == 33 and res.metadata["encoding"] == "utf-8-sig" and len(res.metadata["comments"]) == 9
    first = rows(table)[0]
    assert (first["_row"], str(first["開設日"]), first["開始時間"], first["終了時間"]) == (10, "1972-04-01", "07:30", "18:30")
    assert (first["緯度"], first["経度"]) == (34.340613, 134.052601)
    found = {(f.type, f.column): f for f in res.findings}
    assert found[("invalid-integer", "定員")].examples == ("ー",)
    assert found[("invalid-coordinate", "緯度")].examples == (",",)


def test_fixture_taito_no_header(tmp_path):
    data = (FIXTURES / "tokyo_taito__NON_sisetu_28.csv").read_bytes()
    names = ["大分類", "小分類", "名称", "所在地", "電話番号", "情報", "緯度", "経度"]
    res, table = ingest(tmp_path, data, STANDARD, read={"names": names})
    assert res.rows == 76 and res.metadata["header_row"] is None
    first = rows(table)[0]
    assert (first["緯度"], first["経度"], first["電話番号"]) == (35.71943546, 139.7699202, "03-5246-1316")
    found = {(f.type, f.column): f for f in res.findings}
    assert found[("swapped-lat-lon", "緯度,経度")].count == 75
    assert found[("invalid-coordinate", "経度")].rows == (25,)          # a repeated header line mid-file
