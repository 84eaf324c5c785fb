"""The package's floor plan: one curated public surface, no import cycles, and no library
module that imports the package root (the front ends may use the public API)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import normwatch

SRC = Path(normwatch.__file__).parent
FRONT_ENDS = ("normwatch.cli", "normwatch.service")


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(path: Path, module: str, top_level_only: bool) -> set[str]:
    """normwatch modules imported by ``module``: at its top level, or anywhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks are not run
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("normwatch"):
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("normwatch"))
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("relative:" + module)
    return names


def test_every_public_name_resolves_and_is_listed_once() -> None:
    assert len(normwatch.__all__) == len(set(normwatch.__all__))
    for name in normwatch.__all__:
        assert getattr(normwatch, name) is not None, name
    for wanted in ("load_kb", "load_rules", "assess", "assess_many", "route", "committed", "brief",
                   "whatif", "scorecard", "Assessment", "RouteAnswer", "NormwatchError", "InputError",
                   "NotFound", "Conflict"):
        assert wanted in normwatch.__all__


def test_the_package_is_typed() -> None:
    assert (SRC / "py.typed").is_file()


def test_imports_are_absolute() -> None:
    modules = _modules()
    relative = sorted(m for m, p in modules.items() if any(n.startswith("relative:") for n in _imports(p, m, False)))
    assert relative == []


def test_no_library_module_imports_the_package_root() -> None:
    offenders = []
    for module, path in _modules().items():
        if module == "normwatch" or module.startswith(FRONT_ENDS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "normwatch" and node.level == 0:
                offenders.append(module)
            elif isinstance(node, ast.Import) and any(a.name == "normwatch" for a in node.names):
                offenders.append(module)
    assert offenders == []


def test_no_import_cycles_between_modules() -> None:
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in _imports(path, module, top_level_only=True):
            # `from normwatch.engine import cel` names the module normwatch.engine.cel
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # a package's __init__ importing its own submodules is how Python packages work
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert real == []


def test_public_names_import_in_a_fresh_interpreter() -> None:
    code = "from normwatch import load_kb, load_rules, assess, route, committed, brief, whatif"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _documents() -> str:
    root = SRC.parent.parent
    return (root / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((root / "docs").glob("*.md")))


def test_every_cli_command_is_documented() -> None:
    import re

    from normwatch.cli import app

    text = _documents()
    names = [c.name or (c.callback.__name__.replace("_", "-") if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    assert len(names) > 20
    missing = [n for n in names if not re.search(rf"(normwatch|\$N) {re.escape(n)}\b", text)]
    assert missing == []


def test_every_api_and_taxii_route_is_documented() -> None:
    import re

    from normwatch.service.app import create_app

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    text = shape((SRC.parent.parent / "docs" / "service.md").read_text(encoding="utf-8"))
    paths = list(create_app().openapi()["paths"])
    assert len(paths) > 25
    # a path is documented when the docs name it whole: followed by a backtick, a query or a comma
    missing = [p for p in paths if not re.search(rf"[`\s/]{re.escape(shape(p))}[`?,]", text)]
    assert missing == []


def test_the_disk_cache_keeps_a_bounded_number_of_entries(tmp_path: Path, monkeypatch) -> None:
    from normwatch.knowledge import diskcache

    monkeypatch.setenv("NORMWATCH_CACHE", str(tmp_path))
    for n in range(diskcache.KEEP + 5):
        diskcache.save("kb", f"key{n:02d}", {"n": n})
    kept = sorted(tmp_path.glob("kb-*.pickle"))
    assert len(kept) == diskcache.KEEP
    assert diskcache.load("kb", f"key{diskcache.KEEP + 4:02d}") == {"n": diskcache.KEEP + 4}
