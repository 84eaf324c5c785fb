"""Named facts derived from an incident: the vocabulary that rules are written in.

Base facts come straight from the incident record (Contract 1). A fact the record does
not state is ``None`` (unknown), never false, unless a closed-world inference of the rules
(:class:`ClosedWorld`) says the recorded operation types rule it out. Derived facts (``ci_harmed``,
``public_core_damaged`` …) are defined in the rules YAML as CEL expressions over these
base facts, so analysts can change them without Python.

Every base fact is listed in :data:`BASE_FACTS` with its type and meaning; the rules
documentation and the meta-tests read that table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from normwatch.engine.cel import Fact
from normwatch.engine.responsibility import responsible_states
from normwatch.knowledge.models import OPERATIONS, SECTORS, Effects, Incident, Operation

SCALE_RANK = {"targeted": 1, "national": 2, "regional": 3, "global": 4}
NON_STATE = ("criminal", "hacktivist", "private-company")


def ident(word: str) -> str:
    """The CEL identifier for an operation or sector name (hyphens become underscores)."""
    return word.replace("-", "_")


def _base_facts() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for op in OPERATIONS:
        table[f"op_{ident(op)}"] = ("bool", f"the operation includes {op}")
    for sector in SECTORS:
        table[f"sector_{ident(sector)}"] = ("bool", f"a target is in the {sector} sector")
    table.update({
        "data_stolen": ("bool", "data was stolen (unknown if not recorded)"),
        "data_published": ("bool", "stolen data was published"),
        "data_destroyed": ("bool", "data was destroyed or wiped"),
        "availability_disrupted": (
            "bool", "systems or services became unavailable, temporarily or lastingly"
        ),
        "availability_lasting": ("bool", "the loss of availability was lasting"),
        "physical_damage": ("bool", "physical damage was caused"),
        "injuries": ("number", "people injured"),
        "deaths": ("number", "people killed"),
        "economic_loss_usd": ("number", "estimated economic loss in US dollars"),
        "scale_rank": ("number", "scale: 1 targeted, 2 national, 3 regional, 4 global"),
        "indiscriminate": ("bool", "self-propagating or uncontrolled spread"),
        "armed_conflict": ("bool", "the operation took place in an armed conflict"),
        "victim_countries": ("number", "number of distinct targeted countries"),
        "state_confidence": (
            "number", "confidence that a state is responsible: 0 none, 1 low, 2 medium, 3 high"
        ),
        "state_linked": ("bool", "an actor is a state or state-sponsored, or a state is attributed"),
        "non_state_actor": ("bool", "a criminal, hacktivist or private-company actor is named"),
        "non_state_confidence": (
            "number",
            "confidence that a non-state actor is responsible: 3 when a government indicted or "
            "sanctioned, 2 when named, 0 when none",
        ),
        "third_state_infrastructure": (
            "bool",
            "infrastructure in a state neither victim nor responsible was used "
            "(unknown if none recorded)",
        ),
        "botnet_use": (
            "bool",
            "the public's devices were commandeered into a botnet "
            "(not recorded by Contract 1: always unknown)",
        ),
    })
    return table


BASE_FACTS: dict[str, tuple[str, str]] = _base_facts()
"""Every base fact: name -> (type, meaning)."""


class ClosedWorld(BaseModel):
    """One closed-world inference (rules/derived.yaml, ``closed_world``): when every recorded
    operation type is one of ``only``, the effects in ``implies`` that the record leaves
    unset are taken as stated. Contract 1 makes ``operation`` the record's full account of
    what the operation did, so an espionage-only record did not, say, destroy data."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    only: list[Operation] = Field(min_length=1)
    implies: Effects
    reason: str

    def applies(self, operations: Iterable[str]) -> bool:
        """Whether every recorded operation type is one of ``only``."""
        return set(operations) <= set(self.only)

    def implied(self) -> dict[str, Any]:
        """The implied effects, key by key (only those the inference sets)."""
        return self.implies.model_dump(exclude_none=True)


def closed_effects(
    incident: Incident, closed: Sequence[ClosedWorld] = ()
) -> tuple[Effects, list[str]]:
    """The incident's effects with the closed-world inferences applied to unset keys, and
    a reason for each inference that filled one."""
    recorded = incident.effects.model_dump(exclude_none=True)
    filled = dict(recorded)
    reasons: list[str] = []
    for inference in closed:
        if not inference.applies(incident.operation):
            continue
        added = {k: v for k, v in inference.implied().items() if k not in filled}
        if added:
            filled.update(added)
            keys = ", ".join(sorted(added))
            reasons.append(f"{inference.reason} (inferred: {keys})")
    return (incident.effects if filled == recorded else Effects(**filled)), reasons


def _tri(value: bool | None) -> bool | None:
    return None if value is None else bool(value)


def base_facts(incident: Incident, closed: Sequence[ClosedWorld] = ()) -> dict[str, Fact]:
    """The base facts of one incident (the reference, per-incident derivation), with the
    closed-world inferences of ``closed`` applied to the effects the record leaves unset."""
    facts: dict[str, Fact] = {}
    ops = set(incident.operation)
    for op in OPERATIONS:
        facts[f"op_{ident(op)}"] = op in ops
    sectors = {t.sector for t in incident.targets}
    for sector in SECTORS:
        facts[f"sector_{ident(sector)}"] = sector in sectors
    fx, _ = closed_effects(incident, closed)
    facts["data_stolen"] = _tri(fx.data_stolen)
    facts["data_published"] = _tri(fx.data_published)
    facts["data_destroyed"] = _tri(fx.data_destroyed)
    facts["availability_disrupted"] = None if fx.availability is None else fx.availability != "none"
    facts["availability_lasting"] = None if fx.availability is None else fx.availability == "lasting"
    facts["physical_damage"] = _tri(fx.physical_damage)
    facts["injuries"] = fx.injuries
    facts["deaths"] = fx.deaths
    facts["economic_loss_usd"] = fx.economic_loss_usd
    facts["scale_rank"] = SCALE_RANK.get(fx.scale) if fx.scale else None
    facts["indiscriminate"] = _tri(fx.indiscriminate)
    facts["armed_conflict"] = _tri(incident.context.armed_conflict)
    victims = {t.country for t in incident.targets}
    facts["victim_countries"] = len(victims)
    responsible = responsible_states(incident)
    best = max((r.rank for r in responsible), default=0)
    facts["state_confidence"] = best
    kinds = {a.kind for a in incident.actors}
    facts["state_linked"] = bool(kinds & {"state", "state-sponsored"}) or best > 0
    non_state = bool(kinds & set(NON_STATE))
    facts["non_state_actor"] = non_state
    legal = {r.kind for r in incident.responses} & {"indictment", "sanctions"}
    facts["non_state_confidence"] = (3 if legal else 2) if non_state else 0
    if incident.infrastructure:
        states = {r.state for r in responsible}
        facts["third_state_infrastructure"] = bool(set(incident.infrastructure) - victims - states)
    else:
        facts["third_state_infrastructure"] = None
    facts["botnet_use"] = None
    return facts


def fact_kinds() -> Mapping[str, str]:
    """Each base fact's type: ``bool`` or ``number``."""
    return {name: kind for name, (kind, _) in BASE_FACTS.items()}

