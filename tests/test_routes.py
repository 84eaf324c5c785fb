"""The cross-border evidence router (Contract 4 of docs/contracts.md, issue 5).

Expectations come from the instruments' texts and the dated commitments of the knowledge
base; each test says which text justifies it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import normwatch
from normwatch.cli import app
from normwatch.evidence.router import CHANNEL_IDS, check_channels, load_channels
from normwatch.knowledge.load import KnowledgeBase

runner = CliRunner()


def route(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 4 JSON of one route answer (what the CLI and the API print)."""
    return normwatch.route(*args, **kwargs).model_dump(mode="json")


def channel(answer: dict[str, Any], channel_id: str) -> dict[str, Any]:
    return next(c for c in answer["channels"] if c["id"] == channel_id)


def open_ids(answer: dict[str, Any]) -> set[str]:
    return {c["id"] for c in answer["channels"] if c["applicable"]}


# --- the channel data --------------------------------------------------------------------


def test_channel_file_holds_exactly_the_contract_channels(kb: KnowledgeBase) -> None:
    assert check_channels(kb) == []
    assert sorted(c.id for c in load_channels()) == sorted(CHANNEL_IDS)


# --- Contract 4 shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("FRA", "NLD", "subscriber", None, "RUS", False, "2026-11-22"),
        ("USA", "JPN", "content", None, None, True, "2025-01-01"),
        ("PRK", "USA", "traffic", "USA", None, False, "2024-06-01"),
    ],
)
def test_contract_4_shape(kb: KnowledgeBase, args: tuple[Any, ...]) -> None:
    requesting, holder, data, provider_home, offender, urgent, on = args
    answer = route(requesting, holder, data, provider_home, offender, urgent, on, kb=kb)
    assert {"question", "jurisdiction", "channels"} <= set(answer)
    assert answer["question"] == {
        "requesting": requesting, "holder": holder, "provider_home": provider_home,
        "offender": offender, "data": data, "urgent": urgent, "on": on,
        "provider_offers_eu": False, "organised_crime": False,
    }
    assert {s["state"] for s in answer["coverage"]["sides"]} >= {requesting, holder}
    for entry in answer["jurisdiction"]:
        assert {"state", "bases"} <= set(entry) and entry["bases"]
    ids = [c["id"] for c in answer["channels"]]
    assert sorted(ids) == sorted(CHANNEL_IDS) and len(ids) == len(set(ids)) == 20
    for row in answer["channels"]:
        assert {"id", "applicable", "legal_basis", "typical_time", "requirements", "reasons"} <= set(row)
        assert isinstance(row["applicable"], bool) and row["reasons"] and row["requirements"]
    flags = [c["applicable"] for c in answer["channels"]]
    assert flags == sorted(flags, reverse=True), "applicable channels come first"
    days = [c["typical_days"] for c in answer["channels"] if c["applicable"]]
    assert days == sorted(days), "fastest first"
    json.dumps(answer)  # plain JSON data


def test_jurisdiction_bases(kb: KnowledgeBase) -> None:
    answer = route("FRA", "NLD", "subscriber", provider_home="USA", offender="RUS", on="2026-11-22", kb=kb)
    bases = {e["state"]: e["bases"] for e in answer["jurisdiction"]}
    assert bases["FRA"] == ["territoriality (effects)"]
    assert bases["RUS"] == ["active personality"]
    assert bases["NLD"] == ["territoriality (location of the infrastructure or data)"]
    assert bases["USA"] == ["provider's home state"]


# --- an EU pair before and after the e-Evidence date of application ---------------------


def test_eu_pair_before_e_evidence_applies(kb: KnowledgeBase) -> None:
    # Regulation (EU) 2023/1543 binds FRA and NLD (in force 2023-08-17) but applies only
    # from 2026-08-18: on 2026-05-01 no European Production Order can be issued.
    answer = route("FRA", "NLD", "content", on="2026-05-01", kb=kb)
    epo = channel(answer, "eu-production-order")
    assert epo["applicable"] is False
    assert any("applies only from 2026-08-18" in r for r in epo["reasons"])
    assert any("2026-08-18" in g for g in answer["gaps"])
    # The EIO (Directive 2014/41/EU) is available between FRA and NLD, as are the Budapest
    # Convention's preservation and 24/7 channels (both Parties: FRA since 2006-05-01, NLD
    # since 2007-03-01). Its Article 27 procedure gives way to the EIO (Article 27(1)).
    assert {"eu-investigation-order", "budapest-preservation",
            "budapest-24-7", "letters-rogatory"} <= open_ids(answer)
    assert channel(answer, "budapest-mla")["superseded_by"] == "eu-investigation-order"


