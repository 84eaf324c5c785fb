"""Regenerate (or, with --check, compare) the golden snapshots under tests/golden/.

The snapshots are what the command line prints today: the Contract 3 document of
`normwatch assess --all --json` and the Contract 4 answers of `normwatch route --json` for
every question of tests/golden/questions.yaml. They are taken through the installed
`normwatch` entry point, so they hold whatever the package layout is.

    .venv/bin/python scripts/golden.py          # rewrite the files
    .venv/bin/python scripts/golden.py --check  # exit 1 and name the files that differ

A change to a golden file is its own commit, saying which inconsistency it fixes.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"


def _app() -> Any:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "normwatch"]
    module = __import__(script.module, fromlist=["app"])
    return module.app


def _run(args: list[str]) -> Any:
    result = CliRunner().invoke(_app(), args, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"normwatch {' '.join(args)} exited {result.exit_code}: {result.output.strip()}")
    return json.loads(result.stdout)


def _route_args(question: dict[str, Any]) -> list[str]:
    args = ["route"]
    for key, value in question.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args + ["--json"]


def snapshots() -> dict[str, str]:
    """File name -> the text it should hold."""
    questions = yaml.safe_load((GOLDEN / "questions.yaml").read_text(encoding="utf-8"))
    routes = [{"question": q, "answer": _run(_route_args(q))} for q in questions]
    return {
        "assess-all.json": json.dumps(_run(["assess", "--all", "--json"]), indent=1, ensure_ascii=False) + "\n",
        "routes.json": json.dumps(routes, indent=1, ensure_ascii=False) + "\n",
    }


def main(argv: list[str]) -> int:
    wanted = snapshots()
    if "--check" in argv:
        differ = [name for name, text in wanted.items()
                  if not (GOLDEN / name).is_file() or (GOLDEN / name).read_text(encoding="utf-8") != text]
        for name in differ:
            print(f"tests/golden/{name} differs from what the commands print now", file=sys.stderr)
        return 1 if differ else 0
    for name, text in wanted.items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
