"""Start-up cost: what a fresh interpreter loads for ``import normwatch`` and for a CLI command.

Each check runs in a subprocess, because this test process has long since imported
everything the other tests needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


# `normwatch assess notpetya-2017 --json` in a fresh interpreter; main() ends in sys.exit
# through Typer, caught so that the probe can still report
ASSESS = (
    "import sys\n"
    "sys.argv = ['normwatch', 'assess', 'notpetya-2017', '--json']\n"
    "from normwatch.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as exc:\n"
    "    assert not exc.code, exc.code\n"
)


def test_import_normwatch_loads_no_heavy_dependency() -> None:
    assert _loaded("import normwatch")[0] == []


def test_assess_json_loads_no_plotting_service_or_stix() -> None:
    loaded, printed = _loaded(ASSESS)
    assert [m for m in loaded if m in NOT_FOR_ASSESS] == []
    # an empty import set from a command that did nothing would prove nothing
    assert [a["incident"] for a in json.loads(printed)["assessments"]] == ["notpetya-2017"]


def test_the_command_table_names_the_module_that_registers_each_command() -> None:
    import typer.main

    from normwatch.cli import COMMANDS, app

    registered = {
        (c.name or typer.main.get_command_name(c.callback.__name__ if c.callback else "")): c.callback.__module__
        for c in app.registered_commands if c.callback
    }
    registered |= {g.name: g.typer_instance.registered_commands[0].callback.__module__  # type: ignore[union-attr]
                   for g in app.registered_groups if g.name}
    assert {name: f"normwatch.cli.{module}" for name, module in COMMANDS.items()} == registered


def test_a_command_imports_only_its_own_command_module(tmp_path: Path) -> None:
    # the second run starts from the disk cache, as a user's every start after the first
    env = {**os.environ, "NORMWATCH_CACHE": str(tmp_path)}
    probe = ASSESS + "sys.__stderr__.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                              check=False, timeout=120)
        assert done.returncode == 0, done.stderr
    modules = set(done.stderr.rpartition("MODULES ")[2].split())
    assert json.loads(done.stdout)["assessments"][0]["incident"] == "notpetya-2017"
    assert "normwatch.cli.engine" in modules
    assert {m for m in modules if m.startswith("normwatch.cli.")} == {"normwatch.cli.common", "normwatch.cli.engine"}
    # a start served from the disk cache parses no YAML
    assert "yaml" not in modules


def test_help_and_a_mistyped_command_still_see_every_command() -> None:
    done = subprocess.run([sys.executable, "-m", "normwatch", "--help"], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0
    from normwatch.cli import COMMANDS

    assert all(name in done.stdout for name in COMMANDS)
    wrong = subprocess.run([sys.executable, "-m", "normwatch", "asses"], capture_output=True, text=True,
                           check=False, timeout=120)
    assert wrong.returncode == 2
    assert "asses" in wrong.stderr
