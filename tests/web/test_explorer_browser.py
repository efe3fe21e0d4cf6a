"""The resource page's data explorer and the dataset map in real Chromium, against a real uvicorn server on
127.0.0.1 serving a catalog of its own (120 facilities, so there are pages to walk and markers to cluster):
paging, sort, column filters, full text, the CSV of the filtered view, sticky header and first column, the same
without JavaScript, the map's clusters, popups, filters and its link to the explorer row; axe (every impact) on
the resource page in ja and en at 1280 and 390 px."""
from __future__ import annotations

import csv
import io

import httpx
import pytest

from catalog.local import LocalCatalog
from catalog.store import close_store, users
from tests.servers import catalog_server, free_port
from tests.web.browser import axe_all, TILES, Shots, needs_chromium
from tests.web.seed import _publish

pytestmark = [pytest.mark.browser, needs_chromium]

ROWS = 120
KINDS = ("公園", "駅", "庁舎")
FACILITIES = {
    "_row": list(range(2, ROWS + 2)),
    "名称": [f"施設{i:03d}" for i in range(ROWS)],
    "種別": [KINDS[i % 3] for i in range(ROWS)],
    "所在地_連結表記": [f"東京都江東区豊洲{i % 7 + 1}丁目{i + 1}番" for i in range(ROWS)],
    "電話番号": [f"03-3647-{1000 + i}" for i in range(ROWS)],
    "利用開始時間": ["09:00"] * ROWS,
    "緯度": [round(35.650 + (i % 12) * 0.0005, 6) for i in range(ROWS)],
    "経度": [round(139.790 + (i // 12) * 0.0005, 6) for i in range(ROWS)],
    "収容人数": [(i * 37) % 500 for i in range(ROWS)],
}
NAME = "koto-facilities"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("explorer") / "home"
    url = f"http://127.0.0.1:{free_port()}"
    users.ensure_user(home, "admin", sysadmin=True)
    api = LocalCatalog(home, user="admin", site_url=url)
    api.call_action("organization_create", {"name": "t131083", "title": "江東区", "description": "Koto City"})
    _publish(api, home, NAME, "t131083", FACILITIES, "v1", title="公共施設一覧", notes="江東区の公共施設",
             groups=[], tags=["施設"], formats=("CSV", "Parquet", "GeoJSON"), extras=[{"key": "title_en", "value": "Facilities"}])
    with catalog_server(home, url):
        pkg = httpx.get(f"{url}/api/3/action/package_show", params={"id": NAME}).json()["result"]
        csv_id = next(r["id"] for r in pkg["resources"] if r["format"] == "CSV")
        yield {"url": url, "resource": f"/dataset/{NAME}/resource/{csv_id}"}
    close_store(home)


def _context(browser, site, width=1280, height=900, js=True):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                  locale="ja-JP", base_url=site["url"], java_script_enabled=js)
    context.route(TILES, lambda route: route.abort())
    return context


@pytest.fixture
def page(browser, site):
    context = _context(browser, site)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot(request):
    return Shots(request.node.name)


def _column(page, name: str) -> list[str]:
    index = page.evaluate("name => Array.from(document.querySelectorAll('#explorer-table thead th'))"
                          ".findIndex(th => th.dataset.column === name)", name)
    return page.eval_on_selector_all("#explorer-table tbody tr",
                                     f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def test_explorer_pages_sorts_filters_searches_and_downloads(page, site, shot, tmp_path):
    page.goto(site["resource"])
    assert axe_all(page) == []
    shot(page, "explorer")
    assert page.locator("#explorer-table tbody tr").count() == 50
    assert "120 行中 1〜50 行目" in page.locator("#explorer-status").inner_text()
    page.select_option("#explorer-size", "25")              # JS submits on change
    page.wait_for_url("**size=25**")
    assert page.locator("#explorer-table tbody tr").count() == 25
    page.get_by_role("link", name="次へ ›").click()
    page.wait_for_url("**page=2**")
    assert _column(page, "_id")[0] == "26"
    page.get_by_role("link", name="最後 »").click()
    page.wait_for_url("**page=5**")
    assert _column(page, "_id") == [str(i) for i in range(101, 121)]
    # sort: the heading toggles asc -> desc, and says which (aria-sort)
    page.locator("th[data-column='収容人数'] a.sort-link").click()
    page.wait_for_url("**dir=asc**")
    values = [int(v) for v in _column(page, "収容人数")]
    assert values == sorted(values) and page.locator("th[aria-sort=ascending]").count() == 1
    page.locator("th[data-column='収容人数'] a.sort-link").click()
    page.wait_for_url("**dir=desc**")
    values = [int(v) for v in _column(page, "収容人数")]
    assert values == sorted(values, reverse=True) and values[0] == max(FACILITIES["収容人数"])
    # a column filter (a substring for text) and the full-text box, together
    page.locator("th[data-column='種別'] input.filter").fill("駅")
    page.locator("th[data-column='種別'] input.filter").press("Enter")
    page.wait_for_url("**f.%E7%A8%AE%E5%88%A5=**")
    assert set(_column(page, "種別")) == {"駅"} and "40 行中" in page.locator("#explorer-status").inner_text()
    page.fill("#explorer-q", "豊洲3丁目")
    page.press("#explorer-q", "Enter")
    page.wait_for_url("**q=**")
    expected = sorted(((FACILITIES["収容人数"][i], FACILITIES["名称"][i]) for i in range(ROWS)
                       if KINDS[i % 3] == "駅" and i % 7 == 2), key=lambda v: (-v[0], v[1]))
    assert _column(page, "名称") == [n for _, n in expected]
    shot(page, "filtered")
    assert axe_all(page) == []
    # the CSV is that view: same filters, same order, every matching row
    with page.expect_download() as info:
        page.locator("a.csv").click()
    path = tmp_path / "view.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert [r["名称"] for r in rows] == [n for _, n in expected] and {r["種別"] for r in rows} == {"駅"}
    assert list(rows[0]) == [c for c in FACILITIES if c != "_row"]


def test_header_and_first_column_stay_in_view(browser, site, shot):
    context = _context(browser, site, width=390, height=844)
    page = context.new_page()
    page.goto(site["resource"])
    scroller = page.locator("#explorer-scroll")
    assert page.eval_on_selector("#explorer-table thead th", "th => getComputedStyle(th).position") == "sticky"
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")       # wide table: it scrolls, the page not
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    scroller.evaluate("el => { el.scrollTop = 400; el.scrollLeft = 300; }")
    box = scroller.bounding_box()
    head = page.locator("#explorer-table thead th[data-column='名称']").bounding_box()
    first = page.locator("#explorer-table tbody tr:nth-child(20) th").bounding_box()
    assert abs(head["y"] - box["y"]) <= 2                                     # the header stuck to the top
    assert abs(first["x"] - box["x"]) <= 2                                    # the row number stuck to the left
    # column widths stay readable: no column narrower than ~5 characters
    widths = page.eval_on_selector_all("#explorer-table thead th", "ths => ths.map(th => th.offsetWidth)")
    assert min(widths) >= 70
    shot(page, "phone-scrolled")
    context.close()


def test_explorer_without_javascript(browser, site, shot):
    context = _context(browser, site, js=False)
    page = context.new_page()
    page.goto(site["resource"])
    assert page.evaluate("() => document.documentElement.classList.contains('js')") is False
    page.locator("th[data-column='名称'] input.filter").fill("施設00")
    page.locator("th[data-column='名称'] input.filter").press("Enter")          # a plain GET form
    page.wait_for_url("**f.%E5%90%8D%E7%A7%B0=**")
    assert _column(page, "名称") == [f"施設00{i}" for i in range(10)]
    page.locator("th[data-column='名称'] a.sort-link").click()
    page.locator("th[data-column='名称'] a.sort-link").click()
    page.wait_for_url("**dir=desc**")
    assert _column(page, "名称") == [f"施設00{i}" for i in range(9, -1, -1)]
    page.goto(site["resource"] + "?size=25")
    page.get_by_role("link", name="2", exact=True).click()
    assert _column(page, "_id")[0] == "26"
    r = httpx.get(site["url"] + site["resource"] + ".csv", params={"f.名称": "施設00", "sort": "名称", "dir": "desc"})
    assert [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))][1:] == \
        [f"施設00{i}" for i in range(9, -1, -1)]
    shot(page, "no-js")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["", "/en"])
