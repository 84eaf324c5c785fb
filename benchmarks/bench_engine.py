"""Benchmark: vectorised rule evaluation vs the per-incident reference evaluator.

End to end from a Parquet file of synthetic incidents to verdicts for every norm, the law
questions, the red line and tolerated espionage. The reference evaluator runs on a sample
in the same run; its per-incident time gives the ratio. Both must agree on the sample.

    .venv/bin/python benchmarks/bench_engine.py [--sizes 100000 1000000] [--sample 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import generate  # noqa: E402

import normwatch  # noqa: E402
from normwatch.engine.assessment import assess  # noqa: E402
from normwatch.engine.columnar import addresses_of, assess_table, incidents_from_table, read_table  # noqa: E402
from normwatch.engine.rules import load_rules  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=3000)
    args = parser.parse_args()
    kb = normwatch.load_kb()
    rules = load_rules()
    norm_ids = list(kb.norms)
    addresses = addresses_of(kb)
    rule_count = len(rules.norms) + len(rules.law) + len(rules.red_line) + 1
    print(f"rules: {rule_count} rule families over {len(norm_ids)} norms, rules {rules.version}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"incidents-{size}.parquet"
            generate(size, seed=size).write_parquet(path)
            start = time.perf_counter()
            df = read_table(path)
            result = assess_table(df, rules, norm_ids, addresses)
            fast = time.perf_counter() - start
            sample = incidents_from_table(df.head(args.sample))
            start = time.perf_counter()
            reference = [assess(i, kb, rules) for i in sample]
            ref_each = (time.perf_counter() - start) / len(sample)
            mismatches = 0
            for row, item in zip(result.head(len(sample)).iter_rows(named=True), reference, strict=True):
                mismatches += sum(row[n.id] != n.verdict for n in item.norms)
                mismatches += sum(row[f"law_{q}"] != v for q, v in item.law.model_dump().items())
            ratio = ref_each * size / fast
            print(
                f"{size:>9,} incidents: vectorised {fast:6.2f} s end to end "
                f"({size / fast:,.0f}/s); reference {ref_each * 1e3:.3f} ms/incident "
                f"(sample {len(sample)}) -> {ref_each * size:,.0f} s projected; "
                f"ratio {ratio:,.0f}x; sample mismatches {mismatches}"
            )


if __name__ == "__main__":
    main()
