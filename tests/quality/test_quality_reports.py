"""Report persistence, the steward's text table, and GX Data Docs rebuilt from saved reports."""
import pyarrow as pa
import pytest

from quality import Finding, QualityReport, load_standard, validate_table
from quality.data_docs import build_data_docs
from quality.reports import load_report, render_table, save_report


@pytest.fixture(scope="module")
def toilet_report():
    table = pa.table({
        "名称": ["猿江恩賜公園トイレ", "木場公園トイレ", None],
        "所在地_連結表記": ["東京都江東区住吉二丁目", "東京都江東区平野四丁目", "東京都江東区"],
        "設置位置": ["園内", "園内", "園内"],
        "緯度": ["35.688920", "0", "35.674100"],
        "経度": ["139.818430", "0", "139.807200"],
        "備考": ["管理 taro.yamada@gmail.com", None, None],
        "_row": [2, 3, 5],
    })
    return validate_table(table, load_standard("public_toilet"), publisher_code="131083")


def test_findings_of_the_sample(toilet_report):
    assert toilet_report.flatten(["type", "column", "rows"]) == [
        ["missing-required-value", "名称", (5,)],
        ["coordinate-zero", "緯度", (3,)],
        ["coordinate-zero", "経度", (3,)],
        ["personal-email", "備考", (2,)],
    ]


def test_save_and_load_round_trip(tmp_path, toilet_report):
    path = save_report(toilet_report, tmp_path / "reports" / "koto-toilets" / "v1.json")
    assert [p.name for p in path.parent.iterdir()] == ["v1.json"]          # no temp file left behind
    back = load_report(path)
    assert back.findings == toilet_report.findings and back.valid is False
    assert back.stats["rows"] == 3 and back.stats["conformant"] is True
    assert "taro.yamada" not in path.read_text("utf-8")


def test_render_table_for_a_steward(toilet_report):
    text = render_table(toilet_report)
    assert text.splitlines()[0].startswith("INVALID: 2 error finding(s), 2 warning finding(s); rows=3")
    assert "line" in text.splitlines()[1] and "examples" in text.splitlines()[1]
    for expected in ["緯度が0です（座標未設定）", "latitude is 0 (missing coordinate)", "t***@gmail.com",
                     "personal-email", "必須列「名称」が空です"]:
        assert expected in text
    row = next(line for line in text.splitlines() if "coordinate-zero" in line and "緯度" in line)
    assert row.startswith("3 ")
    assert "taro.yamada" not in text


def test_render_table_valid_and_partial():
    assert render_table(QualityReport()).endswith("no findings")
    assert render_table(QualityReport(partial=True)).startswith("partial:")
    many = Finding("invalid-time", "warning", "format", "ja", "en", "開始時間", tuple(range(2, 52)), 50, ("9時",))
    assert "2,3,4,5,6,7,8,9 …(+42)" in render_table(QualityReport(findings=[many]))


def test_build_data_docs(tmp_path, toilet_report):
    reports = tmp_path / "reports"
    save_report(toilet_report, reports / "koto-toilets" / "v1.json")
    save_report(toilet_report, reports / "koto-toilets" / "v2.json")
    index = build_data_docs(reports)
    assert index == reports / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    pages = list((index.parent / "validations").rglob("*.html"))
    assert len(pages) == 2
    html = pages[0].read_text("utf-8")
    assert "expect_column_values_to_not_contain_personal_email" in html or "個人のメールアドレス" in html
    assert "taro.yamada" not in html
    assert (reports / "gx" / "expectations" / "koto-toilets__v1.json").exists()


def test_data_docs_load_nothing_from_the_internet(tmp_path, toilet_report):
    """Inside a 庁内 network there is no CDN: every script and style sheet of every page is a local file."""
    import re

    reports = tmp_path / "reports"
    save_report(toilet_report, reports / "koto-toilets" / "v1.json")
    index = build_data_docs(reports)
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text("utf-8")
        linked = re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref|img[^>]*\ssrc)="([^"]+)"', html)
        assert linked and not [u for u in linked if u.startswith(("http:", "https:", "//"))], page
        vendored = [u for u in linked if "static/vendor/" in u]
        assert vendored, page
        for url in vendored:  # (GX's own favicon link is one folder off on deep pages; not ours to fix)
            assert (page.parent / url).resolve().is_file(), (page, url)


def test_saved_suites_load_and_run_in_plain_gx_with_one_module_of_ours(tmp_path, toilet_report):
    """A fresh Python with great_expectations and ``quality.expectations`` (which registers the Japanese rules)
    reads every expectation of a saved suite back — GX drops unregistered types silently — and runs it."""
    import json
    import subprocess
    import sys

    reports = tmp_path / "reports"
    save_report(toilet_report, reports / "koto-toilets" / "v1.json")
    build_data_docs(reports)
    saved = json.loads((reports / "gx" / "expectations" / "koto-toilets__v1.json").read_text("utf-8"))
    script = """
import json
import great_expectations as gx
import pandas as pd
__REGISTER__
ctx = gx.get_context(mode="file", project_root_dir=__ROOT__)
suite = ctx.suites.get("koto-toilets__v1")
frame = pd.DataFrame({"緯度": [35.67, 0.0], "経度": [139.8, 0.0]})
run = gx.get_context(mode="ephemeral")  # the saved project stays as it was
batch = (run.data_sources.add_pandas("p").add_dataframe_asset("t").add_batch_definition_whole_dataframe("b")
         .get_batch(batch_parameters={"dataframe": frame}))
types = [e.expectation_type for e in suite.expectations]
ran = [r.expectation_config.type for r in batch.validate(suite).results] if __RUN__ else []
print(json.dumps({"types": types, "ran": ran}))
"""

    def run(register: bool) -> dict:
        code = (script.replace("__REGISTER__", "import quality.expectations" if register else "")
                .replace("__ROOT__", repr(str(reports))).replace("__RUN__", str(register)))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    plain, ours = run(False), run(True)
    wanted = sorted(e["type"] for e in saved["expectations"])
    assert sorted(ours["types"]) == wanted and len(ours["ran"]) == len(wanted)
    assert len(plain["types"]) < len(wanted)  # what the module is for


def test_recording_a_version_renders_only_its_pages(tmp_path, toilet_report, monkeypatch):
    """``record`` (called once per ingested version) renders that version's two pages without listing the GX
    project's other suites and results: GX's own incremental build walks them all, which made recording 1,000
    versions quadratic (0.34 s → 0.40 s a version after 60 here; flat at 0.09 s without the walk)."""
    from great_expectations.data_context.store.store import Store

    from quality.data_docs import SITE, record

    root = tmp_path / "reports"
    first = save_report(toilet_report, root / "koto-toilets" / "v1.json")
    pages = record(first, root)
    listed = []
    monkeypatch.setattr(Store, "list_keys", lambda self, *a, **k: listed.append(type(self).__name__) or [])
    second = save_report(toilet_report, root / "kita-toilets" / "v2.json")
    again = record(second, root)
    assert listed == []                                                      # no walk of the project
    site = root / SITE
    for found, name in ((pages, "koto-toilets__v1"), (again, "kita-toilets__v2")):
        assert found["suite"] == f"expectations/{name}.html"
        html = (site / found["validation"]).read_text("utf-8")
        assert name in html and "緯度" in html                               # the version's own page, its columns
    assert (site / "static" / "styles").is_dir()                             # GX's static files, copied once
