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
        _instrument("coe-mla-1959", "treaty", adopted="1959-04-20", entry_into_force="1962-06-12",
                    family="coe-mla"),
        _instrument("coe-mla-protocol-2", "protocol", adopted="2001-11-08", entry_into_force="2004-02-01",
                    family="coe-mla"),
        _instrument("untoc", "treaty", adopted="2000-11-15", entry_into_force="2003-09-29", family="untoc"),
        _instrument("fra-jpn-mlat", "treaty", adopted="2007-10-01", entry_into_force="2008-10-01",
                    family="bilateral-mlat"),
    ]},
    "commitments/budapest.yaml": _bound("budapest", {"FRA": "2006-05-01", "NLD": "2007-03-01",
                                                     "DEU": "2009-07-01", "DNK": "2005-10-01",
                                                     "USA": "2007-01-01", "JPN": "2012-11-01"}),
    "commitments/eu-eio.yaml": _bound("eu-eio", {"FRA": "2017-05-22", "NLD": "2017-07-17", "DEU": "2017-07-22"}),
    "commitments/eu-e-evidence.yaml": _bound("eu-e-evidence", {"FRA": "2026-08-18", "NLD": "2026-08-18",
                                                               "DEU": "2026-08-18"}),
    "commitments/coe-mla-1959.yaml": _bound("coe-mla-1959", {"FRA": "1967-06-21", "NLD": "1969-05-15",
                                                             "DEU": "1977-01-01", "DNK": "1962-12-12"}),
    "commitments/coe-mla-protocol-2.yaml": _bound("coe-mla-protocol-2", {"FRA": "2012-05-01",
                                                                         "DNK": "2004-02-01"}),
    "commitments/untoc.yaml": _bound("untoc", {"FRA": "2003-09-29", "USA": "2005-12-03",
                                               "JPN": "2017-08-10", "DEU": "2006-07-14"}),
    "commitments/fra-jpn-mlat.yaml": _bound("fra-jpn-mlat", {"FRA": "2008-10-01", "JPN": "2008-10-01"}),
}


class _NoAliases(yaml.SafeDumper):
    """The loader refuses anchors and aliases in user files, so test files are written without."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def dump_yaml(data: object) -> str:
    """YAML of ``data`` as a user would write it: no anchors or aliases."""
    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
