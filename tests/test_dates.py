from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normwatch.knowledge.dates import earliest, latest, parse_partial, to_date


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
        ("2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
        ("2021-02", dt.date(2021, 2, 1), dt.date(2021, 2, 28)),
        ("2017-06-27", dt.date(2017, 6, 27), dt.date(2017, 6, 27)),
    ],
)
def test_partial_dates_span_their_days(text, first, last):
    assert parse_partial(text) == (first, last)


@pytest.mark.parametrize("text", ["2019-2", "19", "2019-13", "2019-02-30", "2019/01/01", "", "1850"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_partial(text)


def test_query_dates_must_be_full():
    assert to_date("2020-01-31") == dt.date(2020, 1, 31)
    with pytest.raises(ValueError, match="full date"):
        to_date("2020-01")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_day_round_trips_at_every_precision(day):
    full = day.isoformat()
    assert earliest(full) == latest(full) == day
    assert earliest(full[:7]) <= day <= latest(full[:7])
    assert earliest(full[:4]) <= day <= latest(full[:4])
