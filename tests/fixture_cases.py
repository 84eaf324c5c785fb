"""Frozen incident cases written in code: the engine's expectations on them do not move
when the curated catalogue is edited. Each case is a Contract 1 record in miniature; its
id says what it exercises."""

from __future__ import annotations

from typing import Any

from normwatch.knowledge.models import Incident

GOV_HIGH = [{"to": "RUS", "by": ["GBR", "USA"], "kind": "government", "confidence": "high"}]
VENDOR = [{"to": "CHN", "by": ["Mandiant"], "kind": "industry", "confidence": "medium"}]


def _case(ident: str, operation: list[str], sectors: list[str], **fields: Any) -> Incident:
    record: dict[str, Any] = {
        "id": ident, "name": ident.replace("-", " "), "start": fields.pop("start", "2019-05-01"),
        "operation": operation,
        "targets": [{"country": fields.pop("victim", "DEU"), "sector": s} for s in sectors],
        "sources": ["https://example.org/" + ident],
        **fields,
    }
    return Incident.model_validate(record)


CASES: list[Incident] = [
    _case("grid-outage", ["disruption"], ["energy"], attributions=GOV_HIGH,
          effects={"availability": "temporary", "data_destroyed": False, "physical_damage": False,
                   "scale": "national", "deaths": 0, "injuries": 0}),
    _case("hospital-wiper-deaths", ["destruction"], ["health"], attributions=GOV_HIGH,
          effects={"availability": "lasting", "data_destroyed": True, "physical_damage": True,
                   "deaths": 3, "injuries": 10, "scale": "national"}),
    _case("worm-global", ["destruction", "ransomware"], ["finance", "transport", "health"],
          attributions=GOV_HIGH, victim="UKR",
          effects={"availability": "lasting", "data_destroyed": True, "indiscriminate": True,
                   "scale": "global", "economic_loss_usd": 1e10, "physical_damage": False}),
    _case("quiet-espionage", ["espionage"], ["government"], attributions=GOV_HIGH,
          effects={"data_stolen": True}),
    _case("vendor-espionage", ["espionage"], ["diplomacy"], attributions=VENDOR),
    _case("ip-theft-firms", ["ip-theft", "espionage"], ["industry", "research"],
          attributions=[{"to": "CHN", "by": ["USA", "GBR"], "kind": "government", "confidence": "high"}],
          effects={"data_stolen": True}),
    _case("leak-election", ["hack-and-leak", "election-interference"], ["elections", "political-party"],
          attributions=GOV_HIGH, effects={"data_stolen": True, "data_published": True}),
    _case("dns-hijack", ["espionage"], ["internet-core"], attributions=GOV_HIGH),
    _case("root-server-outage", ["disruption"], ["internet-core"], attributions=GOV_HIGH,
          effects={"availability": "lasting", "scale": "global"}),
    _case("election-commission-wiped", ["destruction"], ["elections"], attributions=GOV_HIGH, victim="ALB",
          effects={"availability": "lasting", "data_destroyed": True}),
    _case("voter-roll-espionage", ["espionage"], ["elections"], attributions=GOV_HIGH, victim="GBR",
          effects={"data_stolen": True}),
    _case("telecom-prepositioning", ["pre-positioning"], ["telecom", "water"],
          attributions=[{"to": "CHN", "by": ["USA", "AUS"], "kind": "government", "confidence": "high"}]),
    _case("supply-chain-update", ["supply-chain", "espionage"], ["digital-provider"], attributions=GOV_HIGH,
          infrastructure=["NLD"]),
    _case("csirt-attack", ["disruption"], ["csirt"], attributions=GOV_HIGH,
          effects={"availability": "temporary"}),
    _case("exploit-leak", ["tool-proliferation"], ["individuals"],
          actors=[{"name": "Leakers", "kind": "hacktivist"}]),
    _case("private-hack-back", ["hack-back"], ["industry"],
          actors=[{"name": "A firm", "kind": "private-company"}]),
    _case("bank-heist", ["financial-theft"], ["finance"],
          attributions=[{"to": "PRK", "by": ["USA"], "kind": "government", "confidence": "high"}],
          effects={"economic_loss_usd": 8.1e7}),
    _case("war-satellite", ["disruption"], ["space", "military"], attributions=GOV_HIGH, victim="UKR",
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]},
          effects={"availability": "lasting", "physical_damage": True, "scale": "regional"}),
    _case("criminal-ransomware", ["ransomware"], ["health"],
          actors=[{"name": "Gang", "kind": "criminal"}],
          responses=[{"by": "USA", "kind": "indictment", "date": "2020-01-01"}],
          effects={"availability": "temporary", "data_destroyed": False}),
    _case("defacement-media", ["defacement", "disinformation"], ["media"], attributions=VENDOR,
          effects={"availability": "temporary", "data_destroyed": False, "physical_damage": False}),
    _case("dam-sabotage", ["destruction"], ["water"], attributions=GOV_HIGH, victim="NOR",
          effects={"physical_damage": True, "deaths": 0, "injuries": 0, "scale": "targeted",
                   "availability": "temporary"}),
    _case("contested-attribution", ["disruption"], ["government"], victim="POL",
          attributions=[{"to": "RUS", "by": ["POL"], "kind": "government", "confidence": "medium"},
                        {"to": "BLR", "by": ["LTU"], "kind": "government", "confidence": "medium"}],
          effects={"availability": "temporary"}),
    _case("before-the-norms", ["disruption"], ["energy"], start="2012-03", attributions=GOV_HIGH,
          effects={"availability": "temporary", "data_destroyed": False, "physical_damage": False}),
    # international humanitarian law (in and out of armed conflict)
    _case("war-grid-attack", ["destruction"], ["energy"], attributions=GOV_HIGH, victim="UKR",
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]},
          effects={"availability": "lasting", "physical_damage": True, "scale": "regional"}),
    _case("war-hospital-attack", ["destruction"], ["health"], attributions=GOV_HIGH, victim="UKR",
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]},
          effects={"availability": "lasting", "physical_damage": True, "injuries": 4}),
    _case("war-espionage", ["espionage"], ["military"], attributions=GOV_HIGH, victim="UKR",
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]}),
    _case("war-data-wipe", ["destruction"], ["finance"], attributions=GOV_HIGH, victim="UKR",
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]},
          effects={"availability": "lasting", "data_destroyed": True, "physical_damage": False,
                   "deaths": 0, "injuries": 0}),
    _case("war-ddos", ["disruption"], ["media"], victim="UKR",
          actors=[{"name": "Volunteers", "kind": "hacktivist"}],
          context={"armed_conflict": True, "parties": ["RUS", "UKR"]},
          effects={"availability": "temporary", "physical_damage": False, "deaths": 0, "injuries": 0}),
    _case("peace-disruption", ["disruption"], ["transport"], attributions=GOV_HIGH, victim="EST",
          context={"armed_conflict": False},
          effects={"availability": "temporary", "physical_damage": False}),
]
