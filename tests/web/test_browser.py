"""Browser tests: chromium (Debian's, through Playwright) against a real uvicorn server on 127.0.0.1, data
published through the real actions. Each test saves screenshots under ``test-output/<test name>/`` and runs
axe-core on every page it visits."""
from __future__ import annotations

import ast
import csv
import io
import os
import shlex
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from tests.web.browser import TILES, Shots, assert_accessible, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="ja-JP",
                                  base_url=server, permissions=["clipboard-read", "clipboard-write"])
    context.route(TILES, lambda route: route.abort())     # offline: tiles never load, markers must still show
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot(request):
    return Shots(request.node.name)


def _visit(page, path: str, shot, step: str):
    page.goto(path)
    assert_accessible(page)
    shot(page, step)


def test_citizen_searches_narrows_downloads_and_sees_the_map(page, shot):
    _visit(page, "/", shot, "home")
    page.get_by_label("データセットを検索").fill("トイレ")
    page.get_by_label("データセットを検索").press("Enter")
    page.wait_for_url("**/dataset?q=*")
    assert page.locator(".result-count strong").inner_text() == "2"
    assert_accessible(page)
    shot(page, "search")
    page.locator("aside.facets a", has_text="江東区").click()
    page.wait_for_url("**organization=t131083**")
    assert page.locator(".result-count strong").inner_text() == "1"
    assert page.locator(".active-filters .chip").count() == 1
    shot(page, "narrowed")
    page.locator(".results").get_by_role("link", name="公衆トイレ一覧", exact=True).click()
    page.wait_for_url("**/dataset/koto-public-toilets")
    page.wait_for_selector("#map[data-markers]")
    assert page.locator("#map .leaflet-marker-icon").count() == 5 == int(page.get_attribute("#map", "data-markers"))
    assert page.locator("#map.leaflet-container").count() == 1
    assert_accessible(page)
    shot(page, "dataset")
    with page.expect_download() as info:
        page.locator(".download-buttons a", has_text="CSV").click()
    body = info.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")                      # UTF-8 with BOM: Excel opens it right
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "緯度", "経度", "電話番号", "備考"] and rows[1][:3] == ["豊洲公園トイレ", "35.6535", "139.7953"]
    assert len(rows) == 6 and info.value.suggested_filename == "koto-public-toilets.csv"


def _preview_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all("table.preview tbody tr",
                                     "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")


def _copy(page, snippet_id: str) -> str:
    page.locator(f"button[data-copy='snippet-{snippet_id}']").click()
    return page.evaluate("() => navigator.clipboard.readText()")


def test_civic_developer_copies_api_examples_that_work(page, shot, tmp_path):
    _visit(page, "/dataset/koto-public-toilets", shot, "dataset")
    shown = _preview_rows(page)
    curl = _copy(page, "curl-datastore_search")
    assert curl.startswith("curl ") and page.locator("button[data-copy='snippet-curl-datastore_search']").inner_text() == "コピーしました"
    records = httpx.get(shlex.split(curl)[-1]).json()["result"]["records"]
    columns = [c for c in records[0] if c != "_id"]
    assert [[str(r[c]) if r[c] is not None else "" for c in columns] for r in records] == shown[:5]
    script = _copy(page, "python-ckanapi")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": ""}, check=False)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "公衆トイレ一覧"
    printed = [ast.literal_eval(line) for line in lines[1:]]
    assert [[str(r[c]) for c in columns] for r in printed] == shown[:5]
    shot(page, "copied")


def test_dashboard_charts_show_the_published_numbers(page, shot, server):
    _visit(page, "/dashboard", shot, "dashboard")
    assert page.locator("figure.svg-chart svg").count() == 5               # + the matrix, drawn as a grid
    assert page.locator("table.matrix-grid tbody tr").count() >= 3
    api = httpx.get(f"{server}/api/3/action/publication_rate_show",
                    params={"scope": "publisher", "measure": "published"}).json()["result"]["results"]
    page.locator("#chart-by_publisher summary").click()
    cells = page.eval_on_selector_all(
        "table[data-chart=by_publisher] tbody tr",
        "rows => rows.map(r => [r.cells[0].textContent, r.querySelector('[data-col=rate]').dataset.value])")
    assert {name: float(rate) for name, rate in cells} == {r["scope_name"]: r["rate"] for r in api}
    assert "1/1 (100.0%)" in page.locator("#chart-by_publisher svg").inner_html()   # the bar labels: exact fractions
    table = page.locator("table[data-chart=by_publisher]")
    table.get_by_role("button", name="率", exact=True).click()          # JS: sort the table by a column
    assert table.locator("th[aria-sort=ascending]").count() == 1
    assert float(table.locator("tbody tr [data-col=rate]").first.get_attribute("data-value")) == min(
        r["rate"] for r in api)
    shot(page, "table-open")
    page.select_option("#f-type", "区")
    page.get_by_role("button", name="適用").click()
    page.wait_for_url("**type=%E5%8C%BA**")
    assert page.locator("table[data-chart=by_publisher] tbody tr").count() == 2
    assert_accessible(page)
    shot(page, "wards")


