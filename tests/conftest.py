from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import normwatch
from normwatch.kb import KnowledgeBase, load

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return normwatch.load_kb()


@pytest.fixture
def mini_kb(tmp_path: Path):
    """Build a small knowledge base from dicts: mini_kb({"instruments.yaml": {...}})."""

    def build(files: dict[str, object]) -> KnowledgeBase:
        root = tmp_path / "kb"
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return load(root)

    return build
