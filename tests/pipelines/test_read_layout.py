"""Header detection by score, notes above and below the data, blank and all-separator rows."""
from __future__ import annotations

import pyarrow.parquet as pq

from pipelines.declarations import Dataset
from pipelines.ingest import build_table
from pipelines.read.sniff import header_score, sniff_csv
from quality.standards import load_standard

HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,所在地_連結表記,緯度,経度,設置位置"
ROW1 = "131083,1,江東区,江東区役所,東京都江東区東陽4-11-28,35.6728,139.8171,1階ロビー"
ROW2 = "131083,2,江東区,江東区文化センター,東京都江東区東陽4-11-3,35.6712,139.8170,1階受付"


def _ingest(tmp_path, text: str, encoding: str = "utf-8"):
    src = tmp_path / "aed.csv"
    src.write_bytes(text.encode(encoding))
    ds = Dataset.model_validate({"id": "layout-test", "publisher": "t131083", "title": {"ja": "t"}, "standard": "aed",
                                 "source": {"kind": "file", "path": str(src)}})
    res = build_table(src, ds, load_standard("aed"), tmp_path / "out.parquet", filename="aed.csv")
    return res, pq.read_table(tmp_path / "out.parquet").to_pylist()


def test_a_notes_block_of_any_length_above_the_header_is_kept_as_notes(tmp_path):
    notes = ["AED設置箇所一覧,,,,,,,", "出典：江東区防災課,,,,,,,", "更新日,2024/4/1,,,,,,",
             "注記：設置位置は変わることがあります,,,,,,,", ",,,,,,,", "（単位：台）,,,,,,,"]
    res, rows = _ingest(tmp_path, "\r\n".join(notes + [HEADER, ROW1, ROW2]) + "\r\n")
    assert res.metadata["header_row"] == 7 and res.metadata["data_row"] == 8
    assert res.rows == 2 and [r["_row"] for r in rows] == [8, 9]
    assert res.mapping["名称"] == "名称" and "AED設置箇所一覧" not in res.columns
    assert res.metadata["notes"] == ["AED設置箇所一覧", "出典：江東区防災課", "更新日,2024/4/1",
                                     "注記：設置位置は変わることがあります", "（単位：台）"]


def test_blank_and_separator_rows_are_dropped_and_counted_notes_below_kept(tmp_path):
    text = "\n".join([HEADER, ROW1, ",,,,,,,", "", ROW2, " , ,,,,,,", "※ 令和6年4月1日現在", "出典：江東区", ",,,,,,,"]) + "\n"
    res, rows = _ingest(tmp_path, text)
    assert res.rows == 2 and [r["_row"] for r in rows] == [2, 5]
    found = {f.type: f for f in res.findings}
    assert found["blank-rows"].count == 4 and found["blank-rows"].severity == "warning"
    assert sorted(found["blank-rows"].rows) == [3, 4, 6, 9]
    assert found["notes-rows"].rows == (7, 8)
    assert res.metadata["notes"] == ["※ 令和6年4月1日現在", "出典：江東区"]


def test_header_score_prefers_known_header_words_over_a_title_and_data(tmp_path):
    width = 8
    assert header_score(HEADER.split(","), ROW1.split(","), width) > 0.8
    assert header_score(ROW1.split(","), ROW2.split(","), width) == 0.0            # numbers: a data row
    assert header_score(["AED設置箇所一覧"] + [""] * 7, HEADER.split(","), width) == 0.0
    own = "施設,場所,備考欄,区分,種類,写真,連絡,その他".split(",")                  # unknown words still a header
    assert 0.35 < header_score(own, ROW1.split(","), width) < header_score(HEADER.split(","), ROW1.split(","), width)


def test_no_header_when_every_row_is_data(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(ROW1 + "\n" + ROW2 + "\n", "utf-8")
    layout = sniff_csv(src)
    assert layout.header is None and layout.data_line == 1


KOMAE = ("都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,住所,方書,緯度,経度,設置位置\n"
         "132195,1,東京都,狛江市,狛江市役所,ｺﾏｴｼﾔｸｼｮ,狛江市和泉本町１丁目１番5号,,35.63494013,139.5787757,本庁舎２階\n"
         "132195,2,東京都,狛江市,狛江第一小学校,ｺﾏｴﾀﾞｲｲﾁ(ｼｮｳｶﾞｯｺｳ),狛江市和泉本町１丁目37番1号,,35.63733,139.57809,校舎昇降口\n"
         "132195,3,東京都,狛江市,狛江市民センター,コマエシミンセンター,狛江市和泉本町１丁目1番5号,,35.6349,139.5787,１階\n")


def test_halfwidth_kana_repaired_with_and_without_parentheses_examples_show_both(tmp_path):
    res, rows = _ingest(tmp_path, KOMAE)
    assert [r["名称_カナ"] for r in rows] == ["コマエシヤクショ", "コマエダイイチ（ショウガッコウ）", "コマエシミンセンター"]
    f = next(f for f in res.findings if f.type == "halfwidth-kana-repaired")
    assert f.severity == "warning" and f.count == 2 and f.rows == (2, 3)
    assert f.examples == ("ｺﾏｴｼﾔｸｼｮ → コマエシヤクショ", "ｺﾏｴﾀﾞｲｲﾁ(ｼｮｳｶﾞｯｺｳ) → コマエダイイチ（ショウガッコウ）")


def _cp932_as_cp1252(text: str) -> str:
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in text.encode("cp932"))


