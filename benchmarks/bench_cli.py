"""Benchmark: the paths people wait on, as whole processes, beside a bare Python start-up
timed in the same rounds.

Each round runs a bare ``python -c pass`` and then every path once, so a slower or busier
moment weighs on the baseline and the paths alike; the figures are medians and ranges over
the rounds. Every process gets a private disk cache (``NORMWATCH_CACHE``) warmed by one
unmeasured run, so the figures are those of a user's every start after the first, never
of this machine's own cache:

| path | what is timed | goal (issue 16) |
|---|---|---|
| ``assess`` | ``normwatch assess notpetya-2017 --json`` | ≤0.4 s above bare Python |
| ``assess-files`` | ``normwatch assess --file DIR --json`` over 1,450 incident files | ≤3 s |
| ``report-*`` | ``normwatch report … --format pdf``: the first of the day (the report's | ≤2 s |
| | cache entry removed before each run; its figures, kept by what they plot, stay), | |
| | and ``-again``, the same report again that day | |
| ``start`` | ``bash scripts/start.sh --port P`` until ``GET /`` answers 200, on a second run | ≤3 s |

The incident files are the EuRepoC Global Database as normwatch's importer maps it when
``../shared/data/external/`` holds it (1,643 rows, about 1,450 incidents), else synthetic
incidents (benchmarks/synthetic.py).

``--against DIR`` also times the same paths (all but ``start``) with the normwatch of another
checkout (``git worktree add DIR <commit>``; its ``src`` goes first on ``PYTHONPATH``, with a
cache of its own) in the same rounds, and prints how many times longer it takes: before and
after a change, measured together.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 5] [--only assess,report-state,...]
        [--source CSV] [--against DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
NORMWATCH = [PYTHON, "-m", "normwatch"]
REPORTS = {"report-catalogue": ["catalogue"], "report-state": ["state", "RUS"],
           "report-incident": ["incident", "notpetya-2017"]}
GOALS = {"assess": ("above bare", 0.4), "assess-files": ("total", 3.0), "start": ("total", 3.0),
         **{f"{name}{day}": ("total", 2.0) for name in REPORTS for day in ("", "-again")}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False, cwd=ROOT, timeout=600)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return took


def _start(env: dict[str, str]) -> float:
    """Seconds from ``bash scripts/start.sh`` to a 200 on ``GET /``; the server is stopped after."""
    port = _free_port()
    began = time.perf_counter()
    server = subprocess.Popen(["bash", "scripts/start.sh", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while time.perf_counter() - began < 120:
            if server.poll() is not None:
                raise SystemExit(f"scripts/start.sh exited with {server.returncode} before serving")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.02)
        raise SystemExit("scripts/start.sh served nothing within 120 s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _incident_files(folder: Path, source: Path, count: int) -> str:
    from bench_yaml import eurepoc_incidents, synthetic_incidents

    from normwatch.interchange.incidents_io import dump_yaml

    if source.is_file():
        incidents, origin = eurepoc_incidents(source, count), f"EuRepoC ({source.name})"
    else:
        incidents, origin = synthetic_incidents(count), "synthetic (no EuRepoC data found)"
    for incident in incidents:
        (folder / f"{incident.id}.yaml").write_text(dump_yaml(incident), encoding="utf-8")
    return f"{len(incidents)} incident files from {origin}"


def _paths(env: dict[str, str], cache: Path, tmp: Path, folder: Path | None,
           root: Path) -> dict[str, Callable[[], float]]:
    """Every timed path, run with ``env`` (which names the cache and the code)."""
    paths: dict[str, Callable[[], float]] = {
        "assess": lambda: _run([*NORMWATCH, "assess", "notpetya-2017", "--json"], env),
    }
    if folder is not None:
        paths["assess-files"] = lambda: _run([*NORMWATCH, "assess", "--file", str(folder), "--json"], env)
    for name, subject in REPORTS.items():
        out = str(tmp / f"{name}-{cache.name}.pdf")
        command = [*NORMWATCH, "report", *subject, "--format", "pdf", "--out", out]

        def first_of_day(command: list[str] = command) -> float:
            for entry in cache.glob("report-*.pickle"):
                entry.unlink()
            return _run(command, env)

        paths[name] = first_of_day
        paths[f"{name}-again"] = lambda command=command: _run(command, env)  # type: ignore[misc]
    if root == ROOT:
        paths["start"] = lambda: _start(env)
    return paths


def main() -> None:
    from bench_yaml import EUREPOC

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated paths (default: all)")
    parser.add_argument("--source", type=Path, default=EUREPOC, help="EuRepoC Global Database CSV")
    parser.add_argument("--files", type=int, default=1450)
    parser.add_argument("--against", type=Path, help="another checkout to time beside this one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    wanted = [p for p in args.only.split(",") if p]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        notes = []
        folder = None
        if not wanted or "assess-files" in wanted:
            folder = tmp / "incidents"
            folder.mkdir()
            notes.append(_incident_files(folder, args.source, args.files))
        trees = {"": ROOT, **({"@against": args.against.resolve()} if args.against else {})}
        paths: dict[str, Callable[[], float]] = {}
        for suffix, root in trees.items():
            cache = tmp / f"cache{suffix.lstrip('@')}"
            env = {**os.environ, "NORMWATCH_CACHE": str(cache), "NORMWATCH_WORKERS": "1"}
            if root != ROOT:
                env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
            paths |= {f"{k}{suffix}": v for k, v in _paths(env, cache, tmp, folder, root).items()}
        if wanted:
            known = {k.split("@")[0] for k in paths}
            unknown = set(wanted) - known
            if unknown:
                raise SystemExit(f"unknown path(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
            paths = {k: v for k, v in paths.items() if k.split("@")[0] in wanted}
        for path in paths.values():  # warm the private caches: a user's first run is not timed
            path()
        bare: list[float] = []
        times: dict[str, list[float]] = {k: [] for k in paths}
        for _ in range(args.repeat):
            bare.append(_run([PYTHON, "-c", "pass"], {**os.environ}))
            for key, path in paths.items():
                times[key].append(path())
    base = statistics.median(bare)
    rows: list[dict[str, Any]] = []
    for key, values in times.items():
        if "@" in key:
            continue
        median = statistics.median(values)
        kind, goal = GOALS[key]
        figure = median - base if kind == "above bare" else median
        row = {"path": key, "median_s": round(median, 3), "min_s": round(min(values), 3),
               "max_s": round(max(values), 3), "above_bare_s": round(median - base, 3),
               "ratio_to_bare": round(median / base, 1), "goal": f"{kind} ≤ {goal} s", "met": figure <= goal}
        other = times.get(f"{key}@against")
        if other:
            row |= {"against_median_s": round(statistics.median(other), 3),
                    "against_above_bare_s": round(statistics.median(other) - base, 3),
                    "against_ratio": round(statistics.median(other) / median, 2)}
        rows.append(row)
    result = {"repeat": args.repeat, "bare_python_s": round(base, 4), "bare_min_s": round(min(bare), 4),
              "bare_max_s": round(max(bare), 4), "against": str(args.against) if args.against else None,
              "notes": notes, "paths": rows}
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for note in notes:
        print(note)
    print(f"bare python -c pass: median {base:.3f} s [{min(bare):.3f}–{max(bare):.3f}] over {args.repeat} rounds")
    against = f"  {'against':>8} {'×':>5}" if args.against else ""
    print(f"{'path':<26} {'median':>8} {'range':>17} {'above bare':>11} {'ratio':>8}{against}  goal")
    for row in rows:
        mark = "met" if row["met"] else "NOT met"
        then = (f"  {row['against_median_s']:>7.3f}s {row['against_ratio']:>4.2f}×" if "against_ratio" in row
                else ("  " + " " * 14 if args.against else ""))
        print(f"{row['path']:<26} {row['median_s']:>7.3f}s {row['min_s']:>7.3f}–{row['max_s']:<7.3f}s"
              f"{row['above_bare_s']:>10.3f}s {row['ratio_to_bare']:>7.1f}×{then}  {row['goal']}: {mark}")
    if args.against:
        print(f"against: {args.against} (× = its median over this checkout's, same rounds)")


if __name__ == "__main__":
    main()
