"""The golden snapshots: what `assess --all --json` and `route --json` print must not move
unless a commit says why (regenerate with `.venv/bin/python scripts/golden.py`)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
SCRIPT = Path(__file__).parent.parent / "scripts" / "golden.py"


@pytest.fixture(scope="module")
def wanted() -> dict[str, str]:
    snapshots = runpy.run_path(str(SCRIPT))["snapshots"]
    result: dict[str, str] = snapshots()
    return result


@pytest.mark.parametrize("name", ["assess-all.json", "routes.json"])
def test_output_matches_the_golden_file(wanted: dict[str, str], name: str) -> None:
    kept = (GOLDEN / name).read_text(encoding="utf-8")
    if kept != wanted[name]:
        old, new = json.loads(kept), json.loads(wanted[name])
        # name the first place that differs, so the failure says what moved
        path = _first_difference(old, new, name)
        pytest.fail(f"{name} differs at {path}; if intended, regenerate and commit with the reason")


def test_the_route_matrix_is_broad(wanted: dict[str, str]) -> None:
    routes = json.loads(wanted["routes.json"])
    assert len(routes) >= 20
    applicable = {c["id"] for r in routes for c in r["answer"]["channels"] if c["applicable"]}
    # the matrix exercises many channels, not only the fallback
    assert len(applicable) >= 8


def _first_difference(old: object, new: object, where: str) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                return f"{where}.{key} (only in {'new' if key in new else 'old'})"
            if old[key] != new[key]:
                return _first_difference(old[key], new[key], f"{where}.{key}")
        return f"{where} (key order)"
    if isinstance(old, list) and isinstance(new, list):
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
        return f"{where} (length {len(old)} -> {len(new)})"
    return f"{where}: {old!r} -> {new!r}"
