"""The ``normwatch`` command line: a thin layer over the library, one module per command group.

:mod:`normwatch.cli.common` holds the Typer application and the shared options and
helpers; each command module registers its commands on it when imported here.
"""

from __future__ import annotations

import sys

from normwatch.cli import analytics, engine, interchange, knowledge, route, service  # noqa: F401
from normwatch.cli.common import _print_error, app
from normwatch.errors import InputError, NormwatchError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: normwatch's own errors (and any stray user-input error) become one line
    per problem and exit 2 — the one place the command line maps errors."""
    try:
        app()
    except InputError as exc:
        for line in [str(p) for p in exc.problems] or [str(exc)]:
            _print_error(line)
        sys.exit(2)
    except (NormwatchError, ValueError, KeyError) as exc:
        _print_error(str(exc))
        sys.exit(2)
