"""The web UI, in process (FastAPI TestClient): every page, its JSON twin, filters, forms, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import normwatch

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient  # noqa: E402
from markupsafe import escape  # noqa: E402

from normwatch.analysis.catalog import Catalog, IncidentFilter  # noqa: E402
from normwatch.analysis.whatif import DraftRule, whatif  # noqa: E402
from normwatch.engine.responsibility import responsible_states  # noqa: E402
from normwatch.engine.results import split_rules  # noqa: E402
from normwatch.engine.rules import shipped_rules  # noqa: E402
from normwatch.publish.brief import Names  # noqa: E402
from normwatch.service.app import create_app  # noqa: E402


def route(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 4 JSON of one route answer (what the CLI and the API print)."""
    return normwatch.route(*args, **kwargs).model_dump(mode="json")

EXAMPLE = (Path(__file__).parent.parent / "docs" / "examples" / "draft-health.yaml").read_text(encoding="utf-8")

PAGES = [
    "/", "/incidents", "/incidents?year=2017&red_line=yes", "/incidents/notpetya-2017", "/states",
    "/states/RUS", "/states/FRA", "/norms", "/norms/un-gge-2015:13f", "/norms/paris-call:3", "/route",
    "/route?requesting=FRA&holder=NLD&data=subscriber", "/whatif", "/charts", "/positions", "/methodology", "/groups", "/groups/apt28",
]


@pytest.fixture(scope="module")
def catalog(kb) -> Catalog:
    return Catalog(kb, shipped_rules())


@pytest.fixture(scope="module")
def client(catalog) -> TestClient:
    return TestClient(create_app(catalog))


