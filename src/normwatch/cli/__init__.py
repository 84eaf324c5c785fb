"""The ``normwatch`` command line: a thin layer over the library, one module per command group.

:mod:`normwatch.cli.common` holds the Typer application and the shared options and
helpers; each command module registers its commands on it when imported here.
"""

from __future__ import annotations

import sys

import typer

from normwatch.cli import analytics, drafting, engine, interchange, knowledge, route, service  # noqa: F401
from normwatch.cli.common import _print_error, app
from normwatch.errors import InputError, NormwatchError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: normwatch's own errors (and any stray user-input error) become one line
    per problem and exit 2 — the one place the command line maps errors."""
    if len(sys.argv) < 2:
        app()  # no arguments: the help screen, as before
    # Typer ships its own copy of click; its public BadParameter leads to the classes
    # behind it without importing a private module.
    usage_error = typer.BadParameter.__mro__[1]
    try:
        code = app(standalone_mode=False)
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
