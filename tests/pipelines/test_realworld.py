"""tests/fixtures/realworld: every row of the expectations table in its SOURCES.md (counted by reading the
files), asserted on what ingest makes of the file: encoding, header row, data rows, and the mapping onto the
standard's columns without any ``columns:`` override in the declaration."""
from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.quarantine import build_or_quarantine
from quality.standards import load_standard

REALWORLD = Path(__file__).parents[1] / "fixtures" / "realworld"


def expectations() -> dict[str, dict]:
    text = (REALWORLD / "SOURCES.md").read_text("utf-8")
    table = text[text.index("| file | publisher | standard |"):]
    out = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        file, publisher, standard, encoding, header, rows, mapped = [c.strip() for c in line.strip("|").split(" | ")]
        pairs = [p.strip() for p in mapped.split(";") if p.strip() and mapped != "-"]
        out[file] = {"publisher": publisher, "standard": None if standard == "-" else standard,
                     "encoding": None if encoding == "-" else encoding,
                     "header": header if header in ("none", "unreadable") else int(header), "rows": int(rows),
                     "mapping": dict(p.split("=", 1) for p in pairs)}
    return out


EXPECTED = expectations()


def test_the_corpus_is_40_files_or_more_from_10_publishers_or_more_and_every_file_has_an_expectation():
    files = sorted(p.name for p in REALWORLD.iterdir() if p.name != "SOURCES.md")
    assert files == sorted(EXPECTED)
    assert len(files) >= 40 and len({e["publisher"] for e in EXPECTED.values()}) >= 10


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    out, cache = tmp_path_factory.mktemp("realworld"), {}

    def get(name: str):
        if name not in cache:
            exp = EXPECTED[name]
            ds = Dataset.model_validate({"id": "realworld-test", "publisher": "t131083", "title": {"ja": name},
                                         "standard": exp["standard"],
                                         "source": {"kind": "file", "path": str(REALWORLD / name)}})
            std = load_standard(exp["standard"]) if exp["standard"] else None
            target = out / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.parquet"
            res = build_or_quarantine(REALWORLD / name, ds, std, target, filename=name,
                                      quarantine_dir=out / "quarantine")
            cache[name] = (res, pq.read_table(target))
        return cache[name]
    return get


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_encoding_header_row_and_data_rows(ingested, name):
    exp, (res, table) = EXPECTED[name], ingested(name)
    if exp["header"] == "unreadable":
        assert res.rows == 0 and [f.type for f in res.findings] == ["unreadable-source"]
        return
    assert (res.rows, table.num_rows) == (exp["rows"], exp["rows"])
    if exp["encoding"]:
        assert res.metadata["encoding"] == exp["encoding"]
    assert res.metadata["header_row"] == (None if exp["header"] == "none" else exp["header"])
    for col in table.column_names:
        if table.schema.field(col).type == "string":
            assert not any("\ufffd" in v for v in table.column(col).to_pylist() if v), (name, col)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["standard"]))
def test_standard_columns_mapped_without_overrides(ingested, name):
    res, _ = ingested(name)
    assert res.mapping == EXPECTED[name]["mapping"]


def test_unreadable_and_headerless_files_are_quarantined_with_the_reason(ingested, tmp_path_factory):
    res, _ = ingested("tokyo_metro__cultural-facilities-barrier-free-elv.csv")
    f = res.findings[0]
    assert f.severity == "error" and "not a data file" in f.examples[0] and "<!doctype html" in f.examples[0]
    res, _ = ingested("tokyo_toei__subway_toilet_gaiyou.csv")
    assert [f.severity for f in res.findings if f.type == "no-header"] == ["error"]


def test_akiruno_separator_rows_are_counted_not_published(ingested):
    res, _ = ingested("tokyo_akiruno__132284_tourist-toilets_2022.csv")
    blank = next(f for f in res.findings if f.type == "blank-rows")
    assert blank.count == 61 and blank.rows[0] == 39


def test_komae_halfwidth_kana_repaired_and_shown_as_published(ingested):
    res, table = ingested("tokyo_komae__aed.csv")
    kana = next(f for f in res.findings if f.type == "halfwidth-kana-repaired")
    assert kana.examples[0] == "ｺﾏｴｼﾔｸｼｮ → コマエシヤクショ" and kana.count == 57
    assert table.column("名称_カナ").to_pylist()[0] == "コマエシヤクショ"


def test_takamatsu_us_dates_in_a_column_without_a_standard_become_iso(ingested):
    res, table = ingested("takamatsu__0095.csv")
    assert table.column("date").to_pylist() == ["2017-10-01", "2018-10-01", "2019-10-01", "2020-10-01", "2021-10-01"]
    assert next(f for f in res.findings if f.type == "dates-normalised").examples[0] == "10/1/2017 → 2017-10-01"
