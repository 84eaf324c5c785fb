"""ISO 3166-1 alpha-3 country codes, through pycountry."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import AfterValidator


@cache
def _names() -> dict[str, str]:
    import pycountry

    return {c.alpha_3: getattr(c, "common_name", c.name) for c in pycountry.countries}


def country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-3 code, in pycountry's order."""
    return list(_names())


def is_country(code: str) -> bool:
    """True when ``code`` is an ISO 3166-1 alpha-3 code."""
    return code in _names()


def country_name(code: str) -> str:
    """The common English name of an ISO alpha-3 code (the code itself if unknown)."""
    return _names().get(code, code)


def country_code(value: str, field: str = "country", file: str = "input") -> str:
    """``value`` as an ISO 3166-1 alpha-3 code (trimmed, upper-cased), or an
    :class:`~normwatch.errors.InputError` naming ``field``: the one check every front end
    and library function uses."""
    from normwatch.errors import InputError

    code = value.strip().upper()
    if is_country(code):
        return code
    found = _lookup(value.strip())
    if found is not None:
        return found
    hint = _suggest(value.strip())
    raise InputError.one(
        file, "", field,
        f"{value.strip()[:40]!r} is not an ISO 3166-1 alpha-3 country code (e.g. FRA)"
        + (f"; did you mean {hint}?" if hint else ""),
    )


def _lookup(value: str) -> str | None:
    """The alpha-3 code of an ISO-2 code or an English name pycountry knows exactly."""
    import pycountry

    if not value or len(value) > 80:
        return None
    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return None
    code = str(found.alpha_3)
    return code if is_country(code) else None


def _suggest(value: str) -> str | None:
    """A close match for a misspelt name, as "FRA (France)"."""
    import difflib

    if len(value) < 4 or len(value) > 80:
        return None
    by_name = {name.casefold(): code for code, name in _names().items()}
    close = difflib.get_close_matches(value.casefold(), list(by_name), n=1, cutoff=0.75)
    return f"{by_name[close[0]]} ({country_name(by_name[close[0]])})" if close else None


def _check(code: str) -> str:
    if not is_country(code):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


CountryCode = Annotated[str, AfterValidator(_check)]
"""A validated ISO 3166-1 alpha-3 code."""