def test_eu_pair_after_e_evidence_applies(kb: KnowledgeBase) -> None:
    answer = route("FRA", "NLD", "subscriber", offender="RUS", on="2026-11-22", kb=kb)
    epo = channel(answer, "eu-production-order")
    assert epo["applicable"] is True
    assert epo["legal_basis"].startswith("Regulation (EU) 2023/1543")
    assert epo["typical_time"] == "10 days"  # Art. 10: ten days
    assert epo["via"][0]["instrument"] == "eu-e-evidence"
    assert {p["state"] for p in epo["via"][0]["parties"]} == {"FRA", "NLD"}
    assert channel(answer, "eu-preservation-order")["applicable"] is True
    # The EU-US MLA Agreement links the US with the Member States, never two Member States.
    assert channel(answer, "bilateral-mlat")["applicable"] is False
    # A Dutch provider is not a US provider: 18 U.S.C. 2702 does not apply.
    assert channel(answer, "us-voluntary-disclosure")["applicable"] is False


def test_denmark_is_outside_the_eio(kb: KnowledgeBase) -> None:
    # Denmark is not bound by Directive 2014/41/EU: no EIO from France to Denmark.
    answer = route("FRA", "DNK", "content", on="2025-01-01", kb=kb)
    assert channel(answer, "eu-investigation-order")["applicable"] is False
    # The EIO does not replace the older conventions with Denmark: the 1959 Convention
    # (Denmark since 1962-12-12) and the 2000 EU Convention (both since 2005-08-23) are the
    # treaty paths, and Budapest's Article 27 gives way to them.
    coe = channel(answer, "coe-mla-convention")
    assert coe["applicable"] is True
    assert {p["state"]: p["since"] for p in coe["via"][0]["parties"]}["DNK"] == "1962-12-12"
    eu_mla = channel(answer, "eu-mla-convention")
    assert eu_mla["applicable"] is True and eu_mla["superseded_by"] is None
    assert {p["state"] for p in eu_mla["via"][0]["parties"]} == {"FRA", "DNK"}
    assert channel(answer, "budapest-mla")["superseded_by"] in ("coe-mla-convention", "eu-mla-convention")
    # Denmark is outside the e-Evidence Regulation too: no production order to a Danish holder.
    later = route("FRA", "DNK", "content", on="2026-11-22", kb=kb)
    assert channel(later, "eu-production-order")["applicable"] is False


def test_eio_before_transposition_deadline(kb: KnowledgeBase) -> None:
    # The EIO regime applies from the transposition deadline, 2017-05-22.
    before = route("DEU", "BEL", "content", on="2017-05-01", kb=kb)
    after = route("DEU", "BEL", "content", on="2017-06-01", kb=kb)
    assert channel(before, "eu-investigation-order")["applicable"] is False
    assert channel(after, "eu-investigation-order")["applicable"] is True


# --- a Budapest pair outside the EU -------------------------------------------------------


def test_budapest_pair_outside_the_eu(kb: KnowledgeBase) -> None:
    # USA (Party since 2007-01-01) and JPN (since 2012-11-01) share the Budapest Convention
    # and the 2003 US-Japan MLAT (in force 2006-07-21); the EU instruments bind neither.
    answer = route("USA", "JPN", "content", on="2025-01-01", kb=kb)
    assert {"budapest-24-7", "budapest-preservation", "budapest-32b",
            "bilateral-mlat", "letters-rogatory"} <= open_ids(answer)
    # The MLAT governs requests between them; Budapest's Article 27 applies only without one.
    assert channel(answer, "budapest-mla")["superseded_by"] == "bilateral-mlat"
    mlat = channel(answer, "bilateral-mlat")
    assert mlat["via"][0]["instrument"] == "us-jpn-mlat"
    assert "Japan" in mlat["legal_basis"]
    for eu in ("eu-production-order", "eu-preservation-order", "eu-investigation-order"):
        assert channel(answer, eu)["applicable"] is False
    # The Second Additional Protocol is not in force (3 of 5 ratifications): Art. 7 is closed.
    assert channel(answer, "sap-direct-disclosure")["applicable"] is False
    assert any("Second Additional Protocol" in g and "signed by both sides" in g for g in answer["gaps"])


def test_budapest_before_a_party_joined(kb: KnowledgeBase) -> None:
    # Japan's Budapest commitment starts 2012-11-01; on 2010-01-01 only the MLAT links them.
    answer = route("USA", "JPN", "content", on="2010-01-01", kb=kb)
    assert channel(answer, "budapest-mla")["applicable"] is False
    assert channel(answer, "budapest-mla")["superseded_by"] is None  # Japan was not yet a Party
    assert channel(answer, "bilateral-mlat")["applicable"] is True


