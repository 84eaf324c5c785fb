"""CLI commands of analytics and reports; they register themselves on normwatch.cli.app."""

from __future__ import annotations
