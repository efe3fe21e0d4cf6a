"""Real Chromium on a real server: the steward uploads a new version on the dataset page, watches the run
finish live (JavaScript polling) and opens the quality report; the API-token page creates and revokes a token;
the activity, group and feed pages. axe-core (every impact) on each new page in ja and en at 1280 and 390 px."""
from __future__ import annotations

import feedparser
import httpx
import pytest

from tests.pipelines.conftest import GOOD_ROWS, HEADER
from tests.servers import catalog_server
from tests.web.browser import axe_all, Shots, needs_chromium
from tests.web.test_steward import ws  # noqa: F401 - the module's workspace fixture (ingested once)

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def site(ws):  # noqa: F811
    with catalog_server(ws.home) as url:
        yield url


def _page(browser, site, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=site, locale="ja-JP",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _sign_in(page, name: str, token: str, lang: str = "") -> None:
    page.goto(f"{lang}/user/login")
    page.locator("#username, input[name=username]").first.fill(name)
    page.locator("input[name=token]").fill(token)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_steward_uploads_watches_the_run_and_reads_the_report(browser, site, ws, request):  # noqa: F811
    shot = Shots(request.node.name)
    context, page = _page(browser, site, 1280)
    _sign_in(page, "editor", ws.tokens["editor"])
    page.goto("/dataset/koto-a")
    assert axe_all(page) == []
    shot(page, "dataset-steward")
    upload = ws.home.parent / "update.csv"
    upload.write_text(HEADER + "".join(GOOD_ROWS), "utf-8")
    page.set_input_files("#upload-file", str(upload))
    page.get_by_role("button", name="アップロード", exact=True).click()
    page.wait_for_url("**/dataset/koto-a/run/*")
    assert page.locator("#run-refresh").is_hidden()           # JS polls instead of the refresh link
    assert axe_all(page) == []
    shot(page, "run-live")
    page.locator("#run-state", has_text="完了").wait_for(timeout=240_000)
    assert page.locator("#run-outcome").inner_text() in ("公開されました", "変更なし（同じ内容）")
    page.locator("#run-report a").click()
    page.wait_for_url("**/dataset/koto-a/quality/*")
    shot(page, "report")
    # the run page without JavaScript: a refresh link, the same facts
    nojs = browser.new_context(java_script_enabled=False, base_url=site, viewport={"width": 390, "height": 844})
    p2 = nojs.new_page()
    _sign_in(p2, "editor", ws.tokens["editor"])
    p2.goto("/dataset/koto-a")
    run_url = p2.locator("ul.runs a").first.get_attribute("href")
    p2.goto(run_url)
    assert p2.locator("#run-state").inner_text() == "完了"
    nojs.close()
    context.close()


def test_api_token_page_creates_once_and_revokes(browser, site, ws, request):  # noqa: F811
    shot = Shots(request.node.name)
    context, page = _page(browser, site, 1280)
    _sign_in(page, "member", ws.tokens["member"])
    page.goto("/user/member/api-tokens")
    page.locator("#token-name").fill("notebook")
    page.get_by_role("button", name="トークンを作成").click()
    token = page.locator("#new-token").input_value()
    assert len(token) > 30
    assert httpx.get(f"{site}/api/3/action/api_token_list?user_id=member", headers={"Authorization": token}).status_code == 200
    assert axe_all(page) == []
    shot(page, "created")
    page.goto("/user/member/api-tokens")
    assert token not in page.content()
    page.get_by_role("button", name="失効させる: notebook").click()
    page.wait_for_url("**/api-tokens?revoked=1")
    assert page.locator("p.note").inner_text() == "トークンを失効させました。"
    assert httpx.get(f"{site}/api/3/action/api_token_list?user_id=member", headers={"Authorization": token}).status_code == 403
    shot(page, "revoked")
    context.close()


PAGES = ["/group", "/group/c006", "/dataset/activity/koto-a", "/organization/activity/t131083",
         "/group/activity/c006", "/dataset/koto-a", "/user/editor/api-tokens"]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["", "/en"])
def test_new_pages_have_no_axe_violations(browser, site, ws, request, width, lang):  # noqa: F811
    shot = Shots(request.node.name)
    context, page = _page(browser, site, width)
    _sign_in(page, "editor", ws.tokens["editor"], lang)
    for path in PAGES:
        response = page.goto(lang + path)
        assert response.status == 200, path
        assert axe_all(page) == [], f"{lang}{path} at {width}px"
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        # the dataset page's phone layout is issue 17 point 4 (another branch); the pages added here must fit
        if path != "/dataset/koto-a":
            assert overflow <= 1, f"{lang}{path} overflows by {overflow}px at {width}px"
        shot(page, path.strip("/").replace("/", "-"))
    if lang == "/en":
        page.goto("/en/dataset/koto-a")
        assert "Koto City" in page.locator("dl.facts").inner_text()
        assert "Creative Commons Attribution 4.0 International" in page.locator("dl.facts").inner_text()
    context.close()


def test_feeds_parse_as_atom(site, ws):  # noqa: F811
    for path in ("/feeds/dataset.atom", "/feeds/organization/t131083.atom", "/feeds/group/c006.atom"):
        r = httpx.get(site + path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(r.content)
        assert not feed.bozo, (path, feed.bozo_exception)
        assert feed.version == "atom10"
        assert feed.feed.title and feed.feed.id and feed.feed.updated
        assert [e.link for e in feed.entries] == [f"{site}/dataset/koto-a"]
        entry = feed.entries[0]
        assert entry.id and entry.updated and entry.title == "公衆トイレ一覧（テスト）" and entry.author
    assert httpx.get(site + "/feeds/group/nope.atom").status_code == 404


def test_embed_is_framable_and_share_snippet_points_at_it(site, ws):  # noqa: F811
    page = httpx.get(site + "/dataset/koto-a").text
    assert "<iframe" in page.replace("&lt;", "<") and "/embed" in page
    pkg = httpx.get(site + "/api/3/action/package_show?id=koto-a").json()["result"]
    rid = next(r["id"] for r in pkg["resources"] if r["format"] == "CSV")
    r = httpx.get(f"{site}/dataset/koto-a/resource/{rid}/embed")
    assert r.status_code == 200 and "frame-ancestors *" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers and "猿江恩賜公園トイレ" in r.text
    assert httpx.get(site + "/dataset/koto-a").headers["x-frame-options"] == "DENY"
    assert "report-problem" in page and "mailto:" in page
