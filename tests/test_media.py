"""Content negotiation: one reading of Accept for the API, the web UI and TAXII."""

from __future__ import annotations

import pytest

from normwatch.service.media import preferred

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
API = ("application/json", "text/csv")
WEB = ("text/html", "application/json")


@pytest.mark.parametrize(("accept", "offered", "wanted"), [
    (None, API, "application/json"),
    ("", API, "application/json"),
    ("text/csv", API, "text/csv"),
    ("text/csv, application/json", API, "application/json"),  # a tie goes to the server's order
    ("application/json;q=0.5, text/csv", API, "text/csv"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", WEB, "text/html"),
    ("application/json", WEB, "application/json"),
    (TAXII, (TAXII,), TAXII),
    ("application/taxii+json", (TAXII,), TAXII),
    ("*/*", (TAXII,), TAXII),
    ("application/*", (TAXII,), TAXII),
    (STIX, (TAXII, STIX), STIX),
    (TAXII + ";q=0", (TAXII,), None),
    ("application/taxii+json;version=2.0", (TAXII,), None),
    ("text/html", (TAXII,), None),
    ("*/*;q=0, text/csv", API, "text/csv"),
    ("text/csv;q=bogus", API, None),
])
def test_preferred(accept: str | None, offered: tuple[str, ...], wanted: str | None) -> None:
    assert preferred(accept, offered) == wanted
