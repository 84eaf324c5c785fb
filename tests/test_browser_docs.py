"""/docs in a real headless Chromium with every request off this machine blocked.

Swagger UI must come from the application itself (the ``swagger-ui-bundle`` package), so
the page renders the API's operations with the network off, under the Content-Security-
Policy that allows scripts from this origin only. The browser and server are the
suite's (tests/browsing.py); a screenshot goes to ``out/screenshots/docs-offline.png``.
"""

from __future__ import annotations

from typing import Any

from browsing import SHOTS, needs_chromium, offline

pytestmark = needs_chromium


def test_docs_render_offline_under_the_csp(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server)
    blocked = offline(context)
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
    assert not blocked, f"/docs asked for addresses off this machine: {blocked}"
    assert not problems, problems