def test_dashboard_chips_add_and_remove_filters_kept_in_the_url(page, shot):
    _visit(page, "/dashboard", shot, "all")
    assert page.locator("svg.choropleth path").count() == 62
    assert page.locator(".legend-box svg text").count() == 6
    assert page.locator("table[data-chart]").count() == 6                    # every chart has its table
    assert page.locator(".active-filters .chip").count() == 0
    page.select_option("#f-type", "区")
    page.select_option("#f-category", "c006")
    page.get_by_role("button", name="適用").click()
    page.wait_for_url("**type=%E5%8C%BA**")
    assert "category=c006" in page.url
    chips = page.locator(".active-filters .chip")
    assert [c.strip() for c in chips.all_inner_texts()] == ["団体の種類: 区 ×", "分類: 生活 ×"]
    assert page.locator("table[data-chart=by_publisher] tbody tr").count() == 2
    assert page.locator("svg.choropleth path[data-rate='1.0']").count() == 1          # 江東区: 1/1 toilets
    assert_accessible(page)
    shot(page, "two-chips")
    page.reload()                                                             # the URL is the state
    assert page.locator(".active-filters .chip").count() == 2 and page.input_value("#f-category") == "c006"
    chips.first.click()                                                       # remove the type, keep the category
    page.wait_for_url("**/dashboard?category=c006")
    assert [c.strip() for c in page.locator(".active-filters .chip").all_inner_texts()] == ["分類: 生活 ×"]
    assert page.locator("table[data-chart=by_publisher] tbody tr").count() == 3
    shot(page, "one-chip")
    page.get_by_role("link", name="すべて解除").click()
    page.wait_for_url("**/dashboard")
    assert page.locator(".active-filters .chip").count() == 0
    page.locator("#chart-map summary").click()
    assert page.locator("table[data-chart=map] tbody tr").count() == 3


EN_PAGES = ["/en/", "/en/dataset?q=トイレ", "/en/dataset/koto-public-toilets", "/en/organization",
            "/en/organization/t131083", "/en/dashboard", "/en/dataset/koto-public-toilets/quality"]


def test_english_pages_exist_and_switch_back(page, shot):
    for i, path in enumerate(EN_PAGES):
        _visit(page, path, shot, f"en-{i}")
        assert page.get_attribute("html", "lang") == "en"
        page.locator("a.lang-switch").click()
        assert page.get_attribute("html", "lang") == "ja"
        url = urlsplit(page.url)
        assert url.path == (urlsplit(path).path.removeprefix("/en") or "/")
        assert unquote(url.query) == urlsplit(path).query


def test_steward_signs_in_sees_internal_data_and_reads_a_report(page, shot, seeded):
    _visit(page, "/dataset/koto-staff-contacts", shot, "forbidden")
    page.locator("main a.button", has_text="ログイン").click()
    page.wait_for_url("**/user/login**")
    assert_accessible(page)
    page.get_by_label("ユーザー名").fill(seeded.member)
    page.get_by_label("APIトークン").fill(seeded.member_token)
    shot(page, "login")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/dataset/koto-staff-contacts")
    assert page.locator("h1").inner_text() == "庁内連絡先一覧（内部）"
    assert page.locator(".badge.private").count() == 1
    assert_accessible(page)
    shot(page, "internal-dataset")
    _visit(page, "/dataset/tachikawa-public-toilets/quality", shot, "report")
    assert "山田太郎" not in page.content()
    assert page.locator("td.masked").count() == 1
    _visit(page, "/organization/t131083", shot, "organization")
    _visit(page, "/dataset/koto-public-toilets/quality", shot, "report-valid")
    page.get_by_role("button", name="ログアウト").click()
    page.goto("/dataset/koto-staff-contacts")
    assert page.locator("h1").inner_text() == "閲覧権限がありません"


def test_keyboard_reaches_the_content_first(page, shot):
    page.goto("/dataset?q=トイレ")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "q"          # the search box, right after the heading
    _visit(page, "/organization", shot, "organizations")


def test_search_box_suggests_datasets_and_tags_from_the_autocomplete_actions(page, shot):
    """CKAN's package_autocomplete / tag_autocomplete behind an ARIA combobox: arrows choose, Enter opens."""
    page.goto("/")
    box = page.get_by_label("データセットを検索")
    box.press_sequentially("トイレ", delay=30)
    options = page.locator("#q-suggestions [role=option]")
    options.first.wait_for()
    texts = options.all_inner_texts()
    assert any("公衆トイレ" in t and "データセット" in t for t in texts), texts
    assert box.get_attribute("aria-expanded") == "true"
    assert_accessible(page)
    shot(page, "suggestions")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    href = options.first.get_attribute("data-href")
    assert href.startswith("/dataset/")
    box.press("Enter")
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").first.inner_text()
    page.goto("/en/")
    page.get_by_label("Search datasets").press_sequentially("トイレ", delay=30)
    page.locator("#q-suggestions [role=option]").first.wait_for()
    assert page.locator("#q-suggestions [role=option]").first.get_attribute("data-href").startswith("/en/dataset/")
    page.keyboard.press("Escape")
    assert page.locator("#q-suggestions").is_hidden()