# --- a pair with a CLOUD Act agreement -----------------------------------------------------


def test_cloud_act_gbr_requesting_from_us_provider(kb: KnowledgeBase) -> None:
    # US-UK Data Access Agreement, in force 2022-10-03: UK orders go straight to US providers,
    # for content too, wherever the data sits (here in Ireland).
    answer = route("GBR", "IRL", "content", provider_home="USA", on="2025-01-01", kb=kb)
    cloud = channel(answer, "cloud-act-agreement")
    assert cloud["applicable"] is True
    assert cloud["via"][0]["instrument"] == "us-gbr-cloud-act"
    assert {p["since"] for p in cloud["via"][0]["parties"]} == {"2022-10-03"}
    assert answer["channels"][0]["id"] == "cloud-act-agreement"  # the fastest open channel
    # Ireland has only signed Budapest: no Budapest channel between GBR and IRL.
    assert channel(answer, "budapest-mla")["applicable"] is False


def test_cloud_act_before_entry_into_force(kb: KnowledgeBase) -> None:
    answer = route("GBR", "IRL", "content", provider_home="USA", on="2021-06-01", kb=kb)
    assert channel(answer, "cloud-act-agreement")["applicable"] is False


def test_cloud_act_excludes_the_other_sides_persons(kb: KnowledgeBase) -> None:
    # The agreement bars UK orders that target US persons.
    answer = route("GBR", "IRL", "content", provider_home="USA", offender="USA", on="2025-01-01", kb=kb)
    cloud = channel(answer, "cloud-act-agreement")
    assert cloud["applicable"] is False
    assert any("bars orders" in r for r in cloud["reasons"])


def test_signed_cloud_act_agreement_is_not_enough(kb: KnowledgeBase) -> None:
    # The US-Australia agreement has no confirmed entry into force in the knowledge base.
    answer = route("AUS", "USA", "content", provider_home="USA", on="2025-01-01", kb=kb)
    assert channel(answer, "cloud-act-agreement")["applicable"] is False


def test_us_voluntary_disclosure_non_content_only(kb: KnowledgeBase) -> None:
    # 18 U.S.C. 2702(c)(6): non-content records may go to anyone but a US governmental entity.
    traffic = route("FRA", "USA", "traffic", provider_home="USA", on="2025-01-01", kb=kb)
    content = route("FRA", "USA", "content", provider_home="USA", on="2025-01-01", kb=kb)
    assert channel(traffic, "us-voluntary-disclosure")["applicable"] is True
    assert channel(content, "us-voluntary-disclosure")["applicable"] is False
    own = route("USA", "FRA", "traffic", provider_home="USA", on="2025-01-01", kb=kb)
    assert channel(own, "us-voluntary-disclosure")["applicable"] is False


# --- a state party to no instrument --------------------------------------------------------


def test_state_party_to_no_instrument(kb: KnowledgeBase) -> None:
    # The DPRK is bound by none of the instruments: only letters rogatory remain (and, for
    # non-content data from a US provider, voluntary disclosure under US law).
    answer = route("PRK", "USA", "content", on="2025-01-01", kb=kb)
    assert open_ids(answer) == {"letters-rogatory"}
    assert answer["channels"][0]["id"] == "letters-rogatory"
    text = " ".join(answer["gaps"])
    # A missing record is a limit of the records, never "they share no instrument".
    assert "share no instrument" not in text
    assert "not proof that no treaty exists" in text
    assert "No bilateral treaty is recorded for PRK–USA" in text
    assert "https://www.state.gov/treaties-in-force/" in text
    assert any("Letters rogatory" in g for g in answer["gaps"])
    both_outside = route("PRK", "IRN", "subscriber", on="2025-01-01", kb=kb)
    assert open_ids(both_outside) == {"letters-rogatory"}
    sides = {s["state"]: s for s in both_outside["coverage"]["sides"]}
    assert sides["PRK"]["bound"] == {} and sides["PRK"]["bilateral_treaties"] == 0


# --- an urgent request ---------------------------------------------------------------------


def test_urgent_request(kb: KnowledgeBase) -> None:
    # Art. 10(4) of Regulation 2023/1543: eight hours in an emergency; the 24/7 network of
    # Art. 35 Budapest answers in hours; Protocol 2 emergency channels stay closed (not in force).
    answer = route("FRA", "NLD", "content", urgent=True, on="2026-11-22", kb=kb)
    epo = channel(answer, "eu-production-order")
    assert epo["applicable"] is True and epo["typical_time"].startswith("8 hours")
    assert channel(answer, "sap-emergency")["applicable"] is False
    first = answer["channels"][0]
    assert first["applicable"] and first["urgent_capable"] and first["typical_days"] <= 1
    letters = channel(answer, "letters-rogatory")
    assert any("not built for emergencies" in r for r in letters["reasons"])