def test_mojibake_repaired_when_certain_else_an_error(tmp_path):
    garbled = _cp932_as_cp1252("公衆トイレ前")                       # Œö\x8fOƒgƒCƒŒ‘O
    utf8_as_sjis = "江東区役所".encode("utf-8").decode("cp932", errors="replace")
    text = (HEADER + "\n" + ROW1.replace("1階ロビー", garbled) + "\n"
            + ROW2.replace("1階受付", "ÄÖÜÉ") + "\n" + ROW2.replace("江東区文化センター", utf8_as_sjis).replace(",2,", ",3,") + "\n")
    res, rows = _ingest(tmp_path, text)
    assert rows[0]["設置位置"] == "公衆トイレ前"
    found = {f.type: f for f in res.findings}
    assert found["mojibake-repaired"].severity == "warning" and found["mojibake-repaired"].rows == (2,)
    assert found["mojibake-repaired"].examples == (f"{garbled} → 公衆トイレ前",)
    assert found["mojibake"].severity == "error" and found["mojibake"].examples == ("ÄÖÜÉ",)
    assert rows[1]["設置位置"] == "ÄÖÜÉ"                                 # never changed unless certain
    assert ("mojibake", "名称") in {(f.type, f.column) for f in res.findings} or rows[2]["名称"] == "江東区役所"


def test_dates_anywhere_normalised_to_iso_when_95_percent_parse(tmp_path):
    head = HEADER + ",点検日,更新日,メモ"
    dates_a = ["令和6年4月1日", "R6.4.2", "令和六年四月三日", "4/4/2024", "2024/4/5", "平成31年4月30日", "令和元年5月1日",
               "2024年4月8日", "H30.1.9", "2024-04-10"]
    dates_b = ["2024/4/1"] * 6 + ["未定", "調整中", "2024/4/9", "2024/4/10"]
    lines = [head] + [f"131083,{i + 1},江東区,施設{i},東京都江東区東陽{i},35.67,139.81,1階,{a},{b},メモ{i}"
                      for i, (a, b) in enumerate(zip(dates_a, dates_b))]
    res, rows = _ingest(tmp_path, "\n".join(lines) + "\n")
    assert [r["点検日"] for r in rows] == ["2024-04-01", "2024-04-02", "2024-04-03", "2024-04-04", "2024-04-05",
                                         "2019-04-30", "2019-05-01", "2024-04-08", "2018-01-09", "2024-04-10"]
    assert [r["更新日"] for r in rows][6:8] == ["未定", "調整中"] and rows[0]["更新日"] == "2024/4/1"   # 80 %: as published
    found = {(f.type, f.column): f for f in res.findings}
    assert found[("dates-normalised", "点検日")].count == 9
    assert "R6.4.2 → 2024-04-02" in found[("dates-normalised", "点検日")].examples
    assert found[("dates-not-normalised", "更新日")].examples == ("未定", "調整中")
    assert not any(f.column == "メモ" for f in res.findings)


def test_source_notes_go_into_the_resource_description():
    from pipelines.declarations import Dataset
    from pipelines.release import resource_description

    ds = Dataset.model_validate({"id": "layout-test", "publisher": "t131083", "title": {"ja": "AED設置箇所一覧"},
                                 "source": {"kind": "file", "path": "x.csv"}})
    text = resource_description(ds, "CSV", {"rows": 2, "version": "v1", "read": {"notes": ["出典：江東区防災課"]}})
    assert text.endswith("notes in the source file:\n出典：江東区防災課") and "2 rows" in text
    assert "notes" not in resource_description(ds, "CSV", {"rows": 2, "version": "v1", "read": {}})


def test_a_two_row_header_with_merged_group_cells_is_joined(tmp_path):
    src = tmp_path / "toilet.csv"
    src.write_text("公衆トイレ一覧,,,,,\n名称,所在地,男性トイレ,,女性トイレ,\n,,総数,小便器,総数,和式\n"
                   "駅前公衆便所,東京都江東区東陽1-1,3,2,2,1\n公園便所,東京都江東区東陽2-2,1,1,1,0\n", "utf-8")
    layout = sniff_csv(src)
    assert layout.names == ["名称", "所在地", "男性トイレ_総数", "男性トイレ_小便器", "女性トイレ_総数", "女性トイレ_和式"]
    assert (layout.header_line, layout.data_line, layout.preamble) == (2, 4, ["公衆トイレ一覧"])
