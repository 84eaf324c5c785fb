"""The first hour of each of normwatch's four users, walked in a real headless Chromium.

A journalist, a diplomat, a liaison officer and a researcher each follow the path they
would take on their first visit; every step checks what that person must see on the
screen and keeps a screenshot, ``out/screenshots/user-<who>-<step>.png``. The server and
browser set-up follow tests/test_browser.py (Debian's /usr/bin/chromium, uvicorn on a
free loopback port).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from browsing import LAPTOP, ROOT, needs_chromium, offline, shot

pytestmark = needs_chromium


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Any]:
    """A laptop-sized tab that fails the test on a script error or a server error page."""
    context = browser.new_context(viewport=LAPTOP, base_url=server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("response", lambda r: problems.append(f"{r.status} from {r.url}") if r.status >= 500 else None)
    try:
        yield page
        assert not problems, problems
    finally:
        context.close()


def result_count(page: Any) -> int:
    match = re.search(r"(\d+) incidents? match", page.locator("#result-count").inner_text())
    assert match, page.locator("#result-count").inner_text()
    return int(match.group(1))


def csv_rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def download_csv(page: Any, link: Any) -> str:
    """What a click on a CSV link gives the user: a download or, when served inline, the page text."""
    href = link.get_attribute("href")
    if link.get_attribute("download") is not None:
        with page.expect_download() as info:
            link.click()
        path = info.value.path()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    response = page.request.get(href)
    assert response.ok, f"{href}: {response.status}"
    assert response.headers["content-type"].startswith("text/csv"), response.headers["content-type"]
    return str(response.text())


# --- the journalist: who broke their own promises, with sources to cite --------------------------


def test_journalist_first_hour(tab: Any) -> None:
    from playwright.sync_api import expect

    # Home: the search box says it matches groups and their aliases.
    tab.goto("/")
    search = tab.get_by_role("searchbox", name=re.compile("Search incidents"))
    expect(search).to_be_visible()
    shot(tab, "user-journalist-1-home")

    # "Fancy Bear" is an alias of APT28: the search finds APT28's incidents.
    search.fill("Fancy Bear")
    search.press("Enter")
    tab.wait_for_url(re.compile(r"/incidents\?q=Fancy"))
    found = result_count(tab)
    assert found >= 10, f"'Fancy Bear' found only {found} incidents"
    names = tab.locator('td[data-label="Incident"] a')
    assert any("APT28" in n for n in names.all_inner_texts()), "no APT28 incident among the results"
    fancy_ids = {h.rsplit("/", 1)[-1] for h in (a.get_attribute("href") for a in names.all()) if h}
    shot(tab, "user-journalist-2-search-fancy-bear")

    # Rankings: states by breaches of their own commitments, with names, not codes.
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Rankings").click()
    tab.wait_for_url(re.compile(r"/rankings"))
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    expect(tab.get_by_text("By breaches of their own commitments").first).to_be_visible()
    first = tab.locator("table tbody tr").first
    expect(first.locator('td[data-label="Rank"]')).to_have_text("1")
    assert not re.fullmatch(r"[A-Z]{3}", first.locator('td[data-label="State"] a').inner_text().strip())
    shot(tab, "user-journalist-3-rankings")

    # The rankings CSV is a CSV with the same first state.
    top = first.locator('td[data-label="State"] a').inner_text().strip()
    body = download_csv(tab, tab.get_by_role("link", name="CSV", exact=True))
    rows = csv_rows(body)
    assert rows and {"rank", "state", "name"} <= set(rows[0])
    assert rows[0]["rank"] == "1" and rows[0]["name"] == top

    # The top state's row opens its incidents, each with the claims and their sources.
    russia = tab.locator("table tbody tr").filter(has_text="Russian Federation").first
    russia.locator('td[data-label="Incidents"] a').click()
    folded = tab.locator("details#state-RUS")
    if folded.get_attribute("open") is None:
        folded.locator(":scope > summary").click()
    expect(folded.locator("table")).to_be_visible()
    claims = folded.locator('td[data-label="Claims"]')
    assert claims.count() > 0
    cited = folded.locator('td[data-label="Claims"] a[href^="http"]')
    assert cited.count() >= claims.count(), "some claims carry no source link"
    red_line = folded.locator('td[data-label="Red line"] a').first
    assert red_line.get_attribute("href") == "/methodology#red-line"
    folded.scroll_into_view_if_needed()
    shot(tab, "user-journalist-4-state-incidents", full_page=False)

    # The red-line link explains what a red line is.
    red_line.click()
    tab.wait_for_url(re.compile(r"/methodology#red-line$"))
    expect(tab.locator("#red-line")).to_be_visible()
    expect(tab.locator("#red-line")).to_contain_text("red line")
    tab.go_back()

    # Open an APT28 incident from Russia's row: each attribution claim has its own sources.
    links = folded.locator('td[data-label="Incident"] a')
    chosen = next(a for a in links.all() if (a.get_attribute("href") or "").rsplit("/", 1)[-1] in fancy_ids)
    if folded.get_attribute("open") is None:
        folded.locator(":scope > summary").click()
    chosen.click()
    tab.wait_for_url(re.compile(r"/incidents/[a-z0-9-]+$"))
    incident_id = tab.url.rsplit("/", 1)[-1]
    assert incident_id in fancy_ids
    attributions = tab.locator("h3", has_text="Attributions").locator("xpath=following-sibling::div[1]//tbody/tr")
    assert attributions.count() >= 1
    for row in attributions.all():
        sources = row.locator('td[data-label="Sources"]')
        assert sources.locator('a[href^="http"]').count() >= 1 or "no claim source" in sources.inner_text(), \
            f"{incident_id}: an attribution row has neither sources nor a note"
    assert tab.locator('td[data-label="Sources"] a[href^="http"]').count() >= 1
    glance_red_line = tab.locator("dl.glance").get_by_role("link", name="Red line")
    assert glance_red_line.get_attribute("href") == "/methodology#red-line"
    shot(tab, "user-journalist-5-incident-claims")


# --- the diplomat: a brief to forward ------------------------------------------------------------


def test_diplomat_first_hour(tab: Any) -> None:
    from playwright.sync_api import expect

    tab.goto("/incidents/notpetya-2017")
    expect(tab.get_by_role("heading", level=1)).to_have_text("NotPetya")
    brief_link = tab.locator("#brief-links").get_by_role("link", name=re.compile("HTML"))
    expect(brief_link).to_be_visible()
    shot(tab, "user-diplomat-1-incident", full_page=False)

    norm_title = tab.request.get("/api/norms/un-gge-2015:13f").json()["title"]
    brief_link.click()
    tab.wait_for_url(re.compile(r"/api/briefs/notpetya-2017\?format=html$"))
    expect(tab.get_by_role("heading", level=1)).to_contain_text("NotPetya")
    body = tab.locator("body")
    expect(body).to_contain_text("Russian Federation")
    expect(body).to_contain_text(norm_title)

    # What a reader sees with every disclosure closed: no markdown, no rule code, no codes for names.
    visible = tab.evaluate(
        """() => { const copy = document.body.cloneNode(true);
                   copy.querySelectorAll('details').forEach(d => d.remove());
                   return copy.innerText; }"""
    )
    assert "`" not in visible and "**" not in visible, "literal markdown in the brief"
    assert "[rule:" not in visible
    for operator in (">=", "&&", "||"):
        assert operator not in visible, f"rule code {operator!r} outside a disclosure"
    assert "retorsion [retorsion]" not in visible
    assert not re.search(r"\bRUS\b", visible), "a state shown by its code"
    # Rule expressions exist, folded behind a disclosure.
    assert tab.locator("details code").count() > 0
    assert tab.locator("code").count() == tab.locator("details code").count()
    # Every norm id stands beside its name.
    ids = tab.locator("span.id")
    assert ids.count() > 0
    for badge in ids.all():
        name = badge.evaluate("e => e.previousElementSibling ? e.previousElementSibling.innerText : ''")
        assert name.strip() and name.strip() != badge.inner_text().strip()
    shot(tab, "user-diplomat-2-brief")

    first_rule = tab.locator("details.rule").first
    first_rule.locator("summary").click()
    expect(first_rule.locator("code").first).to_be_visible()
    shot(tab, "user-diplomat-3-brief-rule-open", full_page=False)


def test_diplomat_brief_opens_with_its_layout(tab: Any) -> None:
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    tab.goto("/api/briefs/notpetya-2017?format=html")
    # The brief's stylesheet narrows the text column and sets each rule expression on its own line.
    assert tab.evaluate("getComputedStyle(document.body).maxWidth") != "none"
    assert not refused, refused


# --- the liaison officer: which channel for an evidence request ----------------------------------


def test_liaison_officer_first_hour(tab: Any) -> None:
    from playwright.sync_api import expect

    tab.goto("/route")
    tab.get_by_label("Requesting state").fill("FRA")
    tab.get_by_label("State where the data is held").fill("USA")
    tab.get_by_label("Data wanted").select_option("content")
    tab.get_by_role("button", name="Find channels").click()
    tab.wait_for_url(re.compile(r"requesting=FRA"))
    expect(tab.locator("#answer")).to_contain_text("France")
    expect(tab.locator("#answer")).to_contain_text("United States")

    # What applies comes first and is visible; what does not is folded below it.
    opened = tab.locator("ol.channels-open > li")
    assert opened.count() >= 1
    expect(opened.first.locator("h4")).to_be_visible()
    closed = tab.locator("details.closed-channels")
    expect(closed).to_be_visible()
    assert closed.get_attribute("open") is None
    expect(closed.locator("li").first).to_be_hidden()
    assert opened.last.bounding_box()["y"] < closed.bounding_box()["y"]
    # Each open channel's reasons are folded too.
    reasons = opened.first.locator("details")
    assert reasons.get_attribute("open") is None
    expect(reasons.locator("ul.reasons")).to_be_hidden()
    height = tab.evaluate("document.documentElement.scrollHeight")
    shot(tab, "user-liaison-1-channels")
    (ROOT / "out").mkdir(exist_ok=True)
    (ROOT / "out" / "user-liaison-route-height.txt").write_text(f"/route FRA to USA, content: {height} px\n")

    closed.locator("summary").click()
    expect(closed.locator("li").first).to_be_visible()
    shot(tab, "user-liaison-2-closed-unfolded")

    # A bad state code: the error, naming the field, sits above the form, which keeps the input.
    tab.get_by_label("Requesting state").fill("ZZZ")
    tab.get_by_role("button", name="Find channels").click()
    alert = tab.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("requesting")
    expect(alert).to_contain_text("ZZZ")
    form = tab.locator("form.filters").filter(has=tab.get_by_role("button", name="Find channels"))
    assert alert.bounding_box()["y"] < form.bounding_box()["y"], "the error box is below the form"
    expect(tab.get_by_label("Requesting state")).to_have_value("ZZZ")
    shot(tab, "user-liaison-3-bad-state", full_page=False)


# --- the researcher: method and data to reuse ----------------------------------------------------


def test_researcher_first_hour(tab: Any) -> None:
    from playwright.sync_api import expect

    tab.goto("/methodology")
    for section in ("sourcing", "undetermined", "red-line", "responsibility", "closed-world", "agreement"):
        heading = tab.locator(f"h2#{section}")
        expect(heading).to_be_visible()
        assert heading.locator("xpath=..").inner_text().strip() != heading.inner_text().strip(), \
            f"the methodology section {section} is empty"
    shot(tab, "user-researcher-1-methodology")

    # Sort the incident list by name through the column header.
    tab.goto("/incidents")
    total = result_count(tab)
    header = tab.locator("thead th").filter(has=tab.get_by_role("link", name=re.compile("^Incident")))
    header.get_by_role("link").click()
    tab.wait_for_url(re.compile(r"sort=name"))
    assert parse_qs(urlsplit(tab.url).query)["order"] == ["asc"]
    expect(header).to_have_attribute("aria-sort", "ascending")
    names = [n.strip() for n in tab.locator('td[data-label="Incident"]').all_inner_texts()]
    assert len(names) > 1
    assert names == sorted(names, key=str.casefold) or names == sorted(names), names[:5]
    shot(tab, "user-researcher-2-incidents-by-name")

    # The CSV link gives every row, in the order chosen.
    body = download_csv(tab, tab.get_by_role("link", name="CSV", exact=True))
    rows = csv_rows(body)
    assert len(rows) == total
    assert "id" in rows[0] and "name" in rows[0]
    assert rows[0]["name"] == names[0]

    # /docs with the network off: Swagger UI comes from this server and lists the operations.
    blocked = offline(tab.context)
    tab.goto("/docs")
    operations = tab.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 10
    expect(tab.locator(".opblock-summary-path").filter(has_text="/api/incidents").first).to_be_visible()
    shot(tab, "user-researcher-3-docs-offline", full_page=False)
    assert not blocked, f"/docs asked for addresses off this machine: {blocked}"
