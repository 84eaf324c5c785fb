"""A small knowledge base frozen in code for the router tests: a few states, three
instruments with literal dates and parties. Curating the shipped knowledge base does not
move what these tests expect. The dates are plausible, not a record of the real treaties:
the real ones live in the curated knowledge base."""

from __future__ import annotations

from typing import Any

import yaml

SOURCE = ["https://example.org/fixture"]


def _instrument(ident: str, kind: str, **dates: str) -> dict[str, Any]:
    return {"id": ident, "name": f"Fixture {ident}", "kind": kind, "binding": True,
            "url": SOURCE[0], "sources": SOURCE, **dates}


def _bound(instrument: str, parties: dict[str, str]) -> dict[str, Any]:
    return {"instrument": instrument,
            "commitments": [{"state": s, "in_force": d, "sources": SOURCE} for s, d in parties.items()]}


FILES: dict[str, object] = {
    "states.yaml": {"states": [{"iso3": s, "un": "member", "source": SOURCE[0]}
                               for s in ("DEU", "DNK", "FRA", "JPN", "NLD", "PRK", "USA")]},
    "instruments.yaml": {"instruments": [
        _instrument("budapest", "treaty", adopted="2001-11-23", entry_into_force="2004-07-01"),
        _instrument("eu-eio", "directive", adopted="2014-04-03", entry_into_force="2014-05-21",
                    applies_from="2017-05-22"),
        _instrument("eu-e-evidence", "regulation", adopted="2023-07-12", entry_into_force="2023-08-17",
                    applies_from="2026-08-18"),
    ]},
    "commitments/budapest.yaml": _bound("budapest", {"FRA": "2006-05-01", "NLD": "2007-03-01",
                                                     "DEU": "2009-07-01", "DNK": "2005-10-01",
                                                     "USA": "2007-01-01", "JPN": "2012-11-01"}),
    "commitments/eu-eio.yaml": _bound("eu-eio", {"FRA": "2017-05-22", "NLD": "2017-07-17", "DEU": "2017-07-22"}),
    "commitments/eu-e-evidence.yaml": _bound("eu-e-evidence", {"FRA": "2026-08-18", "NLD": "2026-08-18",
                                                               "DEU": "2026-08-18"}),
}


class _NoAliases(yaml.SafeDumper):
    """The loader refuses anchors and aliases in user files, so test files are written without."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def dump_yaml(data: object) -> str:
    """YAML of ``data`` as a user would write it: no anchors or aliases."""
    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