class Forms(HTMLParser):
    """Collects form fields, labels, table rows and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))


def parse(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def esc(text: str) -> str:
    return str(escape(text))


def rows(html: str) -> list[str]:
    """The incident ids linked from the table rows of a list page."""
    return re.findall(r'<td data-label="Incident"><a href="/incidents/([a-z0-9-]+)">', html)


# --- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_accessible_html(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="en">' in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    assert html.count("<h1") == 1
    assert '<meta name="viewport"' in html
    assert 'rel="alternate" type="application/json"' in html
    page = parse(html)
    for f in page.fields:  # every form field has a label
        assert f.get("id") in page.labels, f"{path}: field {f} has no <label for>"
    assert "Traceback" not in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_json_twin(client, path):
    sep = "&" if "?" in path else "?"
    by_query = client.get(f"{path}{sep}format=json")
    by_header = client.get(path, headers={"Accept": "application/json"})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.headers["content-type"] == "application/json"
    assert by_query.json() == by_header.json()
    assert isinstance(by_query.json(), dict)
    assert by_header.headers["vary"] == "Accept"


def test_browser_accept_header_gets_html(client):
    r = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"})
    assert r.headers["content-type"].startswith("text/html")


def test_web_routes_stay_out_of_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/api", "/taxii2"))]


def test_stylesheet_and_icon(client):
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text and "@media (max-width" in css.text
    assert client.get("/static/favicon.svg").headers["content-type"] == "image/svg+xml"
    assert client.get("/static/../../etc/passwd").status_code == 404
    assert client.get("/static/nothing.css").status_code == 404


# --- home -----------------------------------------------------------------------------------


def test_home_counts(client, kb):
    data = client.get("/?format=json").json()
    assert data["counts"]["incidents"] == len(kb.incidents)
    assert data["counts"]["norms"] == len(kb.norms)
    assert len(data["latest"]) == 5
    html = client.get("/").text
    assert f"<strong>{len(kb.incidents)}</strong> incidents" in html
    for href in ("/incidents", "/states", "/norms", "/route", "/whatif", "/charts"):
        assert f'href="{href}"' in html


# --- incident list ----------------------------------------------------------------------------


def test_incident_list_paginates(client, kb):
    first = client.get("/incidents?format=json").json()
    assert first["total"] == len(kb.incidents)
    assert first["per_page"] == 25 and len(first["incidents"]) == 25
    assert first["pages"] == -(-len(kb.incidents) // 25)
    second = client.get("/incidents?page=2&format=json").json()
    assert not {i["id"] for i in first["incidents"]} & {i["id"] for i in second["incidents"]}
    html = client.get("/incidents").text
    assert 'rel="next"' in html and "page 1 of" in html
    last = client.get(f"/incidents?page={first['pages']}").text
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = client.get(f"/incidents?page={first['pages'] + 5}")
    assert beyond.status_code == 404 and f"this list has {first['pages']} pages" in beyond.text


@pytest.mark.parametrize("query,check", [
    ("year=2017", lambda i, rl: i.start.startswith("2017")),
    ("responsible=RUS", lambda i, rl: "RUS" in {a.to for a in i.attributions}),
    ("responsible=rus", lambda i, rl: "RUS" in {a.to for a in i.attributions}),
    ("victim=UKR", lambda i, rl: "UKR" in {t.country for t in i.targets}),
    ("sector=energy", lambda i, rl: "energy" in {t.sector for t in i.targets}),
    ("operation=ip-theft", lambda i, rl: "ip-theft" in i.operation),
    ("red_line=yes", lambda i, rl: rl),
    ("red_line=no", lambda i, rl: not rl),
    ("year=2017&red_line=yes&responsible=RUS", lambda i, rl: i.start.startswith("2017") and rl),
])
def test_incident_filters(client, catalog, query, check):
    data = client.get(f"/incidents?{query}&format=json").json()
    assert data["total"] > 0
    expected = [i.id for i in catalog.incidents_by_start if check(i, catalog.red_lines[i.id])]
    if "responsible" not in query or "&" not in query:
        assert data["total"] == len(expected)
    for row in data["incidents"]:
        assert check(catalog.incident(row["id"]), row["red_line"])
    html = client.get(f"/incidents?{query}").text
    assert rows(html) == [row["id"] for row in data["incidents"]]
    assert f"{data['total']} incident" in html
    assert "Clear filters" in html


def test_incident_filter_values_are_kept_in_the_form(client):
    html = client.get("/incidents?year=2017&responsible=RUS&sector=energy&red_line=yes&q=petya").text
    assert '<option value="2017" selected>' in html
    assert '<option value="RUS" selected>' in html
    assert '<option value="energy" selected>' in html
    assert '<option value="yes" selected>' in html
    assert 'value="petya"' in html


def test_incident_search(client, catalog):
    data = client.get("/incidents?q=notpetya&format=json").json()
    assert "notpetya-2017" in [i["id"] for i in data["incidents"]]
    by_actor = client.get("/incidents?q=Sandworm&format=json").json()
    _, total = catalog.incidents(IncidentFilter(q="Sandworm"))
    assert by_actor["total"] == total > 1
    nothing = client.get("/incidents?q=zzzz-no-such-thing")
    assert nothing.status_code == 200 and "No incident matches" in nothing.text


@pytest.mark.parametrize("query", [
    "year=abc", "year=3000", "responsible=XX", "victim=ZZZ", "sector=moon", "operation=picnic",
    "red_line=maybe", "page=0", "page=x", "q=" + "a" * 201,
])
def test_bad_filters_give_a_friendly_400(client, query):
    r = client.get(f"/incidents?{query}")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "Bad request" in r.text and "Traceback" not in r.text
    j = client.get(f"/incidents?{query}&format=json")
    assert j.status_code == 400 and j.json()["status"] == 400 and j.json()["message"]


# --- incident page ----------------------------------------------------------------------------


def shown_apart(reason: str, html: str) -> None:
    """A reason's words are on the page, and its rule expression behind a disclosure."""
    words, rules = split_rules(reason)
    assert esc(words) in html
    for rule in rules:
        assert f"<summary>rule</summary><code>{esc(rule)}" in html


