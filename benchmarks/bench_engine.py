"""Benchmark: vectorised rule evaluation vs the per-incident reference evaluator.

End to end from a Parquet file of synthetic incidents to verdicts for every norm, the law
questions, the red line and tolerated espionage, timed ``--repeat`` times (median and
range). Two baselines run on a sample in the same run: the reference evaluator
(normwatch.engine.assessment, per incident) and an outside peer, the ``rule-engine``
package with the same rules translated into its language (benchmarks/bench_rule_engine.py;
skipped when it is not installed). Both must agree with the vectorised answers on the
sample; the ratios are the vectorised engine's incidents per second over theirs.

    .venv/bin/python benchmarks/bench_engine.py [--sizes 100000 1000000] [--sample 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_rule_engine import mismatches as count_mismatches  # noqa: E402
from synthetic import generate  # noqa: E402

import normwatch  # noqa: E402
from normwatch.engine.assessment import assess  # noqa: E402
from normwatch.engine.columnar import addresses_of, assess_table, incidents_from_table, read_table  # noqa: E402
from normwatch.engine.rules import load_rules  # noqa: E402

try:
    import bench_rule_engine as peer  # noqa: E402
    import rule_engine  # noqa: E402, F401
except ImportError:  # the peer is optional: without it only the reference baseline runs
    peer = None  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the vectorised path")
    args = parser.parse_args()
    kb = normwatch.load_kb()
    rules = load_rules()
    norm_ids = list(kb.norms)
    addresses = addresses_of(kb)
    rule_count = len(rules.norms) + len(rules.law) + len(rules.red_line) + 1
    print(f"rules: {rule_count} rule families over {len(norm_ids)} norms, rules {rules.version}")
    translated = peer.translate(rules, norm_ids, addresses) if peer is not None else None
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"incidents-{size}.parquet"
            generate(size, seed=size).write_parquet(path)
            times = []
            for _ in range(max(1, args.repeat)):
                start = time.perf_counter()
                df = read_table(path)
                result = assess_table(df, rules, norm_ids, addresses)
                times.append(time.perf_counter() - start)
            fast = statistics.median(times)
            sample = incidents_from_table(df.head(args.sample))
            start = time.perf_counter()
            reference = [assess(i, kb, rules) for i in sample]
            ref_each = (time.perf_counter() - start) / len(sample)
            mismatches = count_mismatches(list(result.head(len(sample)).iter_rows(named=True)), reference)
            print(
                f"{size:>9,} incidents: vectorised {fast:6.2f} s end to end, median of {len(times)} "
                f"(range {min(times):.2f}-{max(times):.2f} s; {size / fast:,.0f}/s); "
                f"sample mismatches {mismatches}"
            )
            print(
                f"{'':>21}baseline reference evaluator {ref_each * 1e3:.3f} ms/incident "
                f"(sample {len(sample)}) -> {ref_each * size:,.0f} s projected; "
                f"ratio {ref_each * size / fast:,.0f}x"
            )
            if peer is None or translated is None:
                print(f"{'':>21}baseline rule-engine: not installed, skipped")
                continue
            answers, took = peer.run(translated, sample, rules)
            peer_each = took / len(sample)
            print(
                f"{'':>21}baseline rule-engine {peer_each * 1e3:.3f} ms/incident "
                f"({translated.expressions} rules, rules only, same sample) -> "
                f"{peer_each * size:,.0f} s projected; ratio vs rule-engine "
                f"{peer_each * size / fast:,.0f}\u00d7; rule-engine mismatches "
                f"{peer.mismatches(answers, reference)}"
            )


if __name__ == "__main__":
    main()
