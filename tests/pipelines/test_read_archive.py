"""ZIP sources: member choice, CP932/CP437-mangled names, zip bombs and path traversal refused."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.declarations import Dataset
from pipelines.ingest import build_table
from pipelines.read.archive import ArchiveError, extract_member

TOILETS = "名称,緯度,経度\r\n猿江恩賜公園,35.68892,139.81843\r\n".encode("cp932")
AED = "名称\r\n区役所\r\n".encode("utf-8")


def make_zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def make_cp932_named_zip(path: Path, name: str, data: bytes) -> Path:
    """A member name stored as CP932 bytes without the UTF-8 flag, as Windows' Explorer writes it."""
    raw = name.encode("cp932")
    placeholder = "x" * (len(raw) - 4) + ".csv"
    make_zip(path, {placeholder: data, "readme.txt": b"hello"})
    path.write_bytes(path.read_bytes().replace(placeholder.encode(), raw))
    return path


def ingest(tmp_path: Path, archive: Path, member: str | None):
    ds = Dataset.model_validate({"id": "zip-test", "publisher": "t131083", "title": {"ja": "テスト"},
                                 "source": {"kind": "file", "path": str(archive), "member": member}})
    res = build_table(archive, ds, None, tmp_path / "out.parquet", filename=archive.name)
    return res, pq.read_table(tmp_path / "out.parquet").to_pylist()


def test_member_is_picked_by_name_from_several(tmp_path):
    archive = make_zip(tmp_path / "opendata.zip", {"131083_public_toilet.csv": TOILETS, "131083_aed.csv": AED})
    res, rows = ingest(tmp_path, archive, "131083_public_toilet.csv")
    assert res.metadata["member"] == "131083_public_toilet.csv" and res.metadata["encoding"] == "cp932"
    assert rows == [{"名称": "猿江恩賜公園", "緯度": 35.68892, "経度": 139.81843, "_row": 2}]
    res, rows = ingest(tmp_path, archive, "131083_aed.csv")
    assert rows == [{"名称": "区役所", "_row": 2}]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []     # temp member removed


def test_several_data_members_without_a_choice_is_a_clear_error(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"a.csv": AED, "b.csv": AED})
    with pytest.raises(ArchiveError, match="set source.member to one of: a.csv, b.csv"):
        ingest(tmp_path, archive, None)


def test_single_data_member_is_chosen_and_subfolders_match_by_base_name(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"docs/readme.txt": b"x", "data/公衆トイレ.csv": TOILETS})
    assert ingest(tmp_path, archive, None)[0].metadata["member"] == "data/公衆トイレ.csv"
    assert ingest(tmp_path, archive, "公衆トイレ.csv")[1][0]["名称"] == "猿江恩賜公園"


def test_cp932_member_names_are_decoded(tmp_path):
    archive = make_cp932_named_zip(tmp_path / "win.zip", "公衆トイレ一覧.csv", TOILETS)
    assert "公衆トイレ一覧.csv" not in zipfile.ZipFile(archive).namelist()          # zipfile shows CP437 mojibake
    res, rows = ingest(tmp_path, archive, "公衆トイレ一覧.csv")
    assert res.metadata["member"] == "公衆トイレ一覧.csv" and rows[0]["名称"] == "猿江恩賜公園"


def test_utf8_flagged_member_names(tmp_path):
    archive = make_zip(tmp_path / "u.zip", {"ＡＥＤ一覧.csv": AED})
    assert ingest(tmp_path, archive, "ＡＥＤ一覧.csv")[1] == [{"名称": "区役所", "_row": 2}]


@pytest.mark.parametrize("name", ["../evil.csv", "a/../../evil.csv", "/etc/evil.csv", "C:/evil.csv"])
def test_path_traversal_is_refused(tmp_path, name):
    archive = make_zip(tmp_path / "t.zip", {"ok.csv": AED})
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr(zipfile.ZipInfo(name), AED)
    with pytest.raises(ArchiveError, match="unsafe path"):
        ingest(tmp_path, archive, "ok.csv")


def test_zip_bomb_is_refused_by_ratio(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"bomb.csv": b"0" * (50 * 1024 * 1024)})
    with pytest.raises(ArchiveError, match="zip bomb"):
        ingest(tmp_path, archive, None)


def test_member_size_limit_and_lying_headers(tmp_path):
    archive = make_zip(tmp_path / "big.zip", {"big.csv": b"a,b\n" * 100_000}, zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="limit is 1000"):
        extract_member(archive, None, tmp_path, max_bytes=1000)
    # a header that understates the size: the streamed byte count still stops it
    data = bytearray(archive.read_bytes())
    size = (400_000).to_bytes(4, "little")
    data = data.replace(size, (100).to_bytes(4, "little"))
    lying = tmp_path / "lying.zip"
    lying.write_bytes(bytes(data))
    with pytest.raises((ArchiveError, zipfile.BadZipFile)):
        extract_member(lying, None, tmp_path, max_bytes=200_000)
    assert not list(tmp_path.glob(".member-*"))