def test_emergency_channel_needs_urgency(kb: KnowledgeBase) -> None:
    answer = route("FRA", "NLD", "content", urgent=False, on="2026-11-22", kb=kb)
    assert any("only for emergencies" in r for r in channel(answer, "sap-emergency")["reasons"])


def test_domestic_request(kb: KnowledgeBase) -> None:
    answer = route("FRA", "FRA", "content", on="2025-01-01", kb=kb)
    assert open_ids(answer) == set()
    assert any("national powers" in g for g in answer["gaps"])


# --- input validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"requesting": "XYZ"}, "country"),
        ({"holder": "Frankreich"}, "country"),
        ({"provider_home": "ZZZ"}, "country"),
        ({"data": "metadata"}, "data category"),
        ({"on": "2026-02-30"}, "date"),
        ({"on": "2026"}, "date"),
    ],
)
def test_bad_input_raises_value_error(kb: KnowledgeBase, kwargs: dict[str, str], word: str) -> None:
    args: dict[str, Any] = {"requesting": "FRA", "holder": "NLD", "data": "subscriber", **kwargs}
    with pytest.raises(ValueError) as info:
        route(**args, kb=kb)
    assert word in str(info.value) and "\n" not in str(info.value)


def test_lower_case_codes_are_accepted(kb: KnowledgeBase) -> None:
    answer = route("fra", "nld", "Subscriber", on="2026-11-22", kb=kb)
    assert answer["question"]["requesting"] == "FRA" and answer["question"]["data"] == "subscriber"


# --- CLI -----------------------------------------------------------------------------------


def test_cli_json_matches_library(kb: KnowledgeBase) -> None:
    result = runner.invoke(app, [
        "route", "--requesting", "FRA", "--holder", "NLD", "--offender", "RUS",
        "--data", "subscriber", "--on", "2026-11-22", "--json",
    ])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == route("FRA", "NLD", "subscriber", offender="RUS", on="2026-11-22", kb=kb)


def test_cli_table() -> None:
    result = runner.invoke(app, [
        "route", "--requesting", "GBR", "--holder", "IRL", "--provider-home", "USA",
        "--data", "content", "--urgent", "--on", "2025-01-01",
    ])
    assert result.exit_code == 0, result.output
    assert "cloud-act-agreement" in result.stdout and "letters-rogatory" in result.stdout


@pytest.mark.parametrize(
    "option, value, word",
    [
        ("--requesting", "XXX", "country"),
        ("--holder", "ZZ", "country"),
        ("--data", "metadata", "data category"),
        ("--on", "2026-13-01", "date"),
        ("--on", "yesterday", "date"),
    ],
)

