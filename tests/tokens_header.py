"""The header that carries an API token, for tests of the API and the service."""

from __future__ import annotations


def bearer(token: str) -> dict[str, str]:
    """``Authorization: Bearer TOKEN``."""
    return {"Authorization": f"Bearer {token}"}