def test_incident_page_shows_the_assessment(client, catalog):
    a = catalog.assessment("notpetya-2017")
    html = client.get("/incidents/notpetya-2017").text
    assert "<h1>NotPetya</h1>" in html
    for reason in a["red_line_reasons"]:
        shown_apart(reason, html)
    for n in a["norms"]:
        assert f'href="/norms/{n["id"]}"' in html
        if n["verdict"] != "not-engaged":
            assert f'badge verdict-{n["verdict"]}' in html
    for question, answer in a["law"].items():
        assert question.replace("_", " ") in html
        assert f'badge law-{answer}' in html
        for reason in a["law_reasons"][question]:
            shown_apart(reason, html)
    for c in a["commitments_breached"]:
        assert f'broke <a href="/norms/{c["norm"]}">' in html
    for o in a["response_options"]:
        assert Names(catalog.kb).option(o["id"], o["kind"])[0] in html
    assert f'{a["intensity"]}</strong> / 10' in html
    for url in catalog.incident("notpetya-2017").sources:
        assert f'<a href="{url}"' in html
    assert "Precedents" in html and 'href="/incidents/' in html
    assert 'href="/incidents/shadow-brokers-leak-2017"' in html  # related incident
    assert "10,000,000,000" in html  # economic loss, readable


def test_incident_json_twin_is_the_contract3_assessment(client, catalog):
    data = client.get("/incidents/notpetya-2017", headers={"Accept": "application/json"}).json()
    assert data["assessment"] == catalog.assessment("notpetya-2017")
    assert data["incident"]["id"] == "notpetya-2017"
    assert data["precedents"] and all("similarity" in p for p in data["precedents"])
    assert isinstance(data["channels"], list)


@pytest.mark.parametrize("path", ["/incidents/no-such-incident", "/norms/no:such", "/states/XYZ", "/states/12",
                                  "/nothing/here", "/incidents/notpetya-2017/extra"])
