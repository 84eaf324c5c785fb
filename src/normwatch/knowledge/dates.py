"""Partial dates: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

Sources often give only a year or a month. A partial date stands for a span of days,
so every comparison has to say which end of the span it means: a commitment dated
``2019`` is *certain* only from 2019-12-31, and an incident dated ``2019`` *may* have
started on 2019-01-01.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BeforeValidator

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@lru_cache(maxsize=4096)
def parse_partial(value: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day that a partial date may mean.

    Raises ``ValueError`` with a readable message for anything that is not a real date.
    """
    match = _PATTERN.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if year < 1900 or year > 2100:
        raise ValueError(f"{value!r}: year {year} is out of range 1900-2100")
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValueError(f"{value!r}: month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return dt.date(year, month, 1), dt.date(year, month, last)
    if not 1 <= day <= last:
        raise ValueError(f"{value!r}: day {day} does not exist in {year}-{month:02d}")
    exact = dt.date(year, month, day)
    return exact, exact


def earliest(value: str) -> dt.date:
    """First day a partial date may mean."""
    return parse_partial(value)[0]


def latest(value: str) -> dt.date:
    """Last day a partial date may mean."""
    return parse_partial(value)[1]


def to_date(value: str | dt.date) -> dt.date:
    """Read a full ``YYYY-MM-DD`` date (a query date must be exact)."""
    if isinstance(value, dt.date):
        return value
    first, last = parse_partial(value)
    if first != last:
        raise ValueError(f"{value!r} is not a full date: give YYYY-MM-DD")
    return first


def _coerce(value: Any) -> Any:
    # YAML turns unquoted 2017-06-27 into a date object; the knowledge base keeps strings.
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        parse_partial(value)
        return value
    raise ValueError("a date must be a string YYYY, YYYY-MM or YYYY-MM-DD")


PartialDate = Annotated[str, BeforeValidator(_coerce)]
"""A validated ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` string."""
