"""Start-up cost: what a fresh interpreter loads for ``import normwatch`` and for a CLI command.

Each check runs in a subprocess, because this test process has long since imported
everything the other tests needed.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("polars", "matplotlib", "fastapi", "sqlalchemy", "stix2", "pyarrow", "numpy")
# assess itself evaluates CEL over numpy arrays, so only what it never needs is held out
NOT_FOR_ASSESS = ("matplotlib", "fastapi", "sqlalchemy", "stix2")


def _loaded(code: str) -> tuple[list[str], str]:
    """The top-level packages of HEAVY that ``code`` leaves in ``sys.modules``, and what
    ``code`` itself printed."""
    probe = (
        f"{code}\n"
        "import json, sys\n"
        f"heavy = set({HEAVY!r})\n"
        "sys.__stdout__.write('\\nLOADED ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules} & heavy)) + '\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    printed, _, line = done.stdout.rpartition("\nLOADED ")
    return list(json.loads(line)), printed


def test_import_normwatch_loads_no_heavy_dependency() -> None:
    assert _loaded("import normwatch")[0] == []


def test_assess_json_loads_no_plotting_service_or_stix() -> None:
    # main() ends in sys.exit through Typer: catch it so the probe still reports
    code = (
        "import sys\n"
        "sys.argv = ['normwatch', 'assess', 'notpetya-2017', '--json']\n"
        "from normwatch.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    loaded, printed = _loaded(code)
    assert [m for m in loaded if m in NOT_FOR_ASSESS] == []
    # an empty import set from a command that did nothing would prove nothing
    assert [a["incident"] for a in json.loads(printed)["assessments"]] == ["notpetya-2017"]
