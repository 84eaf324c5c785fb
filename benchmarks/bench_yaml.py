"""Benchmark: reading incident YAML files with PyYAML's pure-Python SafeLoader vs the
project's reader (normwatch.knowledge.yamlread.parse_yaml, libyaml's parser underneath).

The files are 1,450 incidents written as Contract-1 YAML into a temporary folder: the
EuRepoC Global Database mapped by normwatch's importer when ../shared/data/external/ holds
it (its 1,643 rows map to about that many incidents), else synthetic incidents from
benchmarks/synthetic.py. Each pass parses every file; the texts are read once beforehand,
so both readers are timed on parsing alone. Both must give the same data.

    .venv/bin/python benchmarks/bench_yaml.py [--files 1450] [--repeat 5] [--source CSV]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from normwatch.interchange.incidents_io import dump_yaml  # noqa: E402
from normwatch.knowledge.models import Incident  # noqa: E402
from normwatch.knowledge.yamlread import parse_yaml  # noqa: E402

EUREPOC = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "EuRepoC_Global_Database_1.1.csv"


def eurepoc_incidents(source: Path, count: int) -> list[Incident]:
    from normwatch.interchange.external import import_eurepoc

    result, problems = import_eurepoc(source)
    if problems:
        raise SystemExit(f"{source}: {problems[0]}")
    return result.incidents[:count]


def synthetic_incidents(count: int) -> list[Incident]:
    # numpy and polars only for this path: the EuRepoC one does not need them
    from synthetic import generate

    from normwatch.engine.columnar import incidents_from_table

    return incidents_from_table(generate(count, seed=count))


def median_pass(parse: Callable[[str, str], Any], texts: list[tuple[str, str]], repeat: int) -> tuple[float, list[Any]]:
    times, data = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        data = [parse(text, name) for name, text in texts]
        times.append(time.perf_counter() - start)
    return statistics.median(times), data


def pure_python(text: str, name: str) -> Any:
    return yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader is the safe one


def project(text: str, name: str) -> Any:
    data, problems = parse_yaml(text, name)
    return problems[0] if problems else data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1450)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", type=Path, default=EUREPOC, help="EuRepoC Global Database CSV")
    args = parser.parse_args()
    if args.source.is_file():
        incidents, origin = eurepoc_incidents(args.source, args.files), f"EuRepoC ({args.source.name})"
    else:
        incidents, origin = synthetic_incidents(args.files), "synthetic (no EuRepoC data found)"
    with tempfile.TemporaryDirectory() as tmp:
        for incident in incidents:
            (Path(tmp) / f"{incident.id}.yaml").write_text(dump_yaml(incident), encoding="utf-8")
        paths = sorted(Path(tmp).glob("*.yaml"))
        texts = [(str(p), p.read_text(encoding="utf-8")) for p in paths]
    size = sum(len(t.encode()) for _, t in texts)
    print(f"{len(texts)} incident files from {origin}, {size / 1e6:.1f} MB; median of {args.repeat} passes")
    slow, slow_data = median_pass(pure_python, texts, args.repeat)
    fast, fast_data = median_pass(project, texts, args.repeat)
    mismatches = sum(a != b for a, b in zip(slow_data, fast_data, strict=True))
    print(f"pure-Python yaml.SafeLoader: {slow:6.3f} s ({len(texts) / slow:,.0f} files/s)")
    print(f"parse_yaml (libyaml):        {fast:6.3f} s ({len(texts) / fast:,.0f} files/s)")
    print(f"ratio {slow / fast:.1f}x; files whose data differ {mismatches}; libyaml in this PyYAML: "
          f"{yaml.__with_libyaml__}")


if __name__ == "__main__":
    main()
