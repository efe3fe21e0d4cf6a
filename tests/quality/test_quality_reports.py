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
        linked = re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"', html)
        assert linked and not [u for u in linked if u.startswith(("http:", "https:", "//"))], page
        vendored = [u for u in linked if "static/vendor/" in u]
        assert vendored, page
        for url in vendored:  # (GX's own favicon link is one folder off on deep pages; not ours to fix)
            assert (page.parent / url).resolve().is_file(), (page, url)