def test_resource_page_axe_clean(browser, site, shot, width, lang):
    context = _context(browser, site, width=width, height=900)
    page = context.new_page()
    page.goto(lang + site["resource"] + "?sort=名称&dir=desc&f.種別=公園")
    assert axe_all(page) == []
    shot(page, f"resource{lang.replace('/', '-')}-{width}")
    context.close()


def test_map_clusters_popups_filters_and_links_to_the_row(page, site, shot):
    page.goto(f"/dataset/{NAME}")
    page.wait_for_selector("#map[data-markers='120']")
    assert page.locator("#map .marker-cluster").count() > 0                   # 120 close markers: clustered
    assert page.locator("#map .leaflet-marker-icon").count() < 120
    assert "120 / 120" in page.locator("#map-count").inner_text()
    shot(page, "clusters")
    assert axe_all(page) == []
    # the select filters on a categorical column (種別), the text box on name and address
    assert page.locator("label[for=map-category]").inner_text() == "種別"
    page.select_option("#map-category", "駅")
    page.wait_for_selector("#map[data-markers='40']")
    page.select_option("#map-category", "")
    page.fill("#map-text", "施設007")
    page.wait_for_selector("#map[data-markers='1']")
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    page.locator("#map .leaflet-marker-icon").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "施設007" in text and "東京都江東区豊洲1丁目8番" in text and "03-3647-1007" in text and "09:00" in text
    assert "種別" in text and "収容人数" in text
    shot(page, "popup")
    popup.get_by_role("link", name="この行を表で見る").click()
    page.wait_for_url("**/resource/**")
    assert _column(page, "名称") == ["施設007"] and _column(page, "_id") == ["8"]
