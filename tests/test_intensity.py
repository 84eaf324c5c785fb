"""The 0-10 intensity scale is bounded and monotone in every input."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from normwatch.engine.intensity import IntensityInput, intensity

inputs = st.builds(
    IntensityInput,
    scale_rank=st.one_of(st.none(), st.integers(1, 4)),
    victim_countries=st.integers(1, 30),
    data_stolen=st.one_of(st.none(), st.booleans()),
    data_published=st.one_of(st.none(), st.booleans()),
    data_destroyed=st.one_of(st.none(), st.booleans()),
    availability=st.one_of(st.none(), st.integers(0, 2)),
    physical_damage=st.one_of(st.none(), st.booleans()),
    injuries=st.one_of(st.none(), st.integers(0, 10_000)),
    deaths=st.one_of(st.none(), st.integers(0, 10_000)),
    economic_loss_usd=st.one_of(st.none(), st.floats(0, 1e13)),
    duration_days=st.one_of(st.none(), st.floats(0, 5000)),
    critical_infrastructure=st.one_of(st.none(), st.booleans()),
    core_or_elections=st.one_of(st.none(), st.booleans()),
)

BIGGER = {
    "scale_rank": lambda v: min(4, (v or 0) + 1),
    "victim_countries": lambda v: v + 1,
    "data_stolen": lambda v: True, "data_published": lambda v: True, "data_destroyed": lambda v: True,
    "availability": lambda v: min(2, (v or 0) + 1),
    "physical_damage": lambda v: True,
    "injuries": lambda v: (v or 0) * 2 + 1, "deaths": lambda v: (v or 0) * 2 + 1,
    "economic_loss_usd": lambda v: (v or 0) * 10 + 1e6,
    "duration_days": lambda v: (v or 0) * 2 + 1,
    "critical_infrastructure": lambda v: True, "core_or_elections": lambda v: True,
}


@given(inputs, st.sampled_from(sorted(BIGGER)))
def test_more_of_any_input_never_lowers_intensity(x, field):
    bigger = replace(x, **{field: BIGGER[field](getattr(x, field))})
    assert intensity(bigger) >= intensity(x)


@given(inputs)
def test_intensity_is_between_0_and_10(x):
    assert 0 <= intensity(x) <= 10


def test_anchors():
    assert intensity(IntensityInput()) == 0
    worst = IntensityInput(scale_rank=4, victim_countries=60, data_stolen=True, data_published=True,
                           data_destroyed=True, availability=2, physical_damage=True, injuries=100,
                           deaths=1000, economic_loss_usd=1e11, duration_days=365,
                           critical_infrastructure=True, core_or_elections=True)
    assert intensity(worst) == 10
