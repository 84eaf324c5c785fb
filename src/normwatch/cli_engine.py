"""CLI commands for the engine concern; they register themselves on normwatch.cli.app."""

from __future__ import annotations
