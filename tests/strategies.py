"""Hypothesis strategies for Contract 1 incidents with unknowns left out at random."""

from __future__ import annotations

from hypothesis import strategies as st

from normwatch.knowledge.models import OPERATIONS, SECTORS, Incident

STATES = ["RUS", "CHN", "PRK", "IRN", "USA", "GBR", "FRA", "UKR", "DEU", "EST", "ALB", "TUR"]
BY = ["USA", "GBR", "AUS", "EU", "DEU", "FRA", "Mandiant", "Microsoft", "ESET", "Reuters"]


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


attribution = st.fixed_dictionaries({
    "to": st.sampled_from(STATES),
    "by": st.lists(st.sampled_from(BY), min_size=1, max_size=3),
    "kind": st.sampled_from(["government", "industry", "academic", "media"]),
    "confidence": st.sampled_from(["high", "medium", "low"]),
})

effects = st.fixed_dictionaries({}, optional={
    "data_stolen": st.booleans(), "data_published": st.booleans(), "data_destroyed": st.booleans(),
    "availability": st.sampled_from(["none", "temporary", "lasting"]),
    "physical_damage": st.booleans(),
    "injuries": st.integers(0, 50), "deaths": st.integers(0, 5),
    "economic_loss_usd": st.sampled_from([0.0, 1e5, 5e6, 1e9, 1e10]),
    "scale": st.sampled_from(["targeted", "national", "regional", "global"]),
    "indiscriminate": st.booleans(),
})


@st.composite
def incidents(draw: st.DrawFn, index: int = 0) -> Incident:
    year = draw(st.integers(2007, 2025))
    targets = draw(st.lists(
        st.fixed_dictionaries({"country": st.sampled_from(STATES), "sector": st.sampled_from(SECTORS)}),
        min_size=1, max_size=3,
    ))
    data = {
        "id": f"generated-{draw(st.integers(0, 10**9))}",
        "name": "generated",
        "start": str(year),
        "operation": draw(st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=3, unique=True)),
        "targets": targets,
        "actors": draw(st.lists(st.fixed_dictionaries({
            "name": st.just("someone"),
            "kind": st.sampled_from(["state", "state-sponsored", "criminal", "hacktivist",
                                     "private-company", "unknown"]),
        }), max_size=2)),
        "attributions": draw(st.lists(attribution, max_size=4)),
        "infrastructure": draw(st.lists(st.sampled_from(STATES), max_size=2)),
        "effects": draw(effects),
        "responses": draw(st.lists(st.fixed_dictionaries({
            "by": st.just("USA"),
            "kind": st.sampled_from(["statement", "sanctions", "indictment", "expulsion"]),
        }), max_size=2)),
    }
    armed = draw(_maybe(st.booleans()))
    if armed is not None:
        data["context"] = {"armed_conflict": armed}
    return Incident.model_validate(data)
