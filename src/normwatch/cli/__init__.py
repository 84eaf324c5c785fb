"""The ``normwatch`` command line: a thin layer over the library, one module per command group.

:mod:`normwatch.cli.common` holds the Typer application and the shared options and
helpers; each command module registers its commands on it when imported. ``app`` (read
from this package) is the whole command line, every module imported; :func:`main` imports
only the module of the command it runs.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["COMMANDS", "app", "main"]

# The module that registers each top-level command (or command group). Typer builds every
# registered command, with its parameter converters, on each call, and importing every
# command module loads what they need: a third of a cold `assess`. A test holds this table
# to what the modules register.
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("scorecard", "rankings", "blocs", "trends", "plots", "report"), "analytics"),
    "draft": "drafting",
    **dict.fromkeys(("assess", "rules", "rule", "brief", "whatif"), "engine"),
    **dict.fromkeys(("incidents", "incident", "import", "export"), "interchange"),
    **dict.fromkeys(("check", "norms", "norm", "state", "instrument", "instruments", "committed",
                     "groups", "group", "overview"), "knowledge"),
    "route": "route",
    **dict.fromkeys(("serve", "db", "token"), "service"),
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def _whole() -> typer.Typer:
    """The application with every command registered."""
    for module in MODULES:
        importlib.import_module(f"normwatch.cli.{module}")
    from normwatch.cli.common import app as whole

    return whole


def __getattr__(name: str) -> Any:
    if name == "app":
        return _whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _runner(argv: list[str]) -> typer.Typer:
    """The application ``main`` runs for ``argv``: for a known command, one that holds only
    that command (its usage and errors read as before: ``normwatch assess``); otherwise,
    for the help screen or a mistyped command, the whole one."""
    name = argv[1] if len(argv) > 1 else ""
    module = COMMANDS.get(name)
    if module is None:
        return _whole()
    importlib.import_module(f"normwatch.cli.{module}")
    import typer
    import typer.main

    from normwatch.cli.common import app as whole

    only = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help=whole.info.help)
    only.registered_commands = [
        c for c in whole.registered_commands
        if (c.name or typer.main.get_command_name(c.callback.__name__ if c.callback else "")) == name
    ]
    only.registered_groups = [g for g in whole.registered_groups if g.name == name]
    # a callback keeps it a group: one lone command would otherwise run without its name
    only.callback()(_group)
    return only


def _group() -> None:
    """normwatch: norms as code for cyberspace."""


def main() -> None:
    """Entry point: normwatch's own errors (and any stray user-input error) become one line
    per problem and exit 2 — the one place the command line maps errors."""
    import typer

    from normwatch.cli.common import _print_error
    from normwatch.errors import InputError, NormwatchError

    application = _runner(sys.argv)
    if len(sys.argv) < 2:
        application()  # no arguments: the help screen, as before
    # Typer ships its own copy of click; its public BadParameter leads to the classes
    # behind it without importing a private module.
    usage_error = typer.BadParameter.__mro__[1]
    try:
        code = application(standalone_mode=False)
    except usage_error as exc:  # type: ignore[misc]
        # the boxed usage screen becomes one line, like every other bad input
        ctx = getattr(exc, "ctx", None)
        name = getattr(ctx, "command_path", "") if ctx is not None else ""
        where = f" (see {name} --help)" if name else ""
        _print_error(f"{exc.format_message()}{where}")
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except InputError as exc:
        for line in [str(p) for p in exc.problems] or [str(exc)]:
            _print_error(line)
        sys.exit(2)
    except (NormwatchError, ValueError, KeyError) as exc:
        _print_error(str(exc))
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
