"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The tests start the service with uvicorn on 127.0.0.1 (a free port), open pages, use the
filters and forms, check what a person sees, navigate with the keyboard, and look at a
phone-sized viewport. Screenshots are kept under ``out/screenshots/`` as test artefacts.
Install the browser with ``bash scripts/browser.sh``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from browsing import LAPTOP, PHONE, needs_chromium, shot

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport=LAPTOP, base_url=server)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        context.close()


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, base_url=server, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()


def no_sideways_scroll(tab: Any) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    inner = tab.evaluate("window.innerWidth")
    assert width <= inner + 1, f"page is {width}px wide in a {inner}px viewport"


def cells(tab: Any, label: str) -> list[str]:
    texts: list[str] = tab.locator(f'td[data-label="{label}"]').all_inner_texts()
    return [t.strip() for t in texts]


# --- pages a person opens -----------------------------------------------------------------------


def test_home_page(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    expect(page).to_have_title("normwatch")
    expect(page.get_by_role("heading", level=1)).to_contain_text("norms as code for cyberspace")
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Incidents", "States", "Norms", "Evidence router", "What-if", "Charts"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"\d+ incidents"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Started")
    shot(page, "home-laptop")


def test_incident_filters(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/incidents")
    expect(page.get_by_role("heading", name="Incidents", exact=True)).to_be_visible()
    total = int(re.search(r"(\d+) incidents match", page.locator("#result-count").inner_text()).group(1))
    page.get_by_label("Year").select_option("2017")
    page.get_by_label("Responsible state").select_option("RUS")
    page.get_by_label("Red line").select_option("yes")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year=2017"))
    assert "responsible=RUS" in page.url and "red_line=yes" in page.url
    count = page.locator("#result-count").inner_text()
    found = int(re.search(r"(\d+) incidents? match", count).group(1))
    assert 0 < found < total
    starts = cells(page, "Started")
    assert len(starts) == found and all(s.startswith("2017") for s in starts)
    assert all("RUS" in r for r in cells(page, "Responsible"))
    assert set(cells(page, "Red line")) == {"yes"}
    # The chosen values stay selected, and the filters can be cleared.
    expect(page.get_by_label("Year")).to_have_value("2017")
    shot(page, "incidents-filtered-laptop")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(re.compile(r"/incidents$"))
    expect(page.locator("#result-count")).to_contain_text(f"{total} incidents match")


def test_search_and_pagination_then_open_an_incident(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/incidents")
    expect(page.get_by_role("navigation", name="Pages of results")).to_contain_text("Page 1 of")
    page.get_by_role("link", name="Next page →").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.get_by_role("navigation", name="Pages of results")).to_contain_text("Page 2 of")
    search = page.get_by_label("Search")
    search.fill("NotPetya")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=NotPetya"))
    assert "page=" not in page.url
    page.get_by_role("link", name="NotPetya", exact=True).click()
    page.wait_for_url(re.compile(r"/incidents/notpetya-2017$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("NotPetya")
    glance = page.locator("dl.glance")
    expect(glance).to_contain_text("Russian Federation (RUS), high confidence")
    expect(glance).to_contain_text("crossed")
    expect(glance).to_contain_text("critical infrastructure was damaged")
    norms = page.locator("table.norms-table")
    expect(norms.get_by_role("row", name=re.compile("un-gge-2015:13f"))).to_contain_text("breach")
    expect(page.locator("#law")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^sovereignty")).first).to_contain_text("yes")
    # The views table: the baseline and each state's reading side by side.
    views = page.locator("table.views")
    expect(views.get_by_role("columnheader", name="Tallinn baseline")).to_be_visible()
    expect(views.get_by_role("columnheader", name="United States")).to_be_visible()
    expect(page.locator("section", has=page.locator("#commitments"))).to_contain_text("broke Do not damage critical infrastructure")
    expect(page.locator("section", has=page.locator("#responses"))).to_contain_text("countermeasures")
    expect(page.locator("section", has=page.locator("#precedents")).get_by_role("link").first).to_be_visible()
    sources = page.locator("ul.sources a")
    assert sources.count() >= 1 and sources.first.get_attribute("href").startswith("http")
    # The collapsed list of norms not engaged opens with a click.
    details = page.locator("details", has_text="Norms not engaged")
    details.locator("summary").click()
    expect(details.get_by_role("link", name="Protect the Internet")).to_be_visible()
    shot(page, "incident-notpetya-laptop")


def test_state_and_norm_pages(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/states")
    page.get_by_label("ISO 3166-1 alpha-3 code").fill("rus")
    page.get_by_role("button", name="Open state").click()
    page.wait_for_url(re.compile(r"/states/RUS$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Russian Federation")
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible()
    expect(page.get_by_role("heading", name="Commitments", exact=True)).to_be_visible()
    expect(page.locator("#attributed")).to_contain_text("Incidents attributed to Russian Federation")
    shot(page, "state-rus-laptop")
    page.get_by_role("link", name="Do not damage critical infrastructure").first.click()
    page.wait_for_url(re.compile(r"/norms/un-gge-2015:13f$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Do not damage critical infrastructure")
    expect(page.get_by_role("heading", name="The rule")).to_be_visible()
    expect(page.locator("ul.clauses")).to_contain_text("ci_harmed")
    expect(page.get_by_role("row", name=re.compile("NotPetya"))).to_contain_text("breach")
    shot(page, "norm-13f-laptop")


def test_router_form(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/route")
    page.get_by_label("Requesting state *").fill("FRA")
    page.get_by_label("State where the data is held *").fill("NLD")
    page.get_by_label("Home state of the service provider").fill("USA")
    page.get_by_label("Offender's state").fill("RUS")
    page.get_by_label("Data wanted *").select_option("subscriber")
    page.get_by_label("On date").fill("2026-11-22")
    page.get_by_role("button", name="Find channels").click()
    page.wait_for_url(re.compile(r"requesting=FRA"))
    expect(page.get_by_role("heading", name="Channels from France (FRA) to data held in Netherlands (NLD)")
           ).to_be_visible()
    # What applies comes first, in full; the channels that are closed are folded away.
    opened = page.locator("li.channel.open")
    expect(opened.first).to_be_visible()
    expect(opened.first.get_by_role("heading", level=4)).to_contain_text("24/7 Network")  # fastest first
    closed = page.locator("details.closed-channels")
    expect(closed.locator("li").first).to_be_hidden()
    closed.locator("summary").click()
    expect(closed.locator("li").first).to_be_visible()
    expect(page.locator("p.meta")).to_contain_text("channels are open")
    expect(page.get_by_role("heading", name="Gaps and limits")).to_be_visible()
    # The form keeps what was typed.
    expect(page.get_by_label("Requesting state *")).to_have_value("FRA")
    shot(page, "route-fra-nld-laptop")
    # A wrong code is explained in the page, next to the form.
    page.get_by_label("Requesting state *").fill("XXX")
    page.get_by_role("button", name="Find channels").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("'XXX' is not an ISO 3166-1 alpha-3 country code")
    expect(page.get_by_role("button", name="Find channels")).to_be_visible()
    shot(page, "route-error-laptop")


def test_whatif_form(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/whatif")
    draft = page.get_by_label("Draft rule (YAML)")
    expect(draft).to_contain_text("norm: draft:healthcare")
    page.get_by_label("Compare with norm").select_option("un-gge-2015:13f")
    page.get_by_role("button", name="Run the draft").click()
    heading = page.get_by_role("heading", name=re.compile(r"draft:healthcare covers \d+ of \d+ incidents"))
    expect(heading).to_be_visible()
    expect(page.get_by_role("img", name="Incidents covered by the draft, per year")).to_be_visible()
    expect(page.get_by_role("heading", name="Against un-gge-2015:13f")).to_be_visible()
    expect(page.get_by_role("heading", name="By responsible state")).to_be_visible()
    shot(page, "whatif-result-laptop")
    # Change the draft: a typo in a fact name is reported in the page, not as a crash.
    draft.fill("norm: draft:typo\nengaged:\n  - when: sector_healt\n    reason: r\nnot_engaged: n\n")
    page.get_by_role("button", name="Run the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown fact(s) sector_healt")
    expect(page.get_by_label("Draft rule (YAML)")).to_contain_text("sector_healt")
    draft = page.get_by_label("Draft rule (YAML)")
    draft.fill("norm: [")
    page.get_by_role("button", name="Run the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("malformed YAML")
    shot(page, "whatif-error-laptop")


def test_charts_page(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/charts")
    for name in ("Incidents per year, by whether they crossed a red line",
                 "Verdicts per norm: breach, possible breach, undetermined",
                 "Incidents by kind of operation"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    figures = page.locator("img.figure-img")
    for index in range(figures.count()):  # the static figures of normwatch.publish.plots, when available
        img = figures.nth(index)
        img.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        assert img.get_attribute("alt")
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_text("The numbers: incidents per year").click()
    expect(page.get_by_role("link", name="2017", exact=True)).to_be_visible()
    shot(page, "charts-laptop")


def test_not_found_page(page: Any) -> None:
    from playwright.sync_api import expect

    response = page.goto("/incidents/no-such-incident")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(page.get_by_role("alert")).to_contain_text("no-such-incident")
    shot(page, "not-found-laptop")
    page.get_by_role("link", name="incident list").click()
    page.wait_for_url(re.compile(r"/incidents$"))


# --- keyboard -----------------------------------------------------------------------------------


def test_keyboard_navigation(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown on screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab from the top of the page to the Incidents link of the main navigation, then Enter.
    page.goto("/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Incidents":
            break
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents")
    expect(link).to_be_focused()
    outline = link.evaluate("el => getComputedStyle(el).outlineStyle")
    background = link.evaluate("el => getComputedStyle(el).backgroundColor")
    assert outline != "none" and background != "rgba(0, 0, 0, 0)", "focus is not visible"
    shot(page, "keyboard-focus-laptop", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/incidents$"))
    # Fill the search with the keyboard only and submit with Enter.
    page.get_by_label("Search").focus()
    page.keyboard.type("Sandworm")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Sandworm"))
    expect(page.locator("#result-count")).to_contain_text("match")
    # Focus moves from the search box to the next filter, in reading order.
    page.get_by_label("Search").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Year")).to_be_focused()


# --- phone --------------------------------------------------------------------------------------


def test_phone_viewport(phone: Any) -> None:
    from playwright.sync_api import expect

    phone.goto("/incidents?year=2017")
    no_sideways_scroll(phone)
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Charts")).to_be_visible()
    expect(phone.get_by_role("button", name="Apply filters")).to_be_visible()
    # Table rows stack into labelled blocks: the header row is hidden, labels come from CSS.
    first = phone.locator('td[data-label="Incident"]').first
    label = first.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Incident" in label
    row_box = phone.locator("table.stack tbody tr").first.bounding_box()
    assert row_box and row_box["width"] <= PHONE["width"]
    shot(phone, "incidents-phone", full_page=False)
    phone.goto("/incidents/notpetya-2017")
    no_sideways_scroll(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("NotPetya")
    shot(phone, "incident-notpetya-phone", full_page=False)
    phone.locator("#norms").scroll_into_view_if_needed()
    shot(phone, "incident-notpetya-norms-phone", full_page=False)
    phone.goto("/route?requesting=FRA&holder=NLD&data=subscriber&provider_home=USA")
    no_sideways_scroll(phone)
    expect(phone.locator("li.channel.open").first).to_be_visible()
    phone.locator("#open-channels").scroll_into_view_if_needed()
    shot(phone, "route-phone", full_page=False)
    phone.goto("/charts")
    no_sideways_scroll(phone)
    shot(phone, "charts-phone")
    phone.goto("/")
    no_sideways_scroll(phone)
    shot(phone, "home-phone")
