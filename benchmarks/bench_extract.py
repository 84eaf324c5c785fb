"""How well ``draft_from_text`` reads incidents: micro-F1 per field against coded datasets.

Each dataset pairs a free-text description with a coder's labels. The script drafts a
record from each description alone and compares four fields, as sets per incident:

| field | CFR Cyber Operations Tracker | EuRepoC Global Database 1.1 | shipped texts |
|---|---|---|---|
| responsible state | ``Sponsor`` | ``initiator_country`` (state or state-affiliated initiator) | ``responsible`` |
| victim country | ``Victims`` (country names and adjectives in it) | ``receiver_country`` | ``victims`` |
| sector | ``Category`` | ``receiver_category(_subcode)`` | ``sectors`` |
| operation type | ``Type`` | ``incident_type`` | ``operation`` |

The datasets' labels go to Contract 1 through the importers' tables
(:mod:`normwatch.interchange.external`, documented in docs/interchange.md). The draft's
values are then folded onto what each dataset can tell apart (:data:`CFR_FOLD`,
:data:`EUREPOC_FOLD`): CFR knows four victim categories (government, private sector, civil
society, military) and seven types; EuRepoC does not separate espionage from IP theft nor
destruction from disruption, and codes defacements as disruption. A row is scored on a
field only when the dataset labels that field (CFR rows with shifted columns are dropped);
a EuRepoC row whose initiator is coded, but not as a state or state-affiliated actor,
counts with an empty gold set, so a state the draft names there is a false positive. Where
EuRepoC lists initiator countries and categories of unequal length (26 rows) and all its
categories are of one kind, that kind holds for every listed country.

Many gold states are not in the description at all (CFR's ``Victims`` often lists a dozen
countries the one-line description never names). ``--grounded`` scores the two state fields
only against the gold states the text names in some form the gazetteer knows: a diagnostic
of what a reader of the text alone could find, never the headline figure.

    .venv/bin/python benchmarks/bench_extract.py [--dataset cfr|eurepoc|texts|all]
        [--sample N --seed S] [--external DIR] [--errors K] [--json] [--grounded]
        [--min-confidence low|medium|high]

``--min-confidence`` counts a responsible state only from the draft's claims of at least that
confidence (a vendor's finding is medium, "suspected" or a text naming only the hackers'
nationality low): the trade of precision for recall a user makes by ignoring weak claims.

The external datasets are not shipped; ``--external`` (default ``../shared/data/external``)
names their folder, and a missing one is skipped with a note.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "data" / "external"
TEXTS = ROOT / "tests" / "texts"
FIELDS = ("responsible", "victims", "sectors", "operation")

# Contract 1 values folded onto what CFR codes (its Category has four victim classes).
CFR_FOLD: dict[str, dict[str, str]] = {
    "sectors": {
        "government": "government", "diplomacy": "government", "elections": "government",
        "csirt": "government", "military": "military", "civil-society": "civil-society",
        "media": "civil-society", "individuals": "civil-society", "political-party": "civil-society",
        "education": "civil-society", "research": "civil-society",
    },  # every other sector is CFR's "Private sector" (industry)
    "operation": {
        "ip-theft": "espionage", "pre-positioning": "espionage", "supply-chain": "espionage",
        "tool-proliferation": "espionage", "ransomware": "disruption", "election-interference": "hack-and-leak",
        "disinformation": "hack-and-leak",
    },
}
EUREPOC_FOLD: dict[str, dict[str, str]] = {
    "sectors": {
        "education": "research", "digital-provider": "industry", "internet-core": "telecom",
        "nuclear": "energy", "csirt": "government", "defense-industry": "defense-industry",
    },
    "operation": {
        "ip-theft": "espionage", "destruction": "disruption", "defacement": "disruption",
        "supply-chain": "espionage", "election-interference": "hack-and-leak", "financial-theft": "espionage",
        "tool-proliferation": "espionage", "disinformation": "hack-and-leak",
    },
}


@dataclass
class Case:
    """One description and its gold labels (None: the dataset does not label that field)."""

    ident: str
    text: str
    gold: dict[str, set[str] | None]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    rows: int = 0
    errors: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    def add(self, ident: str, gold: set[str], got: set[str]) -> None:
        self.rows += 1
        self.tp += len(gold & got)
        self.fp += len(got - gold)
        self.fn += len(gold - got)
        if gold != got:
            self.errors.append((ident, sorted(gold), sorted(got)))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# --- gold labels --------------------------------------------------------------------------------


def cfr_cases(folder: Path) -> list[Case]:
    """The CFR tracker rows whose ``Type`` maps (shifted rows are dropped)."""
    from normwatch.interchange.external import CFR_OPERATIONS, CFR_SECTORS, _sponsors, countries_in
    from normwatch.interchange.importing import MappingReport

    report = MappingReport(source="cfr")
    cases = []
    with (folder / "cfr_cyber_operations_tracker_2005-2022.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            op = CFR_OPERATIONS.get(row["Type"].strip())
            text = row["Description"].strip()
            if op is None or not text:
                continue
            sponsors = set(_sponsors(row["Sponsor"], report))
            victims = set(countries_in(row["Victims"]))
            sectors = {CFR_SECTORS[c.strip()] for c in row["Category"].split(",") if c.strip() in CFR_SECTORS}
            cases.append(Case(f"cfr:{number}:{row['Title'][:50]}", text, {
                "responsible": sponsors or None, "victims": victims or None, "sectors": sectors or None,
                "operation": {op},
            }))
    return cases


def eurepoc_cases(folder: Path) -> list[Case]:
    """EuRepoC Global Database rows with a description."""
    from normwatch.interchange.external import (
        EUREPOC_OPERATIONS,
        STATE_LINKED,
        _eurepoc_targets,
        _flat,
        _literal,
        country_code,
    )
    from normwatch.interchange.importing import MappingReport

    report = MappingReport(source="eurepoc")
    cases = []
    unknown = {"Not available", "Unknown", ""}
    with (folder / "EuRepoC_Global_Database_1.1.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["description"].strip()
            if not text:
                continue
            countries = _flat(_literal(row["initiator_country"]))
            categories = _flat(_literal(row["initiator_category"]))
            responsible: set[str] | None = set()
            assert responsible is not None
            kinds = {category in STATE_LINKED for category in categories}
            if len(categories) != len(countries) and len(kinds) == 1:
                # 26 rows list countries and categories of unequal length ("['Israel', 'United
                # States']" with "['State']"): one kind of initiator holds for every country
                if kinds == {True}:
                    responsible.update(code for c in countries if (code := country_code(c)))
            else:
                for i, category in enumerate(categories):
                    if category in STATE_LINKED and i < len(countries) and (code := country_code(countries[i])):
                        responsible.add(code)
            if not responsible and all(c in unknown for c in categories):
                responsible = None  # the initiator is not coded: nothing to score
            targets = _eurepoc_targets(row, report)
            victims = {code for c in _flat(_literal(row["receiver_country"])) if (code := country_code(c))}
            sectors = {t["sector"] for t in targets}
            ops = {op for t in row["incident_type"].split(";") if (op := EUREPOC_OPERATIONS.get(t.strip()))}
            cases.append(Case(f"eurepoc:{row['ID']}", text, {
                "responsible": responsible, "victims": victims or None, "sectors": sectors or None,
                "operation": ops or None,
            }))
    return cases


def text_cases(folder: Path = TEXTS) -> list[Case]:
    """The sample texts shipped in tests/texts with their expected labels."""
    import yaml

    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    cases = []
    for name, labels in expected["texts"].items():
        text = (folder / name).read_text(encoding="utf-8")
        cases.append(Case(f"texts:{name}", text, {key: set(labels.get(key) or []) for key in FIELDS}))
    return cases


# --- predictions -------------------------------------------------------------------------------


def fold(values: set[str], table: dict[str, str], default: str | None = None) -> set[str]:
    return {table.get(v, default or v) for v in values}


def named_in(text: str, kb: Any) -> set[str]:
    """The states a text names in any form the gazetteer knows (a country, demonym, capital,
    state body, or a group with its knowledge-base state), whatever role they play."""
    from normwatch.interchange import fromtext
    from normwatch.knowledge.load import load_kb

    gaz = fromtext.gazetteer(kb if kb is not None else load_kb())
    named: set[str] = set()
    for mention in fromtext._mentions(fromtext._repaired(text), gaz):
        if mention.name.kind == "group":
            sponsor = gaz.groups[mention.name.value].sponsor
            if sponsor:
                named.add(sponsor)
        elif mention.name.kind in {"country", "body", "gov"}:
            named.add(mention.name.value)
    return named


STATE_FIELDS = ("responsible", "victims")


LEVELS = {"low": 0, "medium": 1, "high": 2}


def score(cases: Iterable[Case], folds: dict[str, dict[str, str]] | None, sector_default: str | None,
          kb: Any, grounded: bool = False,
          min_confidence: str = "low") -> tuple[dict[str, Score], int, float, dict[str, Score]]:
    """Micro-scores per field; ``grounded`` keeps of each gold set of states only those the
    text names (a diagnostic of the text's own ceiling, not the headline figure).

    The last value is the text ceiling of the two state fields: the scores of a reader who
    answers, for every row, exactly the gold states that the description names in some form
    the gazetteer knows, and nothing else. No extractor that reads only the text and the
    gazetteer can do better against the raw labels."""
    from normwatch.interchange.fromtext import draft_from_text

    scores = {f: Score() for f in FIELDS}
    ceiling = {f: Score() for f in STATE_FIELDS}
    count = 0
    began = time.perf_counter()
    for case in cases:
        count += 1
        draft = draft_from_text(case.text, kb=kb)
        got = draft.found()
        if min_confidence != "low":
            got["responsible"] = sorted({a["to"] for a in draft.incident.get("attributions", [])
                                         if LEVELS.get(a.get("confidence", "low"), 0) >= LEVELS[min_confidence]})
        named = named_in(case.text, kb)
        for f in FIELDS:
            gold = case.gold[f]
            if gold is None:
                continue
            if f in STATE_FIELDS:
                ceiling[f].add(case.ident, gold, gold & named)
            if grounded and f in STATE_FIELDS:
                gold = gold & named
            mine = set(got[f])
            if folds is not None and f in folds:
                mine = fold(mine, folds[f], sector_default if f == "sectors" else None)
            scores[f].add(case.ident, gold, mine)
    return scores, count, time.perf_counter() - began, ceiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("cfr", "eurepoc", "texts", "all"), default="all")
    parser.add_argument("--external", type=Path, default=EXTERNAL)
    parser.add_argument("--sample", type=int, default=0, help="score a seeded random slice of N rows")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--errors", type=int, default=0, help="print K mismatches per field")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--grounded", action="store_true",
                        help="score states only against the gold states the text names (the text's ceiling)")
    parser.add_argument("--min-confidence", choices=tuple(LEVELS), default="low",
                        help="responsible states only from claims of at least this confidence")
    args = parser.parse_args()
    from normwatch import load_kb

    kb = load_kb()
    wanted = ("cfr", "eurepoc", "texts") if args.dataset == "all" else (args.dataset,)
    report: dict[str, Any] = {}
    for name in wanted:
        if name != "texts" and not args.external.is_dir():
            print(f"{name}: skipped, no folder {args.external}", file=sys.stderr)
            continue
        cases = {"cfr": cfr_cases, "eurepoc": eurepoc_cases}[name](args.external) if name != "texts" \
            else text_cases()
        if args.sample and args.sample < len(cases):
            cases = random.Random(args.seed).sample(cases, args.sample)
        folds = {"cfr": CFR_FOLD, "eurepoc": EUREPOC_FOLD}.get(name)
        scores, count, seconds, ceiling = score(cases, folds, "industry" if name == "cfr" else None, kb,
                                                args.grounded, args.min_confidence)
        report[name] = {
            "texts": count, "seconds": round(seconds, 2),
            "fields": {f: {"rows": s.rows, "tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": round(s.precision, 3),
                           "recall": round(s.recall, 3), "f1": round(s.f1, 3)} for f, s in scores.items()},
            "text_ceiling": {f: {"recall": round(s.recall, 3), "f1": round(s.f1, 3)} for f, s in ceiling.items()},
        }
        if not args.json:
            print(f"\n{name}: {count} texts, {seconds:.1f} s")
            print(f"  {'field':<12} {'rows':>5} {'tp':>5} {'fp':>5} {'fn':>5} {'P':>6} {'R':>6} {'F1':>6}"
                  "  text ceiling F1 (R)")
            for f, s in scores.items():
                top = f"  {ceiling[f].f1:.3f} ({ceiling[f].recall:.3f})" if f in ceiling and not args.grounded else ""
                print(f"  {f:<12} {s.rows:>5} {s.tp:>5} {s.fp:>5} {s.fn:>5} {s.precision:>6.3f} "
                      f"{s.recall:>6.3f} {s.f1:>6.3f}{top}")
            for f, s in scores.items():
                for ident, gold, got in s.errors[: args.errors]:
                    print(f"    {f}: {ident}: gold {gold} got {got}")
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
