"""The demo publishes real data wherever a real file exists for a bundled dataset; the rest is marked SAMPLE."""
from __future__ import annotations

import hashlib

import pyarrow.parquet as pq

from pipelines.declarations import load_declarations
from pipelines.home import DEFAULT_DATASETS
from pipelines.ingest import build_table
from quality import validate_table
from quality.standards import load_standard

REAL = {"koto-public-toilets": "87292f97b9efe9d7817fba1f64a8df746d04da5bd5a76765a414b49a242042d0"}  # shared/realdata #16


def test_real_files_are_bundled_with_attribution_and_the_rest_is_marked_sample():
    decls = load_declarations(DEFAULT_DATASETS)
    for ds in decls.datasets.values():
        if ds.id in REAL:
            data = (DEFAULT_DATASETS / ds.source.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == REAL[ds.id]          # the publisher's content, in the project
            assert "出典：江東区" in ds.description.ja and "CC BY 4.0" in ds.description.ja
            assert "Source - Koto City" in ds.description.en and "CC BY 4.0" in ds.description.en
            assert "サンプル" not in ds.title.ja and "SAMPLE" not in (ds.title.en or "")
        else:
            assert ds.title.ja.endswith("（サンプル）") and ds.title.en.endswith("(SAMPLE)"), ds.id
            assert "【サンプルデータ】" in ds.description.ja and "SAMPLE" in ds.description.en, ds.id


def test_the_real_koto_toilets_validate_for_release(tmp_path):
    ds = load_declarations(DEFAULT_DATASETS).datasets["koto-public-toilets"]
    std = load_standard(ds.standard)
    res = build_table(DEFAULT_DATASETS / ds.source.path, ds, std, tmp_path / "t.parquet")
    report = validate_table(pq.read_table(tmp_path / "t.parquet"), std, publisher_code="131083",
                            overrides=ds.quality.model_dump(), extra_findings=res.findings)
    assert res.rows == 191 and report.valid
    missing = next(f for f in report.findings if f.type == "missing-required-value")
    assert missing.severity == "warning" and missing.rows == (5, 20, 25)
