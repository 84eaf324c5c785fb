"""Agreement with outside experts: normwatch's law answers against EuRepoC's legal coders.

EuRepoC's Global Database codes, for some incidents, which rules of international law the
sources discuss as breached (``IL_breach_indicator``). On the rows it codes, this script
compares normwatch's baseline answers for sovereignty and due diligence with that coding,
as raw agreement and Cohen's kappa, counting "yes" (strict) or "yes or possible" as a breach.

    .venv/bin/python benchmarks/agreement.py [--source ../shared/data/external/EuRepoC_Global_Database_1.1.csv]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

EUREPOC = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "EuRepoC_Global_Database_1.1.csv"
QUESTIONS = (("sovereignty", "Sovereignty"), ("due_diligence", "Due diligence"))


def kappa(pairs: list[tuple[bool, bool]]) -> tuple[int, float, float]:
    """Count, raw agreement and Cohen's kappa of paired binary codings."""
    n = len(pairs)
    agree = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return n, agree, (agree - chance) / (1 - chance) if chance < 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=EUREPOC)
    args = parser.parse_args()
    from normwatch import assess_many, load_kb
    from normwatch.interchange.external import import_eurepoc

    with args.source.open(encoding="utf-8") as handle:
        rows = {f"eurepoc-{r['ID']}": r for r in csv.DictReader(handle)}
    result, _ = import_eurepoc(args.source)
    document = assess_many(result.incidents, load_kb())
    for question, label in QUESTIONS:
        for strict in (True, False):
            pairs = []
            for item in document.assessments:
                coded = rows.get(item.incident, {}).get("IL_breach_indicator", "").strip()
                if not coded or coded == "Not available":
                    continue
                ours = getattr(item.law, question)
                pairs.append((ours == "yes" if strict else ours in ("yes", "possible"), label in coded))
            n, agree, k = kappa(pairs)
            rule = "yes" if strict else "yes or possible"
            print(f"{question} ({rule} = breach): {n} coded rows, raw agreement {agree:.2f}, kappa {k:.2f}")


if __name__ == "__main__":
    main()
