"""Web UI fixtures: one seeded catalog per session (pages only read it), an in-process client, and — for the
browser tests — a real uvicorn server on 127.0.0.1 serving the same data home."""
from __future__ import annotations

import re
import threading
import time
import warnings

import httpx
import pytest
import uvicorn

from catalog.app import create_app
from catalog.store import close_store
from tests.servers import free_port
from tests.web.seed import Seeded, seed


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> Seeded:
    """The site URL is the real server's, so upload URLs are right for both the in-process and the real client."""
    home = tmp_path_factory.mktemp("web") / "home"
    data = seed(home, f"http://127.0.0.1:{free_port()}")
    yield data
    close_store(home)


@pytest.fixture(scope="session")
def app(seeded):
    return create_app(seeded.home, seeded.site_url)


@pytest.fixture
def client(app, seeded):
    """A fresh in-process client (own cookie jar) per test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(app, base_url=seeded.site_url) as test_client:
        yield test_client


def csrf(client, lang: str = "") -> dict[str, str]:
    """The CSRF field of the client's session, as the sign-in page's form carries it."""
    page = client.get(f"{lang}/user/login").text
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def sign_in(client, name: str, token: str, lang: str = "") -> None:
    r = client.post(f"{lang}/user/login", data={"username": name, "token": token, "next": "/", **csrf(client, lang)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture(scope="session")
def server(app, seeded) -> str:
    """A real HTTP server (uvicorn in a thread) on the seeded site URL."""
    port = int(seeded.site_url.rsplit(":", 1)[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        try:
            httpx.get(f"{seeded.site_url}/api/3", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield seeded.site_url
    srv.should_exit = True
    thread.join(timeout=10)



@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, one for every browser test of the session."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
