"""Every page type at a desktop (1280 px) and a phone (390 px) width, in Japanese and English, in real Chromium:
axe-core finds no violation of any impact, nothing overflows the page sideways (tables scroll inside their own
box), no button breaks its label over lines, chart text is at least 12 px as drawn, and a full-page screenshot
of each is kept under ``test-output/`` (CI keeps that folder as an artefact)."""
from __future__ import annotations

import pytest

from tests.web.browser import TILES, Shots, axe_all, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

PAGES = {  # page type -> path (Japanese; English under /en)
    "home": "/", "search": "/dataset?q=トイレ", "dataset": "/dataset/koto-public-toilets",
    "organizations": "/organization", "organization": "/organization/t131083", "dashboard": "/dashboard",
    "quality": "/dataset/tachikawa-public-toilets/quality", "login": "/user/login", "error": "/dataset/no-such-dataset",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _context(browser, server, width: str):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=server, locale="ja-JP",
                                  is_mobile=width == "phone", has_touch=width == "phone")
    context.route(TILES, lambda route: route.abort())
    return context


# Chart text as drawn: its font size times the SVG's scale on screen (getScreenCTM), for every <text>.
SMALLEST_CHART_TEXT = """() => {
  let smallest = Infinity, count = 0;
  for (const t of document.querySelectorAll('figure svg text, .legend-box svg text')) {
    if (!t.textContent.trim()) continue;
    const m = t.getScreenCTM(); if (!m) continue;
    const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    smallest = Math.min(smallest, size); count += 1;
  }
  return [count, count ? smallest : null];
}"""
# Buttons whose label breaks over more than one line (the "one character per line" failure).
WRAPPED_BUTTONS = """() => Array.from(document.querySelectorAll('button, .button, summary, .chip, input[type=submit]'))
  .filter(b => b.offsetParent !== null && b.textContent.trim())
  .filter(b => { const r = document.createRange(); r.selectNodeContents(b);
                 const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
                 return tops.size > 1; })
  .map(b => b.textContent.trim())"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_type_fits_and_passes_axe(browser, server, width, lang, request):
    shot = Shots(request.node.name)
    context = _context(browser, server, width)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = {}
    try:
        for kind, path in PAGES.items():
            url = ("/en" + path if path != "/" else "/en/") if lang == "en" else path
            response = page.goto(url)
            assert response.status == (404 if kind == "error" else 200), (url, response.status)
            assert page.get_attribute("html", "lang") == lang
            shot(page, f"{kind}-{width}-{lang}")
            viewport = WIDTHS[width][0]
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            wrapped = page.evaluate(WRAPPED_BUTTONS)
            count, smallest = page.evaluate(SMALLEST_CHART_TEXT)
            violations = axe_all(page)
            found = {k: v for k, v in {
                "overflow": scroll if scroll > viewport else None, "wrapped buttons": wrapped or None,
                "chart text under 12 px": smallest if count and smallest < 12 else None,
                "axe": violations or None}.items() if v}
            if kind == "dashboard":
                assert count > 20, "the dashboard's charts have text"
            if found:
                problems[url] = found
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{u}: {p}" for u, p in problems.items())


def test_phone_search_shows_results_first_and_filters_behind_a_button(browser, server, request):
    shot = Shots(request.node.name)
    context = _context(browser, server, "phone")
    page = context.new_page()
    try:
        page.goto("/dataset?q=トイレ")
        first = page.locator(".results .dataset-item").first
        assert first.is_visible() and first.bounding_box()["y"] < 844      # the first result on the first screen
        facets = page.locator("aside.facets")
        assert not facets.is_visible()
        shot(page, "closed")
        page.get_by_text("絞り込みを表示").click()
        assert facets.is_visible()
        shot(page, "filters-open")
        facets.locator("a", has_text="江東区").click()
        page.wait_for_url("**organization=t131083**")
        assert page.locator(".result-count strong").inner_text() == "1"
        # the menu: hidden behind its button, the links once opened (a <details>, no JS needed)
        nav = page.locator("nav.main-nav")
        assert not nav.is_visible()
        page.get_by_text("メニュー", exact=True).click()
        assert nav.is_visible() and nav.get_by_role("link", name="公開率ダッシュボード").is_visible()
        shot(page, "menu-open")
        nav.get_by_role("link", name="公開率ダッシュボード").click()
        page.wait_for_url("**/dashboard")
    finally:
        context.close()


def test_desktop_shows_menu_and_filters_without_a_button(browser, server):
    context = _context(browser, server, "desktop")
    page = context.new_page()
    try:
        page.goto("/dataset?q=トイレ")
        assert page.locator("nav.main-nav").is_visible() and page.locator("aside.facets").is_visible()
        assert not page.get_by_text("メニュー", exact=True).is_visible()
    finally:
        context.close()


def test_phone_menu_works_without_javascript(browser, server):
    w, h = WIDTHS["phone"]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        assert not page.locator("nav.main-nav").is_visible()
        page.get_by_text("メニュー", exact=True).click()
        assert page.locator("nav.main-nav").is_visible()
        page.goto("/dataset?q=トイレ")
        page.get_by_text("絞り込みを表示").click()
        assert page.locator("aside.facets").is_visible()
    finally:
        context.close()
