"""The package version (keep it in step with ``version`` in pyproject.toml)."""

__version__ = "0.1.0"
