"""The ``normwatch`` command line: a thin layer over the library, one module per command group.

:mod:`normwatch.cli.common` holds the Typer application and the shared options and
helpers; each command module registers its commands on it when imported here.
"""

from __future__ import annotations

import sys

from normwatch.cli import analytics, engine, interchange, knowledge, route, service  # noqa: F401
from normwatch.cli.common import _print_error, app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point that turns any stray user-input error into one line and exit 2."""
    try:
        app()
    except (ValueError, KeyError) as exc:
        _print_error(str(exc))
        sys.exit(2)