def test_unknown_ids_give_a_friendly_404(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and 'href="/incidents"' in r.text and "Traceback" not in r.text
    j = client.get(path, headers={"Accept": "application/json"})
    assert j.status_code == 404 and j.json()["error"] == "Not found"


def test_unknown_api_paths_stay_json(client):
    r = client.get("/api/no-such-endpoint-at-all")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_trailing_slash_redirects(client):
    r = client.get("/incidents/?year=2017", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/incidents?year=2017"


# --- states -------------------------------------------------------------------------------------


def test_state_page(client, catalog, kb):
    data = client.get("/states/RUS?format=json").json()
    attributed = [i.id for i in catalog.incidents_by_start if "RUS" in [r.state for r in responsible_states(i)]]
    assert [i["id"] for i in data["attributed"]] == attributed
    assert data["scorecard"]["incidents_attributed"] == len(attributed)
    assert all(c["state"] == "RUS" for c in data["scorecard"]["commitments_broken"])
    assert data["scorecard"]["commitments_broken"]
    # incidents RUS is itself held responsible for are listed apart, not as suffered
    targeted = [i.id for i in catalog.incidents_by_start if "RUS" in {t.country for t in i.targets}]
    assert [i["id"] for i in data["suffered"]] == [i for i in targeted if i not in attributed]
    assert [i["id"] for i in data["also_hit_own"]] == [i for i in targeted if i in attributed]
    assert {c["instrument"] for c in data["commitments"]} == {c.instrument for c in kb.commitments_of("RUS")}
    html = client.get("/states/RUS").text
    assert "Russian Federation" in html and "Memberships" in html and "Commitments broken" in html
    fra = client.get("/states/FRA").text
    assert "2006-01-10" in fra  # Budapest ratification date
    assert 'href="/incidents?responsible=FRA"' in fra


def test_state_codes_are_normalised(client):
    r = client.get("/states/rus", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/states/RUS"
    r = client.get("/states?code=fra", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/states/FRA"
    assert client.get("/states?code=nope").status_code == 400


def test_state_list(client, kb):
    data = client.get("/states?format=json").json()
    codes = {s["state"] for s in data["states"]}
    assert {s.iso3 for s in kb.states} <= codes
    rus = next(s for s in data["states"] if s["state"] == "RUS")
    assert rus["attributed"] > 10
    # the page counts states as `check` does; territories that incidents name come after
    assert data["recorded"] == len(kb.states)
    assert [s["recorded_state"] for s in data["states"]] == sorted(
        (s["recorded_state"] for s in data["states"]), reverse=True)
    taiwan = next(s for s in data["states"] if s["state"] == "TWN")
    assert taiwan["recorded_state"] is False and taiwan["suffered"] >= 1
    html = client.get("/states").text
    assert f"{len(kb.states)} states (UN members and observers)" in html


# --- norms ----------------------------------------------------------------------------------------


def test_norm_page(client, catalog, kb):
    data = client.get("/norms/un-gge-2015:13f?format=json").json()
    assert data["norm"]["id"] == "un-gge-2015:13f"
    assert data["rule"]["engaged"] == [c.model_dump() for c in catalog.rules.norms["un-gge-2015:13f"].engaged]
    verdicts = {i["id"]: i["verdict"] for i in data["incidents"]}
    assert verdicts["notpetya-2017"] == "breach"
    for incident_id, verdict in verdicts.items():
        assessed = next(n for n in catalog.assessment(incident_id)["norms"] if n["id"] == "un-gge-2015:13f")
        assert assessed["verdict"] == verdict
    assert sum(data["verdicts"].values()) == len(kb.incidents)
    assert "paris-call:1" in [c["id"] for c in data["crosswalk"]]
    html = client.get("/norms/un-gge-2015:13f").text
    assert "The rule" in html and "<code>ci_harmed</code>" in html
    assert kb.norms["un-gge-2015:13f"].paragraph in html


def test_norm_list(client, kb):
    data = client.get("/norms?format=json").json()
    assert sum(len(f["norms"]) for f in data["frameworks"]) == len(kb.norms)
    html = client.get("/norms").text
    for norm_id in kb.norms:
        assert f'href="/norms/{norm_id}"' in html


# --- router form ------------------------------------------------------------------------------------


def test_router_form_answers_contract4(client, kb):
    query = "requesting=FRA&holder=NLD&provider_home=USA&offender=RUS&data=subscriber&on=2026-11-22"
    data = client.get(f"/route?{query}&format=json").json()
    expected = route("FRA", "NLD", "subscriber", provider_home="USA", offender="RUS", on="2026-11-22", kb=kb)
    assert data == expected
    html = client.get(f"/route?{query}").text
    # What applies comes first, each channel in full; the rest is folded under one disclosure.
    opened = [c for c in expected["channels"] if c["applicable"]]
    assert html.count('<li class="channel open"') == len(opened)
    folded = html.split('<details class="closed-channels">', 1)[1].split("</details>", 1)[0]
    assert folded.count("<li id=\"ch-") == len(expected["channels"]) - len(opened)
    assert html.index('<li class="channel open"') < html.index('<details class="closed-channels">')
    for row in opened:
        assert esc(row["name"]) in html
    for gap in expected["gaps"]:
        assert esc(gap) in html
    assert 'value="FRA"' in html and '<option value="subscriber" selected>' in html


def test_router_form_lowercase_and_urgent(client):
    data = client.get("/route?requesting=fra&holder=nld&data=content&urgent=on&format=json").json()
    assert data["question"]["requesting"] == "FRA" and data["question"]["urgent"] is True


@pytest.mark.parametrize("query,message", [
    ("requesting=XXX&holder=NLD&data=subscriber", "is not an ISO 3166-1 alpha-3 country code"),
    ("requesting=FRA&holder=&data=subscriber", "holder: a country code is required"),
    ("requesting=FRA&holder=NLD&data=secrets", "unknown data category"),
    ("requesting=FRA&holder=NLD&data=subscriber&on=22/11/2026", "on: bad date"),
])
def test_router_form_bad_input_shows_the_error_in_the_page(client, query, message):
    r = client.get(f"/route?{query}")
    assert r.status_code == 400
    assert 'role="alert"' in r.text and message in r.text
    assert "<form" in r.text  # the form is still there to correct
    assert client.get(f"/route?{query}&format=json").json()["message"].count(message.split(":")[0]) >= 1


# --- what-if ------------------------------------------------------------------------------------------


def test_whatif_form_prefilled(client):
    html = client.get("/whatif").text
    assert "draft:healthcare" in html and "<textarea" in html
    assert '<option value="un-gge-2015:13f" selected>' in html


def test_whatif_runs_a_pasted_draft(client, catalog):
    import yaml

    draft = DraftRule.model_validate(yaml.safe_load(EXAMPLE))
    expected = whatif(draft, catalog.kb, catalog.rules, "un-gge-2015:13f", "paris-call").model_dump(mode="json")
    form = {"draft": EXAMPLE, "against": "un-gge-2015:13f", "instrument": "paris-call"}
    data = client.post("/whatif", data=form, headers={"Accept": "application/json"}).json()
    assert data["result"] == expected
    html = client.post("/whatif", data=form).text
    assert f"draft:healthcare covers {len(expected['covered'])} of {expected['incidents']} incidents" in html
    assert 'aria-labelledby="whatif-years"' in html
    assert f"Both cover {len(expected['against']['both'])}" in html
    for row in expected["covered"]:
        assert f'href="/incidents/{row["incident"]}"' in html
    as_json_body = client.post("/whatif?format=json", json=form).json()
    assert as_json_body["result"] == expected
    by_get = client.get("/whatif", params={**form, "format": "json"}).json()
    assert by_get["result"] == expected


@pytest.mark.parametrize("draft,message", [
    ("norm: [", "malformed YAML"),
    ("", "paste a draft rule"),
    ("norm: draft:x\nengaged: []\nnot_engaged: nothing", "engaged"),
    ("norm: draft:x\nengaged:\n  - when: sector_healt\n    reason: r\nnot_engaged: n", "sector_healt"),
    ("norm: draft:x\nengaged:\n  - when: sector_health &&\n    reason: r\nnot_engaged: n", "draft"),
    ("norm: draft:x\ncolour: red\nengaged:\n  - when: sector_health\n    reason: r\nnot_engaged: n", "unknown key"),
    ("- just\n- a list", "draft"),
])
def test_whatif_bad_drafts_show_the_error_in_the_page(client, draft, message):
    r = client.post("/whatif", data={"draft": draft, "against": "", "instrument": "paris-call"})
    assert r.status_code == 400
    assert 'role="alert"' in r.text and message in r.text
    assert "Traceback" not in r.text and "/tmp" not in r.text
    assert "<textarea" in r.text


def test_whatif_bad_options(client):
    r = client.post("/whatif", data={"draft": EXAMPLE, "against": "no:such", "instrument": "paris-call"})
    assert r.status_code == 400 and "unknown norm" in r.text
    r = client.post("/whatif", data={"draft": EXAMPLE, "against": "", "instrument": "nothing"})
    assert r.status_code == 400 and "unknown instrument" in r.text
    r = client.post("/whatif", content=b"x" * (70 * 1024), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = client.post("/whatif", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = client.post("/whatif", content=b"[1]", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = client.post("/whatif", content=b"--x--", headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400


# --- charts -----------------------------------------------------------------------------------------------


def test_charts(client, kb):
    data = client.get("/charts?format=json").json()
    assert sum(r["red_line"] + r["other"] for r in data["by_year"]) == len(kb.incidents)
    from normwatch.engine.assessment import assessed_norms
    from normwatch.engine.rules import shipped_rules

    assert [r["norm"] for r in data["verdicts_by_norm"]] == assessed_norms(kb, shipped_rules())
    html = client.get("/charts").text
    assert html.count('<svg viewBox=') == 5
    assert html.count('role="img"') == 5
    for label in ("chart-years", "chart-norms", "chart-ops", "chart-responsible", "chart-victims"):
        assert f'id="{label}"' in html and f'aria-labelledby="{label}"' in html
    assert "<script" not in html


def test_charts_embed_the_static_figures_of_plots(client):
    pytest.importorskip("matplotlib")
    data = client.get("/charts?format=json").json()
    names = [f["name"] for f in data["figures"]]
    assert names == ["timeline", "heatmap", "blocs", "delays", "network"]
    html = client.get("/charts").text
    for f in data["figures"]:
        assert f'<img src="{f["svg"]}" alt="{esc(f["title"])}' in html
    svg = client.get(data["figures"][1]["svg"])
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get("/charts/figures/nothing.svg").status_code == 404


def test_state_page_uses_the_analytics_scorecard(client):
    pytest.importorskip("normwatch.analysis.analytics")
    data = client.get("/states/RUS?format=json").json()
    assert data["analytics"]["attributed"] == data["scorecard"]["incidents_attributed"]
    # one definition: the page's count of broken commitments is the analytics' count
    assert data["scorecard"]["own_commitment_breaches"] == data["analytics"]["own_commitment_breaches"]
    pairs = {(c["incident"], c["norm"]) for c in data["scorecard"]["commitments_broken"]}
    assert len(pairs) == data["analytics"]["own_commitment_breaches"]
    assert "Breach findings" in client.get("/states/RUS").text


def test_every_catalogue_record_has_a_page(client, kb):
    """Every incident, norm and state renders (records leave out different optional keys)."""
    paths = ([f"/incidents/{i.id}" for i in kb.incidents] + [f"/norms/{n}" for n in kb.norms]
             + [f"/states/{s.iso3}" for s in kb.states])
    failed = [(p, r.status_code) for p in paths if (r := client.get(p)).status_code != 200]
    assert not failed


def test_the_positions_page_and_the_incident_views(client, kb) -> None:
    html = client.get("/positions").text
    assert "rule-any-intrusion" in html and "not-a-rule" in html and "African Union" in html
    page = client.get("/incidents/microsoft-midnight-blizzard-2023").text
    assert "As each state reads the law" in page and "Tallinn baseline" in page
    assert "what adds up to it" in page


def test_search_matches_group_aliases_and_state_names(client, kb):
    def found(q):
        return client.get("/incidents", params={"q": q, "format": "json"}).json()["total"]

    group = kb.find_group("APT28")
    linked = [i for i in kb.incidents if any(kb.find_group(a.name) is group for a in i.actors)]
    assert linked and found("Fancy Bear") >= len(linked)
    assert found("Hidden Cobra") > 0  # an alias of the Lazarus Group
    assert found("North Korea") >= found("PRK") > 0


def test_a_page_past_the_end_is_404_not_an_empty_table(client):
    response = client.get("/incidents?page=99")
    assert response.status_code == 404
    assert "There is no page 99" in response.text
    assert client.get("/incidents?page=1").status_code == 200


def test_the_methodology_page_explains_sourcing_undetermined_and_agreement(client, kb):
    html = client.get("/methodology").text
    for words in ("How facts are sourced", "undetermined", "How responsibility is derived",
                  "closed world", "Cohen"):
        assert words in html
    claims = [c for i in kb.incidents for c in [*i.attributions, *i.responses]]
    assert f"{sum(1 for c in claims if c.sources)} of {len(claims)} claims" in html


def test_state_and_incident_pages_say_who_was_sanctioned_for_what(client, kb):
    html = client.get("/states/RUS").text
    assert "Sanctioned for cyber operations" in html and "2020/1125" in html
    assert 'href="/incidents/notpetya-2017"' in html.split('id="sanctioned"', 1)[1].split("</ul>", 1)[0]
    assert "Sanctioned for this" in client.get("/incidents/notpetya-2017").text


def test_group_pages_show_aliases_dated_claims_with_sources_and_incidents(client, kb):
    listing = client.get("/groups").text
    assert 'href="/groups/apt28"' in listing and "Fancy Bear" in listing
    group = kb.group_by_id["apt28"]
    page = client.get("/groups/apt28").text
    for alias in group.aliases[:3]:
        assert alias.replace("&", "&amp;") in page
    for link in group.links:
        assert link.source.replace("&", "&amp;") in page
    assert 'href="/incidents/' in page.split('id="incidents"', 1)[1]
    assert client.get("/groups/no-such-group").status_code == 404
    assert 'href="/groups"' in client.get("/").text and 'role="search"' in client.get("/").text


def test_attributions_are_shown_in_date_order(client, kb):
    page = client.get("/incidents/notpetya-2017").text
    table = page.split("<th scope=\"col\">Confidence</th>", 1)[1].split("</table>", 1)[0]
    dates = [a.date for a in kb.incident_by_id["notpetya-2017"].attributions]
    positions = [table.index(f">{d}<") for d in sorted(dates)]
    assert positions == sorted(positions)


def test_router_form_takes_country_names(client):
    page = client.get("/route?requesting=France&holder=Netherlands&data=subscriber")
    assert page.status_code == 200
    assert "Channels from France" in page.text and 'maxlength="3"' not in page.text
    data = client.get("/route?requesting=France&holder=Netherlands&data=subscriber&format=json").json()
    assert data["question"]["requesting"] == "FRA" and data["question"]["holder"] == "NLD"
