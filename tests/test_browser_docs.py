"""/docs in a real headless Chromium with every request off this machine blocked.

Swagger UI must come from the application itself (the ``swagger-ui-bundle`` package), so
the page renders the API's operations with the network off, under the Content-Security-
Policy that allows scripts from this origin only. The browser and server set-up follow
tests/test_browser.py; a screenshot goes to ``out/screenshots/docs-offline.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} is missing: install Debian's chromium with `bash scripts/browser.sh`",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The normwatch service under uvicorn, on a free loopback port."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "normwatch.service.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/static/style.css", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"the server did not start on {base}:\n{out}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_docs_render_offline_under_the_csp(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    blocked: list[str] = []
    problems: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server)
            context.route("**/*", only_loopback)
            tab = context.new_page()
            tab.set_default_timeout(20_000)
            tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
            # a blocked inline script or eval shows up as a console error naming the policy
            tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
            tab.goto("/docs")
            operations = tab.locator(".opblock")
            expect(operations.first).to_be_visible()
            expect(tab.locator(".opblock-summary-path").filter(has_text="/api/incidents").first).to_be_visible()
            assert operations.count() > 10
            # opening an operation and trying it out works against this server
            tab.locator(".opblock-summary-path").filter(has_text="/api/incidents").first.click()
            expect(tab.get_by_role("button", name="Try it out").first).to_be_visible()
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "docs-offline.png"), full_page=False)
            context.close()
        finally:
            browser.close()
    assert not blocked, f"/docs asked for addresses off this machine: {blocked}"
    assert not problems, problems
