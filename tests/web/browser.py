"""Playwright helpers for the browser tests: Debian's chromium, screenshots under ``test-output/<test>/``, axe-core.

Map tiles (地理院タイル by default) are aborted at the network layer: the tests must pass offline, and the map's
markers must not depend on tiles.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
TILES = re.compile(r"^https://cyberjapandata\.gsi\.go\.jp/")

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="/usr/bin/chromium is missing (./dev setup installs Debian's chromium)")


class Shots:
    """Numbered full-page screenshots of one test: ``test-output/<test name>/01-home.png`` …"""

    def __init__(self, test_name: str):
        self.folder = OUTPUT / re.sub(r"[^\w.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def axe_all(page) -> list[dict]:
    """Every axe-core violation of the current page, whatever its impact (axe injected from node_modules)."""
    assert AXE.exists(), f"{AXE} is missing: run ./dev setup (npm ci in web/)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: a <script> tag would be inline script, which the pages' CSP
        # (rightly) refuses
        page.evaluate(AXE.read_text("utf-8") + "\n;undefined")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result]


def assert_accessible(page) -> None:
    """0 axe-core violations of any impact (minor and moderate ones too)."""
    problems = axe_all(page)
    assert problems == [], f"axe-core on {page.url}: {problems}"
