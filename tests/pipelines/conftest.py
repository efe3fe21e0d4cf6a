"""A small declarations folder in tmp_path: a good public-toilet dataset for 江東区 (UTF-8) and helpers to add more."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PUBLISHERS = """\
categories:
  - {id: c001, title: 防災・災害計画, title_en: Disaster prevention}
  - {id: c006, title: 生活, title_en: Living}
publishers:
  - {id: t130001, name: 東京都, name_en: Tokyo, kana: トウキョウト, code: "130001", type: 都}
  - {id: t000029, name: デジタルサービス局, name_en: Digital Service Bureau, type: 局}
  - {id: t131083, name: 江東区, name_en: Koto City, kana: コウトウク, code: "131083", type: 区}
"""
TARGETS = """\
municipality_default:
  - {key: public_toilet, title: 公衆トイレ一覧, category: c006}
  - {key: aed, title: AED設置箇所一覧, category: c001}
"""
HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,所在地_連結表記,設置位置,緯度,経度,電話番号\n"
GOOD_ROWS = [
    "131083,131083C00001,東京都江東区,猿江恩賜公園トイレ,サルエオンシコウエントイレ,東京都江東区住吉二丁目,公園中央広場,35.688920,139.818430,03-3647-9111\n",
    "131083,131083C00002,東京都江東区,木場公園トイレ,キバコウエントイレ,東京都江東区平野四丁目,北口入口横,35.674100,139.807200,03-5245-1770\n",
]


def declaration(ds_id: str, source: str, standard: str = "public_toilet", extra: str = "") -> str:
    return textwrap.dedent(f"""\
        id: {ds_id}
        publisher: t131083
        title: {{ja: 公衆トイレ一覧（テスト）, en: Public toilets (test)}}
        description: {{ja: テスト用サンプルデータ, en: sample data for tests}}
        standard: {standard}
        source: {{kind: file, path: {source}}}
        license: CC-BY-4.0
        update_frequency: yearly
        groups: [c006]
        """) + extra


class Workspace:
    def __init__(self, root: Path):
        self.datasets = root / "datasets"
        self.home = root / "home"
        (self.datasets / "sources").mkdir(parents=True)
        (self.datasets / "t131083").mkdir()
        (self.datasets / "publishers.yaml").write_text(PUBLISHERS, "utf-8")
        (self.datasets / "targets.yaml").write_text(TARGETS, "utf-8")

    def add(self, ds_id: str, content: str | bytes | None, **kw) -> Path:
        src = self.datasets / "sources" / f"{ds_id}.csv"
        if content is not None:
            src.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        (self.datasets / "t131083" / f"{ds_id}.yaml").write_text(declaration(ds_id, f"sources/{ds_id}.csv", **kw),
                                                                 "utf-8")
        return src


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path)
