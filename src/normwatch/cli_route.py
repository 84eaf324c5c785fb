"""CLI commands for the route concern; they register themselves on normwatch.cli.app."""

from __future__ import annotations
