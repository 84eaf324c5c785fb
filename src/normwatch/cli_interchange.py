"""CLI commands for the interchange concern; they register themselves on normwatch.cli.app."""

from __future__ import annotations
