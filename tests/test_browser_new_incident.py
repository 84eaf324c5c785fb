"""The crisis workflow in a real headless Chromium: a news text becomes fields, the
fields an assessment and a brief, and the record a draft, saved only with a write token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browsing import LAPTOP, ROOT, needs_chromium, serve, shot

pytestmark = needs_chromium

NEWS = (
    "BERLIN, 28 November 2026 - The German government said on Friday that hackers of Russia's military "
    "intelligence service, the group known as Sandworm, wiped the servers of a regional hospital network "
    "in Saxony on 20 November, forcing surgeries to be postponed. The interior ministry called the attack "
    "a grave breach of the norms Russia had agreed to. Moscow denied any involvement."
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """A server over a fresh SQLite store built from the knowledge base, and a write token."""
    folder = tmp_path_factory.mktemp("store")
    database = folder / "form.sqlite"
    env = {**os.environ, "NORMWATCH_DATABASE_URL": str(database), "NORMWATCH_DATA_DIR": str(folder)}
    cli = [sys.executable, "-m", "normwatch"]
    subprocess.run([*cli, "db", "build"], env=env, check=True, capture_output=True)
    made = subprocess.run([*cli, "token", "create", "--name", "desk-officer", "--scope", "write"],
                          env=env, check=True, capture_output=True, text=True)
    token = next(word for word in made.stdout.split() if word.startswith("nw_"))
    with serve("normwatch.service.app:app_from_environment", env) as base:
        yield base, database, token


def pending_drafts(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("select count(*) from drafts").fetchone()[0])


def test_news_text_to_fields_to_brief_to_draft(browser: Any, served: tuple[str, Path, str], tmp_path: Path):
    base, database, token = served
    context = browser.new_context(viewport=LAPTOP, base_url=base, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    started = time.monotonic()
    tab.goto("/incidents/new")
    tab.fill("#f-text", NEWS)
    tab.click("#extract")
    # the fields are filled from the text, and the words they came from are marked
    assert tab.input_value("#t0c") == "DEU"
    assert tab.input_value("#b0t") == "RUS"
    assert tab.locator("#marked-text mark").count() >= 3
    assert "Moscow denied" in tab.inner_text("#marked-text")
    shot(tab, "new-incident-from-text")
    # edit with the vocabulary offered: the sector menu, a source for the claim
    tab.select_option("#t0s", "health")
    tab.fill("#b0u", "https://example.org/berlin-statement")
    tab.fill("#f-sources", "https://example.org/berlin-statement")
    if not tab.input_value("#f-id"):
        tab.fill("#f-id", "saxony-hospital-wiper-2026")
    tab.click("#update")
    section = tab.locator("#assessment-section")
    assert section.is_visible()
    text = section.inner_text()
    assert "Russian Federation" in text and "crossed" in text
    elapsed = time.monotonic() - started
    shot(tab, "new-incident-assessed")
    # the brief downloads
    tab.select_option("#f-format", "md")
    with tab.expect_download() as download:
        tab.click("#download")
    saved = tmp_path / "brief.md"
    download.value.save_as(saved)
    assert "Crisis brief" in saved.read_text(encoding="utf-8")
    # without a token nothing is saved
    assert pending_drafts(database) == 0
    tab.click("#submit")
    assert "nothing was saved" in tab.inner_text("#form-error").lower()
    assert pending_drafts(database) == 0
    # with a write token the draft goes to review
    tab.fill("#f-token", token)
    tab.fill("#f-reason", "entered from a news report")
    tab.click("#submit")
    assert "saved for review" in tab.inner_text("#saved")
    assert pending_drafts(database) == 1
    shot(tab, "new-incident-saved")
    context.close()
    (ROOT / "out").mkdir(exist_ok=True)
    (ROOT / "out" / "new-incident-timing.txt").write_text(f"text to brief on the form: {elapsed:.1f} s\n")


def test_the_assessment_follows_the_edits_without_a_reload(browser: Any, served: tuple[str, Path, str]):
    from playwright.sync_api import expect

    base, database, _ = served
    before = pending_drafts(database)
    context = browser.new_context(viewport=LAPTOP, base_url=base)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.goto("/incidents/new")
    tab.fill("#f-id", "live-edit-2026")
    tab.fill("#f-name", "Live edit")
    tab.fill("#f-start", "2026-11-20")
    tab.check('input[name="operation"][value="espionage"]')
    tab.fill("#t0c", "DEU")
    tab.select_option("#t0s", "government")
    expect(tab.locator("#live-status")).to_contain_text("updated")
    section = tab.locator("#assessment-section")
    assert "Live edit" in section.inner_text()
    assert "Tolerated espionage" in section.inner_text()
    # an edit changes the assessment in place: a hospital disrupted crosses the red line
    tab.check('input[name="operation"][value="disruption"]')
    tab.select_option("#t0s", "health")
    tab.select_option("#e-availability", "lasting")
    expect(tab.locator("#assessment-section .redline-yes")).to_contain_text("crossed")
    # a field emptied again: the fields to fix are shown, and the status says so
    tab.fill("#f-name", "")
    tab.dispatch_event("#f-name", "change")
    expect(tab.locator("#live-status")).to_contain_text("need fixing")
    expect(tab.locator("#problems")).to_contain_text("name")
    assert tab.url.endswith("/incidents/new") and not problems
    shot(tab, "new-incident-live")
    context.close()
    assert pending_drafts(database) == before  # a live update never saves