def test_cli_bad_input_exit_2_one_line(option: str, value: str, word: str) -> None:
    args = {"--requesting": "FRA", "--holder": "NLD", "--data": "subscriber", "--on": "2026-11-22"}
    args[option] = value
    argv = ["route", *[x for pair in args.items() for x in pair], "--json"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error:") and word in lines[0]


# --- the liaison officer's matrix (issue 11) -------------------------------------------------


@pytest.mark.parametrize(
    ("requesting", "treaty", "since"),
    [("IND", "us-ind-mlat", "2005-10-03"), ("BRA", "us-bra-mlat", "2001-02-21")],
)
def test_content_in_the_us_goes_through_the_bilateral_mlat(
    kb: KnowledgeBase, requesting: str, treaty: str, since: str,
) -> None:
    # US-India MLAT in force 2005-10-03; US-Brazil MLAT in force 2001-02-21 (TIAS 12889).
    answer = route(requesting, "USA", "content", on="2024-06-01", kb=kb)
    mlat = channel(answer, "bilateral-mlat")
    assert mlat["applicable"] is True
    assert mlat["via"][0]["instrument"] == treaty
    assert {p["since"] for p in mlat["via"][0]["parties"]} == {since}
    assert any("Office of International Affairs" in c["text"] for c in mlat["contacts"])
    assert mlat["request_content"]
    assert not any("share no instrument" in g for g in answer["gaps"])


@pytest.mark.parametrize(("requesting", "holder"), [("RUS", "USA"), ("USA", "RUS")])
def test_the_us_russia_mlat_works_both_ways(kb: KnowledgeBase, requesting: str, holder: str) -> None:
    # Signed 1999-06-17, in force 2002-01-31 (TIAS 13046).
    answer = route(requesting, holder, "content", on="2024-06-01", kb=kb)
    mlat = channel(answer, "bilateral-mlat")
    assert mlat["applicable"] is True and mlat["via"][0]["instrument"] == "us-rus-mlat"
    assert {p["since"] for p in mlat["via"][0]["parties"]} == {"2002-01-31"}
    before = route(requesting, holder, "content", on="2001-06-01", kb=kb)
    assert channel(before, "bilateral-mlat")["applicable"] is False


def test_france_ireland_goes_through_the_1959_convention(kb: KnowledgeBase) -> None:
    # Ireland is bound by ETS 30 (1997) but by neither the EIO Directive nor the Budapest
    # Convention (signed only); before the e-Evidence Regulation applies, the 1959
    # Convention and the 2000 EU Convention are the treaty paths.
    answer = route("FRA", "IRL", "content", on="2026-05-01", kb=kb)
    coe = channel(answer, "coe-mla-convention")
    assert coe["applicable"] is True
    assert {p["state"] for p in coe["via"][0]["parties"]} == {"FRA", "IRL"}
    for closed in ("eu-investigation-order", "budapest-mla", "budapest-24-7", "eu-production-order"):
        assert channel(answer, closed)["applicable"] is False, closed
    assert any("Ireland" in r for r in channel(answer, "budapest-mla")["reasons"])
    assert "letters-rogatory" in open_ids(answer)


def test_germany_netherlands_the_eio_replaces_the_1959_convention(kb: KnowledgeBase) -> None:
    answer = route("DEU", "NLD", "content", on="2025-01-01", kb=kb)
    assert channel(answer, "eu-investigation-order")["applicable"] is True
    for replaced in ("coe-mla-convention", "eu-mla-convention"):
        row = channel(answer, replaced)
        assert row["applicable"] is False
        assert row["superseded_by"] == "eu-investigation-order"
        assert any("Article 34" in r for r in row["reasons"])


def test_a_us_provider_offering_services_in_the_eu_gets_a_production_order(kb: KnowledgeBase) -> None:
    # Regulation (EU) 2023/1543 reaches a provider offering services in the Union, wherever
    # the data are, from 2026-08-18; the order goes to its EU legal representative.
    plain = route("FRA", "USA", "subscriber", provider_home="USA", on="2026-11-22", kb=kb)
    assert channel(plain, "eu-production-order")["applicable"] is False
    offered = route("FRA", "USA", "subscriber", provider_home="USA", on="2026-11-22",
                    provider_offers_eu=True, kb=kb)
    order = channel(offered, "eu-production-order")
    assert order["applicable"] is True
    assert any("2023/1544" in r for r in order["reasons"])
    assert offered["question"]["provider_offers_eu"] is True
    content = route("FRA", "USA", "content", provider_home="USA", on="2026-11-22",
                    provider_offers_eu=True, kb=kb)
    assert any("Article 17" in r for r in channel(content, "eu-production-order")["reasons"])


def test_a_pair_with_no_recorded_treaty_says_so_honestly(kb: KnowledgeBase) -> None:
    answer = route("FRA", "KEN", "content", on="2025-01-01", kb=kb)
    text = " ".join(answer["gaps"]) + " ".join(channel(answer, "bilateral-mlat")["reasons"])
    assert "No bilateral treaty is recorded for FRA–KEN" in text
    assert "basedoc.diplomatie.gouv.fr" in text or "treaties.un.org" in text
    assert "share no instrument" not in text


def test_route_cli_new_flags_and_bad_input() -> None:
    result = runner.invoke(app, ["route", "--requesting", "FRA", "--holder", "USA", "--data", "subscriber",
                                 "--provider-home", "USA", "--provider-offers-eu", "--on", "2026-11-22",
                                 "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert channel(answer, "eu-production-order")["applicable"] is True
    result = runner.invoke(app, ["route", "--requesting", "FRA", "--holder", "USA", "--data", "content",
                                 "--request-draft", "rtf"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output


def test_country_names_and_iso2_codes_are_accepted_and_misspellings_get_a_suggestion(kb: KnowledgeBase) -> None:
    by_name = route("France", "NL", "subscriber", on="2026-11-22", kb=kb)
    assert by_name["question"]["requesting"] == "FRA" and by_name["question"]["holder"] == "NLD"
    result = runner.invoke(app, ["route", "--requesting", "France", "--holder", "Germny", "--data", "content"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "did you mean DEU (Germany)?" in result.output
