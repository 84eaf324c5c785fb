"""Listings: sortable web tables with a CSV twin, and command-line listings that fit 80
columns without cutting ids, with ``--format table|csv|json`` on every one."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from normwatch.cli import app
from normwatch.knowledge.load import KnowledgeBase

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from normwatch.service.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _hrefs(text: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'<a class="sort" href="([^"]+)"', text)]


# --- web: sorting -----------------------------------------------------------------------------


def test_incidents_sort_by_name_across_pages(client: TestClient) -> None:
    first = client.get("/incidents?sort=name&order=asc&format=json").json()
    second = client.get("/incidents?sort=name&order=asc&page=2&format=json").json()
    names = [r["name"].casefold() for r in first["incidents"] + second["incidents"]]
    assert names == sorted(names) and len(names) == 50
    assert first["sort"]["column"] == "name" and first["sort"]["order"] == "asc"
    backwards = client.get("/incidents?sort=name&order=desc&format=json").json()
    every = _rows(client.get("/incidents?format=csv&sort=name&order=desc").text)
    desc = [r["name"].casefold() for r in every]
    assert desc == sorted(desc, reverse=True) and len(every) == first["total"]
    assert [r["name"] for r in backwards["incidents"]] == [r["name"] for r in every][:25]


def test_incidents_sort_by_start_ascending_and_default_newest_first(client: TestClient) -> None:
    asc = client.get("/incidents?sort=start&order=asc&format=json").json()["incidents"]
    starts = [r["start"] for r in asc]
    assert starts == sorted(starts)
    default = client.get("/incidents?format=json").json()
    assert [r["start"] for r in default["incidents"]] == sorted((r["start"] for r in default["incidents"]),
                                                              reverse=True)
    assert default["sort"] == {"column": "start", "order": "desc", "columns": list(default["sort"]["columns"])}


def test_header_links_keep_filters_and_flip_the_current_order(client: TestClient) -> None:
    text = client.get("/incidents?year=2017&responsible=RUS&sort=name&order=asc").text
    links = _hrefs(text)
    assert links, "the headers are links"
    assert all("year=2017" in h and "responsible=RUS" in h for h in links)
    assert "/incidents?year=2017&responsible=RUS&sort=name&order=desc" in links
    assert 'aria-sort="ascending"' in text
    # the filter form keeps the sort when filters change
    assert '<input type="hidden" name="sort" value="name">' in text


def test_pagination_links_keep_the_sort(client: TestClient) -> None:
    text = client.get("/incidents?sort=name&order=desc").text
    nxt = re.search(r'<a href="([^"]+)" rel="next"', text)
    assert nxt is not None
    assert nxt.group(1).replace("&amp;", "&") == "/incidents?sort=name&order=desc&page=2"


@pytest.mark.parametrize("query, words", [
    ("sort=colour", "sort: 'colour' is not a column of this list"),
    ("sort=name&order=sideways", "order: 'sideways' is not asc or desc"),
    ("order=desc", "order: give sort=<column> with it"),
])
@pytest.mark.parametrize("path", ["/incidents", "/states", "/groups", "/norms", "/positions"])
def test_a_bad_sort_is_a_400_with_one_message(client: TestClient, path: str, query: str, words: str) -> None:
    page = client.get(f"{path}?{query}")
    assert page.status_code == 400
    assert page.text.count('role="alert"') == 1 and words in html.unescape(page.text)
    twin = client.get(f"{path}?{query}&format=json")
    assert twin.status_code == 400 and twin.json()["message"].startswith(words)


def test_states_groups_norms_positions_sort(client: TestClient) -> None:
    states = client.get("/states?sort=attributed&format=json").json()["states"]
    counts = [s["attributed"] for s in states]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    groups = client.get("/groups?sort=name&order=asc&format=json").json()["groups"]
    assert [g["name"].casefold() for g in groups] == sorted(g["name"].casefold() for g in groups)
    norms = client.get("/norms?sort=breach&format=json").json()["frameworks"]
    for framework in norms:
        breaches = [n["verdicts"]["breach"] for n in framework["norms"] if n["verdicts"]]
        assert breaches == sorted(breaches, reverse=True)
    natural = client.get("/norms?format=json").json()["frameworks"]
    assert natural[0]["norms"] != [], "without sort the framework's own order stays"
    positions = client.get("/positions?sort=sovereignty&format=json").json()["authors"]
    stances = [a["topics"]["sovereignty"]["stance"] if a["topics"]["sovereignty"] else None for a in positions]
    known = [s for s in stances if s is not None]
    assert stances == known + [None] * (len(stances) - len(known)), "silent cells come last"
    assert known == sorted(known)


# --- web: CSV ---------------------------------------------------------------------------------


def test_incident_csv_has_the_filtered_sorted_rows(client: TestClient) -> None:
    query = "year=2017&sort=start&order=asc"
    text = client.get(f"/incidents?{query}").text
    link = re.search(r'href="([^"]+)" download>CSV</a>', text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "year=2017" in href and "sort=start" in href and "format=csv" in href
    answer = client.get(href)
    assert answer.headers["content-type"].startswith("text/csv")
    rows = _rows(answer.text)
    page = client.get(f"/incidents?{query}&format=json").json()
    assert [r["id"] for r in rows] == [r["id"] for r in page["incidents"]]
    assert len(rows) == page["total"]
    assert all(r["start"].startswith("2017") for r in rows)


def test_the_csv_link_of_a_later_page_gives_every_row(client: TestClient) -> None:
    link = re.search(r'href="([^"]+)" download>CSV</a>', client.get("/incidents?page=2&sort=name").text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "page=" not in href
    total = client.get("/incidents?format=json").json()["total"]
    assert len(_rows(client.get(href).text)) == total


@pytest.mark.parametrize("path, key, name", [
    ("/states", "states", "state"), ("/groups", "groups", "id"), ("/positions", "authors", "who"),
])
def test_reference_csv_matches_the_page(client: TestClient, path: str, key: str, name: str) -> None:
    assert f'href="{path}?format=csv" download>CSV</a>' in client.get(path).text
    rows = _rows(client.get(f"{path}?format=csv").text)
    data = client.get(f"{path}?format=json").json()[key]
    assert [r[name] for r in rows] == [d[name] for d in data]


def test_norm_csv_has_every_norm_with_its_counts(client: TestClient, kb: KnowledgeBase) -> None:
    rows = _rows(client.get("/norms?format=csv").text)
    assert {r["id"] for r in rows} == set(kb.norms)
    gge = next(r for r in rows if r["id"] == "un-gge-2015:13f")
    page = client.get("/norms?format=json").json()
    counts = next(n for f in page["frameworks"] for n in f["norms"] if n["id"] == "un-gge-2015:13f")["verdicts"]
    assert int(gge["breach"]) == counts["breach"] and gge["framework"] == "un-gge-2015"


def test_a_formula_cell_is_neutralised_in_the_page_csv(tmp_path: Path) -> None:
    from normwatch.analysis.catalog import Catalog
    from normwatch.engine.rules import shipped_rules
    from normwatch.interchange import incidents_io
    from normwatch.knowledge.load import load
    from normwatch.knowledge.models import Incident

    formula = '=HYPERLINK("http://x","y")'
    incident = Incident.model_validate({
        "id": "formula-2020", "name": formula, "start": "2020", "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government"}], "sources": ["https://example.org/x"],
    })
    path = tmp_path / "formula.yaml"
    path.write_text(incidents_io.dump_yaml(incident), encoding="utf-8")
    with TestClient(create_app(Catalog(load(extra=[path]), shipped_rules()))) as c:
        rows = _rows(c.get("/incidents?format=csv&year=2020").text)
    row = next(r for r in rows if r["id"] == "formula-2020")
    assert row["name"] == "'" + formula


# --- command line -----------------------------------------------------------------------------

runner = CliRunner()


def _cli(monkeypatch: pytest.MonkeyPatch, width: int, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


LISTINGS = [
    (["incidents"], "id"), (["norms"], "id"), (["groups"], "id"), (["instruments"], "id"),
    (["rules"], "norm"), (["rules", "--facts"], "fact"),
]


@pytest.mark.parametrize("args, key", LISTINGS)
def test_listings_at_80_columns_keep_every_id_whole(
    monkeypatch: pytest.MonkeyPatch, args: list[str], key: str
) -> None:
    table = _cli(monkeypatch, 80, *args)
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "…" not in table
    ids = [r[key] for r in _rows(_cli(monkeypatch, 80, *args, "--format", "csv"))]
    assert ids
    first_cells = {line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")}
    missing = [i for i in ids if i not in first_cells]
    assert not missing, f"ids cut or wrapped at 80 columns: {missing[:5]}"


def test_incident_dates_are_not_split(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    table = _cli(monkeypatch, 80, "incidents")
    for incident in kb.incidents:
        assert re.search(rf"│ {re.escape(incident.id)} +│ {re.escape(incident.start)} +│", table), incident.id


def test_a_narrow_table_says_which_columns_it_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = _cli(monkeypatch, 80, "incidents", "--year", "2017")
    wide = _cli(monkeypatch, 200, "incidents", "--year", "2017")
    assert "left out to fit 80 columns: name" in narrow
    assert "┃ name" in wide and "left out" not in wide


@pytest.mark.parametrize("args, key", LISTINGS)
def test_csv_and_json_formats_parse(monkeypatch: pytest.MonkeyPatch, args: list[str], key: str) -> None:
    rows = _rows(_cli(monkeypatch, 80, *args, "--format", "csv"))
    data: Any = json.loads(_cli(monkeypatch, 80, *args, "--format", "json"))
    assert json.loads(_cli(monkeypatch, 80, *args, "--json")) == data
    if isinstance(data, dict):  # `rules --json`: the rule set document
        data = data["norms"]
    assert len(rows) == len(data) > 0
    assert [r[key] for r in rows] == [d[key] for d in data]


def test_incident_csv_carries_what_the_table_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(_cli(monkeypatch, 80, "incidents", "--responsible", "RUS", "--year", "2017", "--format", "csv"))
    notpetya = next(r for r in rows if r["id"] == "notpetya-2017")
    assert notpetya["start"] == "2017-06-27" and "RUS (high)" in notpetya["responsible"]
    assert notpetya["name"] == "NotPetya"


def test_a_bad_format_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["groups", "--format", "xml"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --format: 'xml' is not one of table, csv, json"
    clash = runner.invoke(app, ["norms", "--json", "--format", "csv"])
    assert clash.exit_code == 2 and "give one" in clash.output
