"""A documented 0-10 intensity scale, monotone in every input.

Additive components, each non-decreasing in its input, summed and capped at 10; an
unknown input scores 0 (we never guess harm). Anchored on the doctrine notes (EuRepoC
components, the CISA NCISS levels, DCID severity and the Schmitt severity factor).

| component | points |
|---|---|
| scope: scale targeted / national / regional / global | 0.5 / 1.0 / 1.5 / 2.0 |
| victim countries: 1 + 0.25 per extra country | up to 0.75 |
| effects: data stolen 0.5, published 0.5, destroyed 1.0 | up to 2.0 |
| availability: temporary 0.75, lasting 1.5 | up to 1.5 |
| physical damage | 1.5 |
| casualties: injuries 1.0, deaths 1.0 + 0.5 × log10(deaths) | up to 2.5 |
| economic loss: 0.25 × log10(loss in USD / 1 million), from 1 million | up to 1.0 |
| duration: 0.25 per doubling beyond a week | up to 0.5 |
| targets: critical infrastructure 0.5, public core or elections 0.5 | up to 1.0 |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from normwatch.engine.cel import Fact

SCALE_POINTS = {1: 0.5, 2: 1.0, 3: 1.5, 4: 2.0}


@dataclass(frozen=True)
class IntensityInput:
    """Everything the scale reads; ``None`` means unknown (scores nothing)."""

    scale_rank: int | None = None
    victim_countries: int = 1
    data_stolen: bool | None = None
    data_published: bool | None = None
    data_destroyed: bool | None = None
    availability: int | None = None  # 0 none, 1 temporary, 2 lasting
    physical_damage: bool | None = None
    injuries: int | None = None
    deaths: int | None = None
    economic_loss_usd: float | None = None
    duration_days: float | None = None
    critical_infrastructure: bool | None = None
    core_or_elections: bool | None = None


def components(x: IntensityInput) -> dict[str, float]:
    """Each component's points, for display and audit."""
    loss = x.economic_loss_usd or 0.0
    deaths = x.deaths or 0
    return {
        "scope": SCALE_POINTS.get(x.scale_rank or 0, 0.0),
        "victim_countries": min(0.75, 0.25 * max(0, x.victim_countries - 1)),
        "data": 0.5 * bool(x.data_stolen) + 0.5 * bool(x.data_published) + 1.0 * bool(x.data_destroyed),
        "availability": {0: 0.0, 1: 0.75, 2: 1.5}.get(x.availability or 0, 0.0),
        "physical_damage": 1.5 if x.physical_damage else 0.0,
        "casualties": (1.0 if (x.injuries or 0) > 0 else 0.0)
        + (min(1.5, 1.0 + 0.5 * math.log10(deaths)) if deaths > 0 else 0.0),
        "economic_loss": min(1.0, 0.25 * math.log10(loss / 1e6)) if loss > 1e6 else 0.0,
        "duration": min(0.5, 0.25 * math.log2(x.duration_days / 7))
        if x.duration_days and x.duration_days > 7 else 0.0,
        "targets": 0.5 * bool(x.critical_infrastructure) + 0.5 * bool(x.core_or_elections),
    }


MAXIMA: dict[str, float] = {
    "scope": 2.0, "victim_countries": 0.75, "data": 2.0, "availability": 1.5,
    "physical_damage": 1.5, "casualties": 2.5, "economic_loss": 1.0, "duration": 0.5,
    "targets": 1.0,
}
"""The most points each component can give (the table above)."""


def breakdown(x: IntensityInput) -> list[dict[str, float | str]]:
    """Each component with its points and its maximum, in the table's order."""
    return [
        {"component": name, "points": round(points, 2), "max": MAXIMA[name]}
        for name, points in components(x).items()
    ]


def intensity(x: IntensityInput) -> float:
    """The 0-10 intensity, rounded to one decimal."""
    return round(min(10.0, sum(components(x).values())), 1)


def from_facts(facts: Mapping[str, Fact], duration_days: float | None) -> IntensityInput:
    """Read the scale's inputs from an incident's facts."""
    lasting, disrupted = facts.get("availability_lasting"), facts.get("availability_disrupted")
    availability = None if disrupted is None else (2 if lasting else 1 if disrupted else 0)

    def num(name: str) -> float | None:
        value = facts.get(name)
        return None if value is None or isinstance(value, str) else float(value)

    def flag(name: str) -> bool | None:
        value = facts.get(name)
        return None if value is None else bool(value)

    scale = num("scale_rank")
    injuries, deaths = num("injuries"), num("deaths")
    return IntensityInput(
        scale_rank=int(scale) if scale is not None else None,
        victim_countries=int(num("victim_countries") or 1),
        data_stolen=flag("data_stolen"),
        data_published=flag("data_published"),
        data_destroyed=flag("data_destroyed"),
        availability=availability,
        physical_damage=flag("physical_damage"),
        injuries=int(injuries) if injuries is not None else None,
        deaths=int(deaths) if deaths is not None else None,
        economic_loss_usd=num("economic_loss_usd"),
        duration_days=duration_days,
        critical_infrastructure=flag("ci_sector"),
        core_or_elections=bool(facts.get("sector_internet_core")) or bool(facts.get("election_targeted")),
    )
